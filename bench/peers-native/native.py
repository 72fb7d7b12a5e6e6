"""Native peers for reference (issue 14, item 3): Keras 3 / TensorFlow 2.21 and PyTorch 2.13
on ONE thread, running LeNet-5, ResNet-20 and MobileNetV2 alpha 0.35 (96x96x3) with the
same weights as the JavaScript engines of bench/next_scale.ts (bench/.cache/models/, made
by scripts/keras/make_bench_models.py; LeNet-5 is made here, seeded). Not run by CI.

    /opt/keras-venv/bin/python bench/peers-native/native.py [--write] [--runs N] [--only NAME]

Inference at batch 64 and 1, training at batch 64 (Adam, categorical cross-entropy, one
fixed batch). Every engine's output is checked against Keras's first. With --write the
table goes into bench/RESULTS.md as "## Next scale: native peers". See README.md here.
"""

import os

# TensorFlow as a user gets it (oneDNN on), one thread: both set before it starts.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "keras"))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

from make_bench_models import NETWORKS  # noqa: E402
from torch_graph import TorchGraph  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "models"


def lenet5():
    """The course's LeNet-5 (as bench/peers/tfjs.ts builds it for TF.js)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(6, 5, padding="same", activation="relu"),
        L.AveragePooling2D(2),
        L.Conv2D(16, 5, activation="relu"),
        L.AveragePooling2D(2),
        L.Flatten(),
        L.Dense(120, activation="relu"),
        L.Dense(84, activation="relu"),
        L.Dense(10, activation="softmax"),
    ], name="lenet5")


def keras_model(stem):
    """The network with the bench weights, and Keras's own check data for it."""
    keras.utils.set_random_seed(14)
    if stem == "lenet5":
        model = lenet5()
        x = np.random.default_rng(1).uniform(0, 1, (4, 28, 28, 1)).astype(np.float32)
        return model, x, np.asarray(model(x, training=False))
    model = NETWORKS[stem]()
    d = CACHE / stem
    flat = np.fromfile(d / "weights.bin", dtype="<f4")
    spec = json.loads((d / "spec.json").read_text())
    weights, at = [], 0
    for w in spec["weights"]:
        n = int(np.prod(w["shape"]))
        weights.append(flat[at:at + n].reshape(w["shape"]))
        at += n
    if at != flat.size:
        raise SystemExit(f"native.py: {d}/weights.bin has {flat.size} floats, the spec {at}; rerun make_bench_models.py")
    model.set_weights(weights)
    c = spec["check"]
    x = np.fromfile(d / "check_x.bin", dtype="<f4").reshape(c["n"], *c["input_shape"])
    y = np.fromfile(d / "check_y.bin", dtype="<f4").reshape(c["n"], c["classes"])
    got = np.asarray(model(x, training=False))
    err = float(np.max(np.abs(got - y)) / np.max(np.abs(y)))
    if err > 1e-4:
        raise SystemExit(f"native.py: Keras with the cached weights disagrees with the cached outputs ({err:.1e})")
    return model, x, y


def median_ms(fn, runs, warmup=2, inner=1):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) * 1000 / inner)
    return sorted(samples)[len(samples) // 2]


def bench_keras(model, x64, y64, runs):
    infer = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    x1 = x64[:1]
    b64 = median_ms(lambda: infer(x64).numpy(), runs)
    b1 = median_ms(lambda: infer(x1).numpy(), runs, warmup=10, inner=10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    train = median_ms(lambda: model.train_on_batch(x64, y64), runs)
    return b64, b1, train, f"jit_compile={model.jit_compile}"


def bench_torch(net, x64, y64, runs):
    xt = torch.from_numpy(x64).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(y64.argmax(1))
    x1 = xt[:1].clone()
    net.eval()

    def infer(x):
        with torch.inference_mode():
            return net(x, softmax=True)

    b64 = median_ms(lambda: infer(xt), runs)
    b1 = median_ms(lambda: infer(x1), runs, warmup=10, inner=10)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xt, softmax=False), labels)
        loss.backward()
        opt.step()

    train = median_ms(step, runs)
    return b64, b1, train


def machine_line():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, {platform.system().lower()} "
            f"{platform.release()}, Python {platform.python_version()}, TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}, PyTorch {torch.__version__}")


def write_section(title, body):
    """Replaces (or appends) `## title` in bench/RESULTS.md, as bench/util.ts does."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    heading = f"## {title}\n"
    section = f"{heading}\n{body.strip()}\n\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip() + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + section + ("" if nxt < 0 else text[nxt + 1:])
    path.write_text(text.rstrip() + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=["lenet5", *NETWORKS])
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    missing = [s for s in NETWORKS if not (CACHE / s / "weights.bin").exists()]
    if missing:
        raise SystemExit(f"native.py: {CACHE} lacks {', '.join(missing)}; run "
                         f"{sys.executable} scripts/keras/make_bench_models.py first")
    load_start = os.getloadavg()[0]
    rows = []
    for stem in ["lenet5", *NETWORKS]:
        if args.only and stem != args.only:
            continue
        print(f"{stem} ...", flush=True)
        model, cx, cy = keras_model(stem)
        net = TorchGraph(model)
        got = net.predict_nhwc(cx)
        err = float(np.max(np.abs(got - cy)) / np.max(np.abs(cy)))
        if err > 1e-4:
            raise SystemExit(f"native.py: PyTorch's {stem} disagrees with Keras ({err:.1e})")
        rng = np.random.default_rng(7)
        x64 = rng.uniform(0, 1, (64, *model.input_shape[1:])).astype(np.float32)
        y64 = np.eye(10, dtype=np.float32)[np.arange(64) % 10]
        t_b64, t_b1, t_train = bench_torch(net, x64, y64, args.runs)
        k_b64, k_b1, k_train, note = bench_keras(model, x64, y64, args.runs)
        for engine, (b64, b1, train), extra in [
            (f"Keras {keras.__version__} / TensorFlow {tf.__version__}", (k_b64, k_b1, k_train), note),
            (f"PyTorch {torch.__version__}", (t_b64, t_b1, t_train), f"vs Keras {err:.0e}"),
        ]:
            rows.append([stem, engine, f"{64000 / b64:,.0f}", f"{b1:.2f}", f"{64000 / train:,.0f}", extra])
        print(rows[-2], rows[-1], flush=True)
    header = ["network", "engine (1 thread)", "inference, batch 64 (img/s)", "latency, batch 1 (ms)",
              "training, batch 64, Adam (img/s)", "note"]
    table = "\n".join("| " + " | ".join(r) + " |" for r in [header, ["---"] * len(header), *rows])
    load = os.getloadavg()[0]
    busy = max(load_start, load) > 0.5 * (os.cpu_count() or 1)
    body = "\n".join([
        f"Measured {machine_line()}, by `bench/peers-native/native.py --write` (optional, not run by CI; see "
        f"bench/peers-native/README.md). One-minute load average {load_start:.1f} at the start, {load:.1f} at the end"
        + (": **the machine was busy with other jobs, so these figures are far below an idle machine's; rerun on a quiet "
           "machine before quoting them.**" if busy else "."),
        "One thread each: TensorFlow intra- and inter-op 1 (oneDNN on, as installed), `torch.set_num_threads(1)`. "
        "Same weights as bench/next_scale.ts (LeNet-5: seeded Keras initializers, copied into PyTorch); PyTorch's "
        "outputs checked against Keras's. Keras: a `tf.function` of `model(x, training=False)` for inference, "
        "`train_on_batch` for training; PyTorch: `inference_mode` (NCHW, softmax included), Adam step with "
        f"cross-entropy. Medians of {args.runs} runs after warm-up, one fixed batch.",
        "",
        table,
    ])
    print(body)
    if args.write:
        write_section("Next scale: native peers", body)


if __name__ == "__main__":
    main()
