"""Writes test/golden/frozen_bn.json: one SGD step of a small conv-BatchNormalization
model in Keras 3.15.1, with the BatchNormalization layer frozen, trainable, and
trainable inside a nested base model called with training=False (Keras's
transfer-learning guide), read by test/examples/frozen_bn_keras.test.ts.

The model: Input(4, 4, 3) -> Conv2D(3, 1, use_bias=False, name="conv")
-> BatchNormalization(name="bn", random gamma, beta and moving statistics)
-> GlobalAveragePooling2D -> Dense(2, softmax, name="head"); SGD(0.1),
sparse categorical cross-entropy, one batch of 4, no shuffling.

Cases:
  "frozen":  bn.trainable = False. Keras 3 runs a frozen BatchNormalization in inference
             mode (moving statistics) even in fit, and leaves its four weights as they are.
  "trainable": the default: batch statistics, moving statistics updated.
  "nested_training_false": conv and bn in a base model called as base(x, training=False)
             inside the outer model, bn left trainable. In Keras 3.15 the outer model's
             training flag replaces the recorded training=False (functional.py,
             operation_fn), so this trains exactly as "trainable" (the script asserts it).

Schema: { "keras": version, "x": [4*4*4*3], "y": [4], "weights": [[...] per weight in
get_weights() order: conv kernel, gamma, beta, moving_mean, moving_variance, head kernel,
head bias], "shapes": [[...]], "cases": { name: { "loss": number, "after": [[...] per
weight] } } }. Values rounded to 4 decimals where they are inputs (exact in float32 JSON).

Run: /opt/keras-venv/bin/python scripts/keras/make_frozen_bn_goldens.py
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "frozen_bn.json")


def build(nested):
    inputs = keras.Input(shape=(4, 4, 3))
    conv = layers.Conv2D(3, 1, use_bias=False, name="conv")
    bn = layers.BatchNormalization(name="bn")
    if nested:
        base_in = keras.Input(shape=(4, 4, 3))
        base = keras.Model(base_in, bn(conv(base_in)), name="base")
        x = base(inputs, training=False)
    else:
        x = bn(conv(inputs))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(2, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs), bn


def main():
    rng = np.random.default_rng(8)
    r4 = lambda shape, lo, hi: np.round(rng.uniform(lo, hi, size=shape), 4).astype("float32")  # noqa: E731
    x = r4((4, 4, 4, 3), -2, 2)
    y = np.array([0, 1, 1, 0], dtype="int32")
    weights = [r4((1, 1, 3, 3), -1, 1), r4((3,), 0.5, 1.5), r4((3,), -0.5, 0.5), r4((3,), -0.3, 0.3), r4((3,), 0.5, 2.0),
               r4((3, 2), -1, 1), r4((2,), -0.1, 0.1)]
    out = {"keras": keras.__version__, "x": x.ravel().tolist(), "y": y.tolist(),
           "weights": [w.ravel().tolist() for w in weights], "shapes": [list(w.shape) for w in weights], "cases": {}}
    for case in ("frozen", "trainable", "nested_training_false"):
        keras.backend.clear_session()
        model, bn = build(case == "nested_training_false")
        model.set_weights(weights)
        if case == "frozen":
            bn.trainable = False
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        out["cases"][case] = {"loss": float(history.history["loss"][0]),
                              "after": [np.asarray(w, dtype="float64").ravel().tolist() for w in model.get_weights()]}
    trained, nested = out["cases"]["trainable"]["after"], out["cases"]["nested_training_false"]["after"]
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(trained, nested)), "Keras changed: training=False now holds"
    frozen = out["cases"]["frozen"]["after"]
    assert all(np.array_equal(np.float32(frozen[i]), weights[i].ravel()) for i in range(1, 5)), "a frozen BN moved"
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
