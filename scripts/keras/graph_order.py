"""Writes test/golden/graph_order.json: real Keras 3's `model.layers` names and order and
the `get_weights()` shapes of small functional graphs, each built in a fresh session with
automatic layer names, as test/graph/order.test.ts builds them in simdnet.

Run: /opt/keras-venv/bin/python scripts/keras/graph_order.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
from keras import layers  # noqa: E402


def skip_second():
    # A long branch and a shortcut from the input, added shortcut first.
    x0 = keras.Input((6,))
    a = layers.Dense(4)(x0)
    b = layers.Dense(4)(a)
    c = layers.Dense(4)(b)
    d = layers.Dense(4)(x0)
    return keras.Model(x0, layers.Add()([d, c]))


def diamond():
    # Two branches of different depth joined by a concatenation, then a residual add.
    x0 = keras.Input((5, 5, 2))
    a = layers.Conv2D(3, 3, padding="same")(x0)
    b = layers.Conv2D(2, 1)(a)
    b = layers.Conv2D(2, 3, padding="same")(b)
    c = layers.MaxPooling2D(1)(a)
    cat = layers.Concatenate()([c, b])
    e = layers.Conv2D(5, 1)(cat)
    s = layers.Add()([cat, e])
    f = layers.Flatten()(s)
    return keras.Model(x0, layers.Dense(3, activation="softmax")(f))


def shortcut_first():
    # The add's first input is the deep branch; the shortcut is a 1x1 convolution.
    x0 = keras.Input((4, 4, 1))
    h = layers.Conv2D(2, 3, padding="same", activation="relu")(x0)
    h = layers.Conv2D(2, 3, padding="same")(h)
    s = layers.Conv2D(2, 1)(x0)
    y = layers.Activation("relu")(layers.Add()([h, s]))
    return keras.Model(x0, layers.Dense(2)(layers.Flatten()(y)))


out = {}
for name, make in [("skip_second", skip_second), ("diamond", diamond), ("shortcut_first", shortcut_first)]:
    keras.backend.clear_session()
    model = make()
    out[name] = {
        "layers": [l.name for l in model.layers],
        "weights": [list(w.shape) for w in model.get_weights()],
        "params": model.count_params(),
    }
path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "graph_order.json")
with open(path, "w") as f:
    json.dump({"generator": "scripts/keras/graph_order.py", "keras": keras.__version__, "models": out}, f, indent=1)
    f.write("\n")
print(json.dumps(out, indent=1))
