"""Writes test/golden/kernels-layers/<case>.json with real Keras 3 (tensorflow-cpu backend).

Run:  /opt/keras-venv/bin/python scripts/keras/make_kernels_layer_goldens.py

Each case is one layer called on a random input with random weights (numpy seed per
case, values rounded to 4 decimals so the JSON text is exactly the float32 both sides
use). The loss is sum(y * r) for a random r, so dL/dy = r. Schema:

    { "keras": "3.15.1", "name": "...", "className": "BatchNormalization",
      "keras_config": {...},          # layer.get_config()
      "options": {...},               # simdnet's factory options for the same layer
      "training": true | false,
      "x": T, "r": T, "y": T, "dx": T,
      "weights": [T], "grads": [T],   # get_weights() order; zeros for non-trainable ones
      "weights_after": [T] }          # after the call (BatchNormalization's moving statistics)
    T = {"shape": [...], "data": [...]}
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "kernels-layers")


def rand(rng, shape, lo=-1.0, hi=1.0):
    return np.round(rng.uniform(lo, hi, size=shape), 4).astype(np.float32)


def t(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": [float(f"{v:.7g}") for v in a.reshape(-1)]}


def case(name, layer, options, x_shape, training=True, weight_ranges=None, x_range=(-2.0, 2.0)):
    rng = np.random.default_rng(sum(map(ord, name)) * 7919)
    x = rand(rng, x_shape, *x_range)
    layer.build(x.shape)
    weights = []
    for i, w in enumerate(layer.get_weights()):
        lo, hi = (weight_ranges or {}).get(i, (-1.0, 1.0))
        weights.append(rand(rng, w.shape, lo, hi))
    layer.set_weights(weights)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        r = rand(rng, tuple(y.shape))
        loss = tf.reduce_sum(y * r)
    variables = [xt] + list(layer.trainable_weights)
    grads = tape.gradient(loss, variables)
    by_var = {id(v): g for v, g in zip(layer.trainable_weights, grads[1:])}
    out_grads = []
    for v in layer.weights:
        g = by_var.get(id(v))
        out_grads.append(np.zeros(v.shape, np.float32) if g is None else g.numpy())
    doc = {
        "keras": keras.__version__, "name": name, "className": layer.__class__.__name__,
        "keras_config": json.loads(json.dumps(layer.get_config(), default=str)),
        "options": options, "training": training,
        "x": t(x), "r": t(r), "y": t(y.numpy()), "dx": t(grads[0].numpy()),
        "weights": [t(w) for w in weights], "grads": [t(g) for g in out_grads],
        "weights_after": [t(w) for w in layer.get_weights()],
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


L = keras.layers
BN_RANGES = {0: (0.5, 1.5), 3: (0.2, 2.0)}  # gamma near 1, moving variance positive

case("bn_train_nhwc", L.BatchNormalization(momentum=0.9), {"momentum": 0.9}, (4, 3, 3, 5), True, BN_RANGES)
case("bn_train_features", L.BatchNormalization(epsilon=1e-2), {"epsilon": 1e-2}, (6, 7), True, BN_RANGES)
case("bn_train_no_center", L.BatchNormalization(center=False), {"center": False}, (3, 2, 2, 4), True, {0: (0.5, 1.5), 2: (0.2, 2.0)})
case("bn_train_no_scale", L.BatchNormalization(scale=False), {"scale": False}, (3, 2, 2, 4), True, {2: (0.2, 2.0)})
case("bn_inference", L.BatchNormalization(), {}, (4, 3, 3, 5), False, BN_RANGES)

case("depthwise_same", L.DepthwiseConv2D(3, padding="same"), {"kernelSize": 3, "padding": "same"}, (2, 5, 6, 3))
case("depthwise_valid_m2_s2", L.DepthwiseConv2D(3, strides=2, depth_multiplier=2), {"kernelSize": 3, "strides": 2, "depthMultiplier": 2}, (2, 7, 8, 3))
case("depthwise_dilated", L.DepthwiseConv2D((3, 2), padding="same", dilation_rate=2, activation="relu6"),
     {"kernelSize": [3, 2], "padding": "same", "dilationRate": 2, "activation": "relu6"}, (1, 7, 6, 4))
case("depthwise_stride_and_dilation", L.DepthwiseConv2D(3, strides=2, dilation_rate=2, padding="same", use_bias=False),
     {"kernelSize": 3, "strides": 2, "dilationRate": 2, "padding": "same", "useBias": False}, (2, 9, 8, 2))

case("separable_same", L.SeparableConv2D(4, 3, padding="same"), {"filters": 4, "kernelSize": 3, "padding": "same"}, (2, 5, 5, 3))
case("separable_m2_s2_swish", L.SeparableConv2D(5, 3, strides=2, depth_multiplier=2, activation="silu"),
     {"filters": 5, "kernelSize": 3, "strides": 2, "depthMultiplier": 2, "activation": "swish"}, (2, 7, 7, 3))

case("conv2d_dilated_same", L.Conv2D(3, 3, padding="same", dilation_rate=2), {"filters": 3, "kernelSize": 3, "padding": "same", "dilationRate": 2}, (2, 6, 7, 2))
case("conv2d_dilated_valid_gelu", L.Conv2D(2, (2, 3), dilation_rate=(2, 1), activation="gelu"),
     {"filters": 2, "kernelSize": [2, 3], "dilationRate": [2, 1], "activation": "gelu"}, (1, 6, 5, 3))

case("global_average", L.GlobalAveragePooling2D(), {}, (3, 4, 5, 6))
case("global_max_keepdims", L.GlobalMaxPooling2D(keepdims=True), {"keepdims": True}, (3, 4, 5, 6))
case("zero_padding", L.ZeroPadding2D(((1, 2), (0, 3))), {"padding": [[1, 2], [0, 3]]}, (2, 3, 4, 2))
case("relu_options", L.ReLU(max_value=2.0, negative_slope=0.25, threshold=0.5), {"maxValue": 2, "negativeSlope": 0.25, "threshold": 0.5}, (4, 9))
case("relu_max6", L.ReLU(max_value=6.0), {"maxValue": 6}, (4, 9), x_range=(-8.0, 8.0))
case("leaky_relu_default", L.LeakyReLU(), {}, (3, 11))
case("softmax", L.Softmax(), {}, (3, 2, 7))
case("reshape", L.Reshape((-1, 3)), {"targetShape": [-1, 3]}, (2, 4, 3, 2))
case("rescaling", L.Rescaling(1 / 255.0, offset=-0.5), {"scale": 1 / 255.0, "offset": -0.5}, (2, 3, 3, 2), x_range=(0.0, 255.0))
for act, ours in [("relu6", "relu6"), ("elu", "elu"), ("selu", "selu"), ("silu", "swish"), ("gelu", "gelu"), ("hard_sigmoid", "hardSigmoid")]:
    case(f"activation_{act}", L.Activation(act), {"activation": ours}, (3, 13), x_range=(-5.0, 5.0))
print("wrote", len(os.listdir(OUT)), "files to", os.path.normpath(OUT), file=sys.stderr)
