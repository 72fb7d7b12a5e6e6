"""Writes the golden files of test/io/keras_optimizer.test.ts: a small model compiled and
trained three steps in Keras, saved with its optimizer state, then trained one step more.
Loading a file here and taking that step on the same batch must give Keras's weights.

Each case: <name>.keras or <name>.h5 (as real Keras 3 saves a compiled model: .keras with
compile_config and optimizer/vars, .h5 with training_config and optimizer_weights) and
<name>.after.bin, every weight (model.get_weights() order, flattened, little-endian
float32) after Keras's fourth step. batch.x.bin / batch.y.bin hold the batch (float32
images 8x6x6x1; float32 sparse labels). manifest.json describes them. Case "nadam" uses
an optimizer simdnet lacks: it must load uncompiled, with a warning.

Run: /opt/keras-venv/bin/python scripts/keras/make_optimizer_files.py
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "keras_optimizer")
STEPS = 3


def model(name):
    return keras.Sequential(
        [
            keras.Input(shape=(6, 6, 1)),
            layers.Conv2D(2, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ],
        name=name,
    )


CASES = {
    "adam": ("keras", lambda: keras.optimizers.Adam(0.01)),
    "adam_h5": ("h5", lambda: keras.optimizers.Adam(0.01)),
    "rmsprop": ("keras", lambda: keras.optimizers.RMSprop(0.01, momentum=0.5)),
    "sgd_h5": ("h5", lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    "adamw_cosine": ("keras", lambda: keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(0.05, 10, alpha=0.1), weight_decay=0.1)),
    "nadam": ("keras", lambda: keras.optimizers.Nadam(0.01)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(11)
    x = rng.uniform(-1, 1, (8, 6, 6, 1)).astype("float32")
    y = (np.arange(8) % 3).astype("float32")
    x.tofile(os.path.join(OUT, "batch.x.bin"))
    y.tofile(os.path.join(OUT, "batch.y.bin"))
    manifest = {"keras_version": keras.__version__, "steps": STEPS, "batch": {"x": [8, 6, 6, 1], "y": [8]}, "cases": {}}
    for seed, (name, (fmt, make)) in enumerate(CASES.items()):
        keras.utils.set_random_seed(100 + seed)
        m = model(f"opt_{name}")
        m.compile(optimizer=make(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        for _ in range(STEPS):
            m.train_on_batch(x, y)
        file = f"{name}.{fmt}"
        m.save(os.path.join(OUT, file))
        m.train_on_batch(x, y)
        np.concatenate([w.reshape(-1) for w in m.get_weights()]).astype("float32").tofile(os.path.join(OUT, f"{name}.after.bin"))
        manifest["cases"][name] = {
            "file": file,
            "optimizer": type(m.optimizer).__name__,
            "optimizer_variables": len(m.optimizer.variables),
            "weights": [list(w.shape) for w in m.get_weights()],
        }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
