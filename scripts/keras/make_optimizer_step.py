"""One optimizer step of a small functional graph with BatchNormalization in training mode
(conv -> BN -> relu -> add the input -> global average pooling -> dense softmax), for
test/golden/layers/optimizer_step.json (schema: see make_layer_goldens.py)."""

from common import inbound_names, rand, rng_for, tensor  # first: it sets TensorFlow's environment

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402


def build():
    x0 = keras.Input((5, 5, 3), name="input")
    # No conv bias: before a BN in training its gradient is zero up to rounding, and Adam
    # would turn that rounding noise into a full-size step no other code can reproduce.
    x = L.Conv2D(3, 3, padding="same", use_bias=False, name="conv")(x0)
    x = L.BatchNormalization(momentum=0.9, name="bn")(x)
    x = L.ReLU(name="relu")(x)
    x = L.Add(name="add")([x0, x])
    x = L.GlobalAveragePooling2D(name="gap")(x)
    out = L.Dense(4, activation="softmax", name="dense")(x)
    return keras.Model(x0, out, name="bn_step")


def weights_of(model, values):
    return [{"name": f"{v.path}", "trainable": bool(v.trainable), **tensor(x)}
            for v, x in zip(model.weights, values)]


def optimizer_step():
    rng = rng_for("optimizer_step")
    model = build()
    w0 = []
    for v in model.weights:
        shape = tuple(v.shape)
        if v.name in ("gamma", "moving_variance"):
            w0.append(rand(rng, shape, 0.5, 1.5))
        elif v.name in ("beta", "moving_mean", "bias"):
            w0.append(rand(rng, shape, -0.3, 0.3))
        else:
            w0.append(rand(rng, shape, -0.5, 0.5))
    x = rand(rng, (4, 5, 5, 3), -1.0, 1.0)
    y = np.array([0, 3, 1, 2], dtype=np.float32)
    config = model.get_config()
    doc = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "model": config,
        "layers": [{"name": lc["name"], "class_name": lc["class_name"], "config": lc["config"],
                    "inbound": inbound_names(lc)} for lc in config["layers"]],
        "weights": weights_of(model, w0),
        "x": tensor(x),
        "y": tensor(y),
        "steps": [],
    }
    for opt in (keras.optimizers.SGD(learning_rate=0.1),
                keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                keras.optimizers.Adam(learning_rate=0.01)):
        m = build()
        m.set_weights(w0)
        # jit_compile off: XLA may fuse and reorder float arithmetic.
        m.compile(optimizer=opt, loss="sparse_categorical_crossentropy", jit_compile=False)
        logs = m.train_on_batch(x, y, return_dict=True)
        bn = m.get_layer("bn")
        doc["steps"].append({
            "optimizer": keras.optimizers.serialize(opt),
            "loss": float(f"{logs['loss']:.7g}"),
            "weights_after": weights_of(m, m.get_weights()),
            "moving_stats_after": {"bn": {"moving_mean": tensor(bn.moving_mean.numpy()),
                                          "moving_variance": tensor(bn.moving_variance.numpy())}},
        })
    return doc
