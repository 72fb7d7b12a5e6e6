"""Writes the layer golden files under test/golden/layers/ with real Keras 3.15.1.

Run with the venv scripts/keras-venv.sh makes:

    $(bash scripts/keras-venv.sh) scripts/keras/make_layer_goldens.py

Every number is reproducible: inputs, weights and the output functional come from fixed
seeds and are rounded to 4 decimals (so the JSON text is exactly what Keras computed
with: a float32 parsed from "0.1234" is the same number in numpy and in JavaScript);
computed values are written with 7 significant digits.

JSON schema of test/golden/layers/<layer>.json (one file per layer kind):

    {
      "keras_version": "3.15.1", "tensorflow_version": "2.21.0",
      "layer": "BatchNormalization",            # the file's subject
      "cases": [{
        "name": "training_momentum_0.9",        # unique in the file
        "class_name": "BatchNormalization",     # Keras class; null for a bare activation
                                                # function (see "function")
        "config": {...},                        # layer.get_config() (null when class_name is)
        "function": null | {"name": "gelu", "kwargs": {"approximate": true}},
                                                # keras.activations.<name>(x, **kwargs),
                                                # for activations no layer config expresses
        "training": true | false | null,        # the training argument of the call (null: not passed)
        "trainable": true,                      # layer.trainable during the call
        "inputs": [T, ...],                     # one tensor per input (Add/Concatenate: several)
        "weights": [W, ...],                    # get_weights() order, before the call
        "output": T,                            # layer(inputs)
        "output_weights": T,                    # w_out, same shape as output
        "grad_inputs": [T, ...],                # d sum(output * w_out) / d input_i
        "grad_weights": [T | null, ...],        # same order as weights; null where the
                                                # output does not depend on the weight
        "weights_after": [W, ...]               # get_weights() after the call (BN's moving stats)
      }]
    }
    T = {"shape": [2, 5, 5, 3], "data": [row-major floats, len = product(shape)]}
    W = T + {"name": "gamma", "trainable": true}

JSON schema of test/golden/layers/optimizer_step.json:

    {
      "keras_version", "tensorflow_version",
      "model": {...},                 # model.get_config() (the functional graph)
      "layers": [{"name", "class_name", "config", "inbound": [layer names]}],
      "weights": [W, ...],            # model.get_weights() order, initial values
      "x": T, "y": T,                 # the batch; y holds class indices (sparse labels)
      "steps": [{
        "optimizer": {...},           # keras.optimizers.serialize(optimizer)
        "loss": 1.234,                # what train_on_batch returns (training-mode forward,
                                      # before the update)
        "weights_after": [W, ...],    # model.get_weights() after one train_on_batch
        "moving_stats_after": {"bn": {"moving_mean": T, "moving_variance": T}}
      }]
    }
"""

import json

from common import GOLDEN, rand, rng_for, tensor  # first: it sets TensorFlow's environment

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

from make_optimizer_step import optimizer_step  # noqa: E402

OUT = GOLDEN / "layers"


def weight_entries(layer, values):
    return [
        {"name": v.name, "trainable": bool(v.trainable), **tensor(x)}
        for v, x in zip(layer.weights, values)
    ]


def initial_weights(rng, layer):
    """Random weights of a sensible range: positive variances and scales, small kernels."""
    out = []
    for v in layer.weights:
        shape = tuple(v.shape)
        if v.name in ("moving_variance", "gamma"):
            out.append(rand(rng, shape, 0.5, 1.5))
        elif v.name in ("moving_mean", "beta", "bias"):
            out.append(rand(rng, shape, -0.5, 0.5))
        else:
            out.append(rand(rng, shape, -0.6, 0.6))
    return out


def layer_case(name, layer, input_shapes, training=None, trainable=True, lo=-2.0, hi=2.0):
    """Builds `layer` on batch shapes, sets random weights, runs one call under a tape."""
    rng = rng_for(name)
    multi = isinstance(input_shapes[0], (list, tuple))
    shapes = input_shapes if multi else [input_shapes]
    xs = [rand(rng, s, lo, hi) for s in shapes]
    layer.build([tuple(s) for s in shapes] if multi else tuple(shapes[0]))
    layer.trainable = trainable
    w0 = initial_weights(rng, layer)
    layer.set_weights(w0)
    txs = [tf.constant(x) for x in xs]
    kwargs = {} if training is None else {"training": training}
    with tf.GradientTape() as tape:
        tape.watch(txs)
        for v in layer.weights:
            tape.watch(v.value)
        y = layer(txs if multi else txs[0], **kwargs)
        w_out = rand(rng, tuple(y.shape), -1.0, 1.0)
        f = tf.reduce_sum(y * w_out)
    grads = tape.gradient(f, txs + [v.value for v in layer.weights])
    return {
        "name": name,
        "class_name": layer.__class__.__name__,
        "config": layer.get_config(),
        "function": None,
        "training": training,
        "trainable": trainable,
        "inputs": [tensor(x) for x in xs],
        "weights": weight_entries(layer, w0),
        "output": tensor(y),
        "output_weights": tensor(w_out),
        "grad_inputs": [tensor(g) for g in grads[: len(xs)]],
        "grad_weights": [None if g is None else tensor(g) for g in grads[len(xs):]],
        "weights_after": weight_entries(layer, layer.get_weights()),
    }


def function_case(name, fn_name, kwargs, shape, lo=-5.0, hi=5.0):
    """An activation called as a function (options no Activation layer config can carry)."""
    rng = rng_for(name)
    x = rand(rng, shape, lo, hi)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        y = getattr(keras.activations, fn_name)(tx, **kwargs)
        w_out = rand(rng, tuple(y.shape), -1.0, 1.0)
        f = tf.reduce_sum(y * w_out)
    (g,) = tape.gradient(f, [tx])
    return {
        "name": name, "class_name": None, "config": None,
        "function": {"name": fn_name, "kwargs": kwargs},
        "training": None, "trainable": True,
        "inputs": [tensor(x)], "weights": [], "output": tensor(y),
        "output_weights": tensor(w_out), "grad_inputs": [tensor(g)],
        "grad_weights": [], "weights_after": [],
    }


def cases_batch_normalization():
    BN = L.BatchNormalization
    s = (3, 4, 4, 3)
    return [
        layer_case("training_default", BN(name="bn"), s, training=True),
        layer_case("inference_default", BN(name="bn"), s, training=False),
        layer_case("training_momentum_0.9_eps_0.01", BN(momentum=0.9, epsilon=0.01, name="bn"), s, training=True),
        layer_case("training_center_off", BN(center=False, name="bn"), s, training=True),
        layer_case("training_scale_off", BN(scale=False, name="bn"), s, training=True),
        layer_case("training_center_scale_off", BN(center=False, scale=False, name="bn"), s, training=True),
        layer_case("inference_center_scale_off", BN(center=False, scale=False, name="bn"), s, training=False),
        # Keras 3: a frozen BN normalizes with its moving statistics even when training.
        layer_case("frozen_training_call", BN(name="bn"), s, training=True, trainable=False),
        layer_case("training_dense_input", BN(momentum=0.5, name="bn"), (5, 4), training=True),
    ]


def cases_depthwise_conv2d():
    DW = L.DepthwiseConv2D
    return [
        layer_case("k3_dm1_valid", DW(3, name="dw"), (2, 5, 5, 3)),
        layer_case("k3_dm2_same", DW(3, depth_multiplier=2, padding="same", name="dw"), (2, 5, 4, 2)),
        layer_case("k3_s2_same", DW(3, strides=2, padding="same", name="dw"), (2, 6, 5, 2)),
        layer_case("k3_s2_valid_dm2", DW(3, strides=2, depth_multiplier=2, name="dw"), (2, 7, 6, 2)),
        # TensorFlow refuses unequal strides for depthwise convolutions, so both are 2 here.
        layer_case("k2x3_s2_same_nobias", DW((2, 3), strides=2, padding="same", use_bias=False, name="dw"), (1, 5, 6, 3)),
        layer_case("k3_dilation2_valid", DW(3, dilation_rate=2, name="dw"), (2, 7, 7, 2)),
        layer_case("k3_dilation2_same_dm2", DW(3, dilation_rate=2, depth_multiplier=2, padding="same", name="dw"), (1, 6, 5, 2)),
        layer_case("k3_relu6", DW(3, padding="same", activation="relu6", name="dw"), (2, 4, 4, 2)),
    ]


def cases_separable_conv2d():
    SC = L.SeparableConv2D
    return [
        layer_case("f4_k3_valid", SC(4, 3, name="sep"), (2, 5, 5, 3)),
        layer_case("f3_k3_same_dm2", SC(3, 3, depth_multiplier=2, padding="same", name="sep"), (2, 4, 5, 2)),
        layer_case("f2_k3_s2_same_nobias", SC(2, 3, strides=2, padding="same", use_bias=False, name="sep"), (1, 6, 6, 3)),
        layer_case("f3_k3_dilation2", SC(3, 3, dilation_rate=2, name="sep"), (1, 6, 6, 2)),
        layer_case("f2_k2_relu", SC(2, 2, activation="relu", name="sep"), (2, 4, 4, 2)),
    ]


def cases_conv2d_dilation():
    C = L.Conv2D
    return [
        # Dilation 1: what simdnet's conv2d already does; it proves the comparison harness.
        layer_case("f3_k3_d1_same_control", C(3, 3, padding="same", name="conv"), (2, 5, 4, 2)),
        layer_case("f3_k3_d2_valid", C(3, 3, dilation_rate=2, name="conv"), (2, 7, 7, 2)),
        layer_case("f2_k3_d2_same", C(2, 3, dilation_rate=2, padding="same", name="conv"), (2, 5, 6, 3)),
        layer_case("f2_k2x3_d3x1_same", C(2, (2, 3), dilation_rate=(3, 1), padding="same", name="conv"), (1, 6, 5, 2)),
        layer_case("f4_k3_d3_valid_nobias_tanh", C(4, 3, dilation_rate=3, use_bias=False, activation="tanh", name="conv"), (1, 8, 7, 2)),
    ]


def cases_global_pooling(cls):
    return [
        layer_case("basic", cls(name="gp"), (3, 4, 5, 3)),
        layer_case("keepdims", cls(keepdims=True, name="gp"), (2, 3, 3, 4)),
        layer_case("one_pixel", cls(name="gp"), (2, 1, 1, 3)),
    ]


def cases_zero_padding2d():
    Z = L.ZeroPadding2D
    return [
        layer_case("p1", Z(1, name="zp"), (2, 3, 3, 2)),
        layer_case("p1x2", Z((1, 2), name="zp"), (1, 3, 4, 2)),
        # MobileNetV2's stride-2 blocks pad ((0, 1), (0, 1)).
        layer_case("p_0_1_0_1", Z(((0, 1), (0, 1)), name="zp"), (2, 4, 4, 2)),
        layer_case("p_2_0_1_3", Z(((2, 0), (1, 3)), name="zp"), (1, 2, 3, 1)),
    ]


def cases_merge():
    return {
        "add": [
            layer_case("two_4d", L.Add(name="add"), [(2, 3, 3, 2), (2, 3, 3, 2)]),
            layer_case("three_2d", L.Add(name="add"), [(3, 4), (3, 4), (3, 4)]),
        ],
        "concatenate": [
            layer_case("two_4d_channels", L.Concatenate(name="concat"), [(2, 3, 3, 2), (2, 3, 3, 3)]),
            layer_case("three_2d", L.Concatenate(name="concat"), [(2, 3), (2, 1), (2, 4)]),
        ],
    }


def cases_relu():
    R = L.ReLU
    s = (2, 3, 4, 2)
    return [
        layer_case("default", R(name="relu"), s, lo=-8, hi=8),
        layer_case("max_value_6", R(max_value=6.0, name="relu"), s, lo=-8, hi=8),
        layer_case("negative_slope_0.1", R(negative_slope=0.1, name="relu"), s, lo=-8, hi=8),
        layer_case("threshold_1.5", R(threshold=1.5, name="relu"), s, lo=-8, hi=8),
        layer_case("all_three", R(max_value=5.0, negative_slope=0.2, threshold=1.0, name="relu"), s, lo=-8, hi=8),
        layer_case("negative_slope_threshold", R(negative_slope=0.3, threshold=2.0, name="relu"), s, lo=-8, hi=8),
    ]


def cases_leaky_relu():
    return [
        layer_case("default", L.LeakyReLU(name="lrelu"), (2, 3, 3, 2), lo=-4, hi=4),
        layer_case("slope_0.01", L.LeakyReLU(negative_slope=0.01, name="lrelu"), (3, 5), lo=-4, hi=4),
    ]


def cases_softmax():
    return [
        layer_case("2d", L.Softmax(name="softmax"), (3, 5), lo=-4, hi=4),
        layer_case("4d_channels", L.Softmax(name="softmax"), (2, 2, 3, 4), lo=-4, hi=4),
    ]


def cases_reshape():
    return [
        layer_case("to_3d", L.Reshape((2, 3, 2), name="reshape"), (2, 12)),
        layer_case("flatten_like", L.Reshape((-1,), name="reshape"), (2, 2, 3, 2)),
        layer_case("infer_axis", L.Reshape((1, 1, -1), name="reshape"), (2, 4)),
    ]


def cases_rescaling():
    return [
        layer_case("scale_1_255", L.Rescaling(1.0 / 255, name="rescaling"), (2, 3, 3, 1), lo=0, hi=255),
        layer_case("scale_offset", L.Rescaling(1.0 / 127.5, offset=-1.0, name="rescaling"), (2, 2, 2, 3), lo=0, hi=255),
    ]


def cases_activations():
    s = (2, 3, 2, 3)
    cases = [layer_case(a, L.Activation(a, name="act"), s, lo=-8, hi=8) for a in
             ("relu", "relu6", "elu", "selu", "silu", "swish", "gelu", "hard_sigmoid")]
    cases += [
        function_case("gelu_approximate", "gelu", {"approximate": True}, s),
        function_case("gelu_exact", "gelu", {"approximate": False}, s),
    ]
    return cases


def write(stem, layer_name, cases):
    doc = {"keras_version": keras.__version__, "tensorflow_version": tf.__version__,
           "layer": layer_name, "cases": cases}
    path = OUT / f"{stem}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(GOLDEN)}: {len(cases)} cases, {path.stat().st_size} bytes")


def main():
    keras.utils.set_random_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    write("batch_normalization", "BatchNormalization", cases_batch_normalization())
    write("depthwise_conv2d", "DepthwiseConv2D", cases_depthwise_conv2d())
    write("separable_conv2d", "SeparableConv2D", cases_separable_conv2d())
    write("conv2d_dilation", "Conv2D", cases_conv2d_dilation())
    write("global_average_pooling2d", "GlobalAveragePooling2D", cases_global_pooling(L.GlobalAveragePooling2D))
    write("global_max_pooling2d", "GlobalMaxPooling2D", cases_global_pooling(L.GlobalMaxPooling2D))
    write("zero_padding2d", "ZeroPadding2D", cases_zero_padding2d())
    merge = cases_merge()
    write("add", "Add", merge["add"])
    write("concatenate", "Concatenate", merge["concatenate"])
    write("relu", "ReLU", cases_relu())
    write("leaky_relu", "LeakyReLU", cases_leaky_relu())
    write("softmax", "Softmax", cases_softmax())
    write("reshape", "Reshape", cases_reshape())
    write("rescaling", "Rescaling", cases_rescaling())
    write("activations", "Activation", cases_activations())
    doc = optimizer_step()
    path = OUT / "optimizer_step.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(GOLDEN)}: {len(doc['steps'])} steps, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
