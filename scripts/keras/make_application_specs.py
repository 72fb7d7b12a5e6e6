"""Writes layer-by-layer references of the applications under test/golden/applications/,
from real Keras 3.15.1, so that simdnet's `applications.*` can be checked against them.

Run with the venv scripts/keras-venv.sh makes:

    $(bash scripts/keras-venv.sh) scripts/keras/make_application_specs.py

Files: mobilenetv2_0.35_96.json and mobilenetv2_1.0_224.json
(keras.applications.MobileNetV2(alpha, input_shape, weights=None, classes)) and
resnet20.json (He et al. 2016's CIFAR ResNet-20, built below exactly as issue 10 item 8
describes). No weights are stored: only the architecture.

Schema:

    {
      "keras_version": "3.15.1",
      "application": "MobileNetV2" | "ResNet20",
      "arguments": {...},                 # what the model was built with
      "model_name": "mobilenetv2_0.35_96",
      "totals": {"params": 423018, "trainable": 408938, "non_trainable": 14080},
      "layers": [{                        # model.layers order (an InputLayer first)
        "name": "Conv1", "class_name": "Conv2D",
        "config": {...},                  # get_config() without name/dtype/trainable and
                                          # None values; serialized objects flattened to
                                          # {"class_name": ..., **their config}
        "output_shape": [null, 48, 48, 16],
        "params": 432, "trainable_params": 432, "non_trainable_params": 0,
        "inbound": ["input_layer"],       # layer names feeding it, in call order
        "weights": [{"name": "kernel", "shape": [3, 3, 3, 16], "trainable": true}]
      }],
      "weights": [{"path": "Conv1/kernel", "shape": [3, 3, 3, 16], "trainable": true}]
                                          # model.get_weights() order
    }
"""

import json

from common import GOLDEN, inbound_names  # first: it sets TensorFlow's environment

import math  # noqa: E402

import keras  # noqa: E402
from keras import layers as L  # noqa: E402
from keras import regularizers  # noqa: E402

OUT = GOLDEN / "applications"
DROPPED_KEYS = {"name", "dtype", "trainable"}


def simplify(value):
    """Config values with the serialization wrappers flattened: smaller and easier to read."""
    if isinstance(value, dict):
        if "class_name" in value and "config" in value and "module" in value:
            inner = value["config"] if isinstance(value["config"], dict) else {}
            return {"class_name": value["class_name"], **{k: simplify(v) for k, v in inner.items() if v is not None}}
        return {k: simplify(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [simplify(v) for v in value]
    return value


def resnet20(input_shape=(32, 32, 3), classes=10):
    """ResNet-20 (He et al. 2016, CIFAR) as Keras users build it (the Keras CIFAR-10 ResNet
    example, v1): 3x3 conv 16 - BN - ReLU; three stages of three basic blocks (16, 32, 64
    filters), each conv3x3-BN-ReLU-conv3x3-BN added to the shortcut, then ReLU; the first
    block of stages 2 and 3 has stride 2 and a 1x1 convolution (no BN) on its shortcut;
    he_normal kernels, L2 1e-4 on conv kernels; 8x8 average pooling, flatten, dense softmax.

    Layers get Keras's default names and ReLU is an Activation layer, as in that example,
    and the layers are created in the same order as in scripts/keras/make_keras_files.py
    (the shortcut after the block's second conv), so both references name the same layers
    alike (conv2d, batch_normalization, activation, add, ...)."""

    def conv(filters, kernel, strides=1):
        return L.Conv2D(filters, kernel, strides=strides, padding="same", kernel_initializer="he_normal",
                        kernel_regularizer=regularizers.L2(1e-4))

    inputs = keras.Input(input_shape)
    x = conv(16, 3)(inputs)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            y = conv(filters, 3, strides)(x)
            y = L.BatchNormalization()(y)
            y = L.Activation("relu")(y)
            y = conv(filters, 3)(y)
            y = L.BatchNormalization()(y)
            shortcut = conv(filters, 1, strides)(x) if strides == 2 else x
            x = L.Add()([shortcut, y])
            x = L.Activation("relu")(x)
    x = L.AveragePooling2D(8)(x)
    x = L.Flatten()(x)
    outputs = L.Dense(classes, activation="softmax", kernel_initializer="he_normal")(x)
    return keras.Model(inputs, outputs, name="resnet20")


def count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def spec(model, application, arguments):
    configs = {lc["name"]: lc for lc in model.get_config()["layers"]}
    layers = []
    for layer in model.layers:
        layers.append({
            "name": layer.name,
            "class_name": layer.__class__.__name__,
            "config": {k: simplify(v) for k, v in layer.get_config().items() if k not in DROPPED_KEYS and v is not None},
            "output_shape": list(layer.output.shape),
            "params": layer.count_params(),
            "trainable_params": count(layer.trainable_weights),
            "non_trainable_params": count(layer.non_trainable_weights),
            "inbound": inbound_names(configs[layer.name]),
            "weights": [{"name": w.name, "shape": list(w.shape), "trainable": bool(w.trainable)} for w in layer.weights],
        })
    return {
        "keras_version": keras.__version__,
        "application": application,
        "arguments": arguments,
        "model_name": model.name,
        "totals": {"params": model.count_params(), "trainable": count(model.trainable_weights),
                   "non_trainable": count(model.non_trainable_weights)},
        "layers": layers,
        "weights": [{"path": w.path, "shape": list(w.shape), "trainable": bool(w.trainable)} for w in model.weights],
    }


def dump(doc):
    """JSON with one layer or weight per line: modest size, diffs read layer by layer."""
    head = {k: v for k, v in doc.items() if k not in ("layers", "weights")}
    layers = ",\n  ".join(json.dumps(x) for x in doc["layers"])
    weights = ",\n  ".join(json.dumps(x) for x in doc["weights"])
    return json.dumps(head)[:-1] + ',\n "layers": [\n  ' + layers + '\n ],\n "weights": [\n  ' + weights + "\n ]\n}\n"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("mobilenetv2_0.35_96", "MobileNetV2", {"alpha": 0.35, "input_shape": [96, 96, 3], "classes": 10,
                                                 "include_top": True, "pooling": None, "weights": None}),
        ("mobilenetv2_1.0_224", "MobileNetV2", {"alpha": 1.0, "input_shape": [224, 224, 3], "classes": 1000,
                                                 "include_top": True, "pooling": None, "weights": None}),
        ("resnet20", "ResNet20", {"input_shape": [32, 32, 3], "classes": 10}),
    ]
    for stem, application, arguments in jobs:
        keras.backend.clear_session()  # default names (input_layer, ...) restart
        if application == "MobileNetV2":
            a = dict(arguments)
            a["input_shape"] = tuple(a["input_shape"])
            model = keras.applications.MobileNetV2(**a)
        else:
            model = resnet20(tuple(arguments["input_shape"]), arguments["classes"])
        doc = spec(model, application, arguments)
        path = OUT / f"{stem}.json"
        path.write_text(dump(doc))
        t = doc["totals"]
        print(f"{path.relative_to(GOLDEN)}: {len(doc['layers'])} layers, {t['params']:,} params "
              f"({t['non_trainable']:,} non-trainable), {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
