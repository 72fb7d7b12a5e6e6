"""Writes what real Keras 3.15.1 prints for `model.summary()` under test/golden/summary/.

Run with the venv scripts/keras-venv.sh makes:

    $(bash scripts/keras-venv.sh) scripts/keras/make_summary_goldens.py

Keras sizes the table as min(88, columns - 4) for a sequential-like model and
min(108, columns - 4) for a graph (the "Connected to" column), where columns is the
terminal width (shutil.get_terminal_size: $COLUMNS, else the terminal, else 80, the width
every non-terminal output such as CI or a pipe gets). The texts are captured with
COLUMNS set explicitly: 200 (the full-width table), 80 (76 wide, the pipe default) and
for the small models 60.

For each model, test/golden/summary/<model>.json holds what the formatter needs, as read
from the Keras model:

    {
      "keras_version": "3.15.1",
      "model_name": "sequential",
      "connected": false,                 # Keras printed the "Connected to" column
      "rows": [{
        "name": "conv2d", "class_name": "Conv2D",
        "output_shape": [null, 28, 28, 6],  # one output tensor per layer here
        "params": 156,
        "connected_to": [{"layer": "img", "node_index": 0, "tensor_index": 0}]  # [] when none
      }],
      "trainable_params": 61706, "non_trainable_params": 0,
      "optimizer_params": null,           # a number when the optimizer is built
      "texts": [{"columns": 200, "line_length": 88, "file": "lenet5_cols200.txt"}]
    }

and each text file is exactly the string Keras passes to print_fn.
"""

import json

from common import GOLDEN  # first: it sets TensorFlow's environment

import os  # noqa: E402
import math  # noqa: E402

import keras  # noqa: E402
from keras import layers as L  # noqa: E402
from keras import regularizers  # noqa: E402

OUT = GOLDEN / "summary"
# 200: the full-width table; 80: a pipe or CI; 60: narrow enough that rich must shrink
# and cut more (the small models only, to keep the files small).
COLUMNS = {"lenet5": (200, 80, 60), "lenet5_adam": (200, 80), "tiny_resnet": (200, 80, 60),
           "functional_chain": (200, 80), "mobilenetv2_0.35_96": (200, 80)}


def lenet5():
    """ts/models/lenet5.ts's "keras" variant (the course's LeNet-5)."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(6, 5, padding="same", activation="relu"),
        L.AveragePooling2D(2, 2),
        L.Conv2D(16, 5, activation="relu"),
        L.AveragePooling2D(2, 2),
        L.Flatten(),
        L.Dense(120, activation="relu"),
        L.Dense(84, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])


def lenet5_adam():
    """LeNet-5 compiled with Adam and its optimizer built: the summary adds its variables."""
    m = lenet5()
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    m.optimizer.build(m.trainable_variables)
    return m


def tiny_resnet():
    """SPEC.md's tiny residual graph plus a strided block with a 1x1 projection shortcut:
    tensors that fan out to several layers, BN's non-trainable weights, an Add."""
    x0 = keras.Input((32, 32, 3))
    x = L.Conv2D(16, 3, padding="same", use_bias=False, kernel_regularizer=regularizers.l2(1e-4))(x0)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    y = L.Conv2D(16, 3, padding="same")(x)
    y = L.BatchNormalization()(y)
    x = L.ReLU()(L.Add()([x, y]))
    y = L.Conv2D(32, 3, strides=2, padding="same")(x)
    y = L.BatchNormalization()(y)
    y = L.ReLU()(y)
    y = L.Conv2D(32, 3, padding="same")(y)
    shortcut = L.Conv2D(32, 1, strides=2)(x)
    x = L.ReLU()(L.Add()([shortcut, y]))
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(10, activation="softmax")(x)
    return keras.Model(x0, out, name="tiny_resnet")


def functional_chain():
    """A functional model that is a chain: Keras prints it like a Sequential (no "Connected
    to"), but lists its InputLayer."""
    x0 = keras.Input((16, 16, 3), name="image")
    x = L.Conv2D(8, 3, activation="relu", name="features")(x0)
    x = L.GlobalMaxPooling2D()(x)
    out = L.Dense(5, activation="softmax", name="classes")(x)
    return keras.Model(x0, out, name="chain")


def mobilenetv2():
    return keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None, classes=10)


MODELS = {"lenet5": lenet5, "lenet5_adam": lenet5_adam, "tiny_resnet": tiny_resnet,
          "functional_chain": functional_chain, "mobilenetv2_0.35_96": mobilenetv2}


def summary_layers(model):
    """The layers print_summary lists: a Sequential's layers, a functional model's
    operations (its InputLayer included)."""
    if isinstance(model, keras.Sequential):
        return model.layers
    return model._operations


def connections(model, layer):
    """print_summary's "Connected to" entries, as data."""
    if isinstance(model, keras.Sequential):
        return []
    relevant = [n for v in model._nodes_by_depth.values() for n in v]
    out = []
    for node in layer._inbound_nodes:
        if node not in relevant:
            continue
        for kt in node.input_tensors:
            h = kt._keras_history
            out.append({"layer": h.operation.name, "node_index": h.node_index, "tensor_index": h.tensor_index})
    return out


def count(weights):
    return int(sum(math.prod(w.shape) for w in {id(w): w for w in weights}.values()))


def rows_of(model):
    rows = []
    for layer in summary_layers(model):
        (node,) = layer._inbound_nodes  # every layer here is applied once
        (out,) = keras.tree.flatten(node.output_tensors)
        rows.append({
            "name": layer.name,
            "class_name": layer.__class__.__name__,
            "output_shape": list(out.shape),
            "params": layer.count_params(),
            "connected_to": connections(model, layer),
        })
    return rows


def capture(model, columns):
    os.environ["COLUMNS"] = str(columns)
    out = []
    model.summary(print_fn=lambda text, **_: out.append(text))
    (text,) = out
    return text


def dump(doc):
    """JSON with one row per line: small, and diffs read layer by layer."""
    head = {k: v for k, v in doc.items() if k != "rows"}
    rows = ",\n  ".join(json.dumps(r) for r in doc["rows"])
    return json.dumps(head)[:-1] + ',\n "rows": [\n  ' + rows + "\n ]\n}\n"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, make in MODELS.items():
        keras.backend.clear_session()  # layer names restart at conv2d, dense, ...
        model = make()
        texts = []
        for columns in COLUMNS[stem]:
            text = capture(model, columns)
            name = f"{stem}_cols{columns}.txt"
            (OUT / name).write_text(text)
            first_table_line = text.split("\n")[1]
            texts.append({"columns": columns, "line_length": len(first_table_line), "file": name})
        opt = model.optimizer if getattr(model, "compiled", False) else None
        doc = {
            "keras_version": keras.__version__,
            "model_name": model.name,
            "connected": "Connected to" in text,
            "rows": rows_of(model),
            "trainable_params": count(model.trainable_weights),
            "non_trainable_params": count(model.non_trainable_weights),
            "optimizer_params": count(opt.variables) if opt is not None and opt.built else None,
            "texts": texts,
        }
        (OUT / f"{stem}.json").write_text(dump(doc))
        print(f"{stem}: {len(doc['rows'])} rows, {doc['trainable_params']:,} + {doc['non_trainable_params']:,} params")


if __name__ == "__main__":
    main()
