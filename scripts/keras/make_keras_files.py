"""Writes the golden Keras files that test/io/keras_*.test.ts read.

For LeNet-5 (Sequential), a ResNet-20 (functional, built here as issue 10 item 8
describes it), MobileNetV2(alpha=0.35, 96x96x3, 10 classes) and a tiny model compiled
and trained one step (its files carry optimizer state): the model saved by
real Keras as `.keras` and as legacy `.h5`, a few sample inputs and Keras's predictions
for them. BatchNormalization layers get random gamma, beta and moving statistics so
that a loader that mixes them up predicts something else. Everything is float32 and
seeded, so a re-run writes the same weights (the `.keras` zip also records the date).

Run: /opt/keras-venv/bin/python scripts/keras/make_keras_files.py
Writes test/golden/keras_files/<name>.keras, <name>.h5, <name>.inputs.bin and
<name>.predictions.bin (little-endian float32), and manifest.json describing them.
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "keras_files")
SAMPLES = 2


def lenet5():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(6, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 5, activation="relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(120, activation="relu"),
            layers.Dropout(0.25),
            layers.Dense(84, activation="tanh"),
            layers.Dense(10),
            layers.Activation("softmax"),
        ],
        name="lenet5",
    )


def resnet20(classes=10):
    """He et al. 2016's CIFAR ResNet-20 as issue 10 item 8 describes it."""
    reg = keras.regularizers.L2(1e-4)

    def conv(filters, size, strides=1):
        return layers.Conv2D(filters, size, strides=strides, padding="same",
                             kernel_initializer="he_normal", kernel_regularizer=reg)

    inputs = keras.Input(shape=(32, 32, 3))
    x = conv(16, 3)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for stage, filters in enumerate([16, 32, 64]):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            y = conv(filters, 3, strides)(x)
            y = layers.BatchNormalization()(y)
            y = layers.Activation("relu")(y)
            y = conv(filters, 3)(y)
            y = layers.BatchNormalization()(y)
            shortcut = conv(filters, 1, strides)(x) if strides == 2 else x
            x = layers.Add()([shortcut, y])
            x = layers.Activation("relu")(x)
    x = layers.AveragePooling2D(8)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax", kernel_initializer="he_normal")(x)
    return keras.Model(inputs, outputs, name="resnet20")


def mobilenetv2():
    return keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None, classes=10)


def compiled_tiny():
    """A small model trained one step with Adam: its files carry compile settings and
    optimizer state (compile_config and optimizer/vars in .keras; training_config and
    optimizer_weights in .h5), which loading must skip."""
    model = keras.Sequential(
        [keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, activation="relu"), layers.Flatten(), layers.Dense(3, activation="softmax")],
        name="compiled_tiny",
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(7)
    model.fit(rng.uniform(size=(8, 6, 6, 1)).astype("float32"), rng.integers(0, 3, 8), epochs=1, batch_size=8, verbose=0)
    return model


def randomize_batchnorm(model, rng):
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            c = gamma.shape
            layer.set_weights([
                rng.uniform(0.5, 1.5, c).astype("float32"),
                rng.uniform(-0.5, 0.5, c).astype("float32"),
                rng.uniform(-0.5, 0.5, c).astype("float32"),
                rng.uniform(0.5, 2.0, c).astype("float32"),
            ])


def write(name, build, seed):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = build()
    rng = np.random.default_rng(seed)
    randomize_batchnorm(model, rng)
    shape = (SAMPLES,) + tuple(model.input_shape[1:])
    inputs = rng.uniform(0.0, 1.0, shape).astype("float32")
    predictions = model.predict(inputs, verbose=0).astype("float32")
    model.save(os.path.join(OUT, f"{name}.keras"))
    model.save(os.path.join(OUT, f"{name}.h5"))
    inputs.astype("<f4").tofile(os.path.join(OUT, f"{name}.inputs.bin"))
    predictions.astype("<f4").tofile(os.path.join(OUT, f"{name}.predictions.bin"))
    weights = model.weights
    return {
        "inputShape": list(shape),
        "predictionShape": list(predictions.shape),
        "layers": len(model.layers),
        "params": int(model.count_params()),
        "weights": [{"path": w.path, "shape": list(w.shape)} for w in weights],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "keras": keras.__version__,
        "samples": SAMPLES,
        "models": {
            "lenet5": write("lenet5", lenet5, 1),
            "resnet20": write("resnet20", resnet20, 2),
            "mobilenetv2": write("mobilenetv2", mobilenetv2, 3),
            "compiled_tiny": write("compiled_tiny", compiled_tiny, 4),
        },
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for name, m in manifest["models"].items():
        print(name, m["params"], "params,", m["layers"], "layers", file=sys.stderr)


if __name__ == "__main__":
    main()
