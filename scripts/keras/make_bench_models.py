"""Writes the "next scale" benchmark networks (issue 14) from real Keras 3.15.1, once, into
bench/.cache/models/ (gitignored: the weights are about 1-2 MB a network), so that every
engine in bench/next_scale.ts and bench/peers-native/ runs the same network with the same
weights:

    /opt/keras-venv/bin/python scripts/keras/make_bench_models.py [--out DIR]

Networks: ResNet-20 on 32x32x3 (scripts/keras/make_application_specs.py's builder) and
keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), classes=10), both with
10 classes. Weights come from the Keras initializers under a fixed seed; batch
normalization gets random gamma/beta and moving statistics near the real statistics of its
input (so activations stay in a sane range and inference is not a trivial affine map).

Per network, DIR/<stem>/ holds:

    spec.json      layer by layer (schema of make_application_specs.py) plus
                   "check": {"n", "input_shape", "classes", "features"}
    weights.bin    float32 little-endian, model.get_weights() order (= spec "weights")
    check_x.bin    float32 [n, H, W, C]: a few inputs
    check_y.bin    float32 [n, classes]: Keras's predictions for them
    check_f.bin    float32 [n, features]: the input of the final Dense layer (pre-softmax
                   features, a stricter check than near-saturated probabilities)
    model.onnx     the same network as an ONNX graph (opset 17, NHWC input "x", outputs
                   "probs" and "features"), written with onnx.helper below and checked here
                   against Keras with onnxruntime when it is installed
"""

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402  (first: it sets TensorFlow's environment)

import numpy as np  # noqa: E402
import keras  # noqa: E402

from make_application_specs import resnet20, spec  # noqa: E402

SEED = 14
CHECK_N = 4
NETWORKS = {
    "resnet20": lambda: resnet20((32, 32, 3), 10),
    "mobilenetv2_0.35_96": lambda: keras.applications.MobileNetV2(
        alpha=0.35, input_shape=(96, 96, 3), weights=None, classes=10),
}


def calibrate_batch_norm(model, x, rng):
    """Random gamma/beta, and moving statistics near the statistics of each BN layer's
    input on `x` (earlier layers already calibrated), perturbed so they are not exact."""
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        probe = keras.Model(model.inputs, layer.input)
        h = np.asarray(probe.predict(x, verbose=0), dtype=np.float64)
        c = h.shape[-1]
        mean = h.mean(axis=(0, 1, 2)) + rng.normal(0, 0.05, c) * (h.std(axis=(0, 1, 2)) + 1e-3)
        var = h.var(axis=(0, 1, 2)) * rng.uniform(0.8, 1.25, c) + 1e-3
        gamma = rng.uniform(0.5, 1.5, c)
        beta = rng.uniform(-0.3, 0.3, c)
        layer.set_weights([a.astype(np.float32) for a in (gamma, beta, mean, var)])


# --- ONNX -----------------------------------------------------------------------------

def same_pads(size, kernel, stride):
    """TensorFlow's "same" padding along one axis: (before, after), extra on the after side."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def to_onnx(model, path):
    """The Keras model as an ONNX graph in NCHW (one transpose after the NHWC input)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    names = {}  # Keras layer name -> ONNX tensor name of its output (NCHW)
    shapes = {}  # Keras layer name -> its NHWC output shape without batch

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    h, w, c = model.input_shape[1:]
    cfgs = {l["name"]: l for l in spec(model, "", {})["layers"]}
    features = None
    for layer in model.layers:
        cfg = cfgs[layer.name]
        kind = cfg["class_name"]
        conf = cfg["config"]
        ins = [names[n] for n in cfg["inbound"]]
        in_shape = shapes[cfg["inbound"][0]] if cfg["inbound"] else None
        out = layer.name
        wts = layer.get_weights()
        if kind == "InputLayer":
            out = node("Transpose", ["x"], "x_nchw", perm=[0, 3, 1, 2])
        elif kind in ("Conv2D", "DepthwiseConv2D"):
            kh, kw = conf["kernel_size"]
            sh, sw = conf["strides"]
            if conf["padding"] == "same":
                (pt, pb), (pl, pr) = same_pads(in_shape[0], kh, sh), same_pads(in_shape[1], kw, sw)
            else:
                pt = pb = pl = pr = 0
            kernel = wts[0]
            if kind == "Conv2D":
                weight, group = kernel.transpose(3, 2, 0, 1), 1
            else:  # [kh, kw, C, mult] -> [C * mult, 1, kh, kw]
                ch, mult = kernel.shape[2], kernel.shape[3]
                weight, group = kernel.transpose(2, 3, 0, 1).reshape(ch * mult, 1, kh, kw), ch
            args = [ins[0], const(out + "/W", weight)]
            if len(wts) > 1:
                args.append(const(out + "/B", wts[1]))
            out = node("Conv", args, out, kernel_shape=[kh, kw], strides=[sh, sw],
                       pads=[pt, pl, pb, pr], group=group)
            assert conf["activation"] == "linear", conf
        elif kind == "BatchNormalization":
            g, b, m, v = wts
            out = node("BatchNormalization", [ins[0], const(out + "/g", g), const(out + "/b", b),
                                              const(out + "/m", m), const(out + "/v", v)],
                       out, epsilon=float(conf["epsilon"]))
        elif kind == "Activation" and conf["activation"] == "relu":
            out = node("Relu", ins, out)
        elif kind == "ReLU":
            assert conf["negative_slope"] == 0 and conf["threshold"] == 0, conf
            out = node("Clip", [ins[0], const(out + "/lo", 0.0), const(out + "/hi", conf["max_value"])], out)
        elif kind == "Add":
            acc = ins[0]
            for i, other in enumerate(ins[1:]):
                acc = node("Add", [acc, other], out if i == len(ins) - 2 else f"{out}/{i}")
            out = acc
        elif kind == "ZeroPadding2D":
            (t, b), (l_, r) = conf["padding"]
            pads = helper.make_tensor(out + "/pads", TensorProto.INT64, [8], [0, 0, t, l_, 0, 0, b, r])
            inits.append(pads)
            out = node("Pad", [ins[0], out + "/pads"], out)
        elif kind == "AveragePooling2D":
            assert conf["padding"] == "valid", conf
            out = node("AveragePool", ins, out, kernel_shape=conf["pool_size"], strides=conf["strides"])
        elif kind == "GlobalAveragePooling2D":
            pooled = node("GlobalAveragePool", ins, out + "/pool")
            out = node("Flatten", [pooled], out, axis=1)
        elif kind == "Flatten":
            # Keras flattens NHWC: back to that order first.
            nhwc = node("Transpose", ins, out + "/nhwc", perm=[0, 2, 3, 1])
            out = node("Flatten", [nhwc], out, axis=1)
        elif kind == "Dense":
            features = ins[0]
            logits = node("Gemm", [ins[0], const(out + "/W", wts[0]), const(out + "/B", wts[1])], out + "/logits")
            assert conf["activation"] == "softmax", conf
            out = node("Softmax", [logits], out, axis=-1)
        else:
            raise ValueError(f"to_onnx: no mapping for {kind} ({conf})")
        names[layer.name] = out
        shapes[layer.name] = tuple(layer.output.shape[1:])
    nodes.append(helper.make_node("Identity", [names[model.layers[-1].name]], ["probs"]))
    nodes.append(helper.make_node("Identity", [features], ["features"]))
    classes = model.output_shape[-1]
    graph = helper.make_graph(
        nodes, model.name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", h, w, c])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", classes]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", None])], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="simdnet")
    proto.ir_version = 8  # what onnxruntime-web 1.30 and older readers all take
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def relative_error(a, b):
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / ".cache" / "models"))
    args = parser.parse_args()
    out_root = pathlib.Path(args.out)
    for stem, build in NETWORKS.items():
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        model = build()
        rng = np.random.default_rng(SEED)
        shape = model.input_shape[1:]
        calib = rng.uniform(0, 1, (16, *shape)).astype(np.float32)
        calibrate_batch_norm(model, calib, rng)
        x = rng.uniform(0, 1, (CHECK_N, *shape)).astype(np.float32)
        y = np.asarray(model.predict(x, verbose=0), dtype=np.float32)
        dense = model.layers[-1]
        f = np.asarray(keras.Model(model.inputs, dense.input).predict(x, verbose=0), dtype=np.float32)

        d = out_root / stem
        d.mkdir(parents=True, exist_ok=True)
        doc = spec(model, "ResNet20" if stem == "resnet20" else "MobileNetV2", {"seed": SEED})
        doc["check"] = {"n": CHECK_N, "input_shape": list(shape), "classes": int(y.shape[1]),
                        "features": int(f.shape[1])}
        (d / "spec.json").write_text(json.dumps(doc))
        with open(d / "weights.bin", "wb") as fh:
            for wt in model.get_weights():
                fh.write(np.ascontiguousarray(wt, dtype="<f4").tobytes())
        x.astype("<f4").tofile(d / "check_x.bin")
        y.astype("<f4").tofile(d / "check_y.bin")
        f.astype("<f4").tofile(d / "check_f.bin")
        to_onnx(model, d / "model.onnx")
        line = f"{d}: {model.count_params():,} params, max prob {y.max():.3f}"
        try:
            import onnxruntime as ort
            sess = ort.InferenceSession(str(d / "model.onnx"), providers=["CPUExecutionProvider"])
            oy, of = sess.run(["probs", "features"], {"x": x})
            ey, ef = relative_error(oy, y), relative_error(of, f)
            line += f", onnxruntime vs Keras: probs {ey:.1e}, features {ef:.1e}"
            if max(ey, ef) > 1e-4:
                raise SystemExit(f"{line}\nmake_bench_models: the ONNX graph disagrees with Keras")
        except ImportError:
            line += " (onnxruntime not installed: ONNX graph not checked here)"
        print(line)


if __name__ == "__main__":
    main()
