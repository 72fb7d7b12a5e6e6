"""Shared by the golden-file scripts: a quiet, reproducible TensorFlow, number formatting
and graph helpers. Import this module before tensorflow or keras."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN reorders float sums: off, the numbers do not depend on the CPU's instruction set.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["KERAS_BACKEND"] = "tensorflow"

import pathlib  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Where the golden files go: test/golden, or $SIMDNET_GOLDEN_DIR (the freshness test
# regenerates into a temporary directory and compares with the committed files).
GOLDEN = pathlib.Path(os.environ.get("SIMDNET_GOLDEN_DIR") or ROOT / "test" / "golden")


def rng_for(name):
    """A generator seeded by a case name: adding a case does not change the others."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def rand(rng, shape, lo=-1.0, hi=1.0):
    """Uniform float32 values rounded to 4 decimals: their JSON text is their exact value
    for numpy and JavaScript alike."""
    return np.round(rng.uniform(lo, hi, size=shape), 4).astype(np.float32)


def sig7(v):
    return float(f"{float(v):.7g}")


def tensor(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": [sig7(v) for v in a.ravel()]}


def inbound_names(layer_config):
    """Names of the layers feeding a layer, in order, from its functional-model config
    (Keras 3 keeps them as keras_history [layer, node_index, tensor_index] entries)."""
    names = []

    def walk(v):
        if isinstance(v, dict):
            if "keras_history" in v.get("config", {}):
                names.append(v["config"]["keras_history"][0])
                return
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(layer_config.get("inbound_nodes", []))
    return names
