"""A PyTorch module equivalent to a Keras functional or Sequential model made of the layers
the benchmark networks use, with the Keras weights copied in. It runs NCHW (PyTorch's
layout); Keras's "same" padding, which puts the odd pixel after, is an explicit F.pad."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import keras


def same_pads(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def inbound(layer):
    """Names of the layers feeding `layer` in its model (its first node)."""
    node = layer._inbound_nodes[0]
    return [t._keras_history[0].name for t in node.input_tensors]


class TorchGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.steps = []  # (name, kind, inputs, module or None, extra)
        self.mods = nn.ModuleDict()
        self.input_name = None
        prev = None
        for layer in model.layers:
            kind = type(layer).__name__
            ins = inbound(layer) if isinstance(model, keras.Model) and not isinstance(model, keras.Sequential) else [prev]
            prev = layer.name
            if kind == "InputLayer":
                self.input_name = layer.name
                continue
            if self.input_name is None:  # a Sequential: its first layer reads the input
                self.input_name = "input"
                ins = ["input"]
            first_in = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
            in_shape = first_in.shape[1:]
            w = [np.asarray(a) for a in layer.get_weights()]
            extra = None
            mod = None
            if kind in ("Conv2D", "DepthwiseConv2D"):
                kh, kw = layer.kernel_size
                sh, sw = layer.strides
                if layer.padding == "same":
                    (pt, pb), (pl, pr) = same_pads(in_shape[0], kh, sh), same_pads(in_shape[1], kw, sw)
                    extra = {"pad": (pl, pr, pt, pb)}
                else:
                    extra = {"pad": None}
                extra["act"] = layer.activation.__name__
                cin = in_shape[2]
                if kind == "Conv2D":
                    mod = nn.Conv2d(cin, layer.filters, (kh, kw), (sh, sw), bias=layer.use_bias)
                    mod.weight.data = torch.from_numpy(w[0].transpose(3, 2, 0, 1).copy())
                else:
                    mult = layer.depth_multiplier
                    mod = nn.Conv2d(cin, cin * mult, (kh, kw), (sh, sw), groups=cin, bias=layer.use_bias)
                    mod.weight.data = torch.from_numpy(w[0].transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).copy())
                if layer.use_bias:
                    mod.bias.data = torch.from_numpy(w[1].copy())
            elif kind == "BatchNormalization":
                mod = nn.BatchNorm2d(in_shape[-1], eps=layer.epsilon, momentum=1 - layer.momentum)
                g, b, m, v = (torch.from_numpy(a.copy()) for a in w)
                mod.weight.data, mod.bias.data, mod.running_mean.data, mod.running_var.data = g, b, m, v
            elif kind == "Dense":
                mod = nn.Linear(w[0].shape[0], w[0].shape[1])
                mod.weight.data = torch.from_numpy(w[0].T.copy())
                mod.bias.data = torch.from_numpy(w[1].copy())
                extra = {"act": layer.activation.__name__}
            elif kind == "Activation":
                extra = {"act": layer.activation.__name__}
            elif kind == "ReLU":
                assert layer.negative_slope == 0 and layer.threshold == 0
                extra = {"max": layer.max_value}
            elif kind == "ZeroPadding2D":
                (t, b), (l_, r) = layer.padding
                extra = {"pad": (l_, r, t, b)}
            elif kind == "AveragePooling2D":
                assert layer.padding == "valid"
                extra = {"pool": layer.pool_size, "strides": layer.strides}
            elif kind not in ("Add", "GlobalAveragePooling2D", "Flatten"):
                raise ValueError(f"TorchGraph: no mapping for {kind}")
            if mod is not None:
                self.mods[layer.name.replace(".", "_")] = mod
            self.steps.append((layer.name, kind, ins, mod, extra))

    @staticmethod
    def activation(x, name, softmax):
        if name == "relu":
            return F.relu(x)
        if name == "softmax":
            return F.softmax(x, dim=-1) if softmax else x
        if name == "linear":
            return x
        raise ValueError(f"TorchGraph: activation {name}")

    def forward(self, x, softmax=True):
        """`x` NCHW. With softmax=False a final softmax is left out (for CrossEntropyLoss)."""
        values = {self.input_name: x}
        for name, kind, ins, mod, extra in self.steps:
            a = values[ins[0]]
            if kind in ("Conv2D", "DepthwiseConv2D"):
                if extra["pad"]:
                    a = F.pad(a, extra["pad"])
                y = self.activation(mod(a), extra["act"], softmax)
            elif kind == "BatchNormalization" or kind == "Dense":
                y = mod(a)
                if kind == "Dense":
                    y = self.activation(y, extra["act"], softmax)
            elif kind == "Activation":
                y = self.activation(a, extra["act"], softmax)
            elif kind == "ReLU":
                y = F.relu(a) if extra["max"] is None else F.hardtanh(a, 0.0, float(extra["max"]))
            elif kind == "Add":
                y = a
                for other in ins[1:]:
                    y = y + values[other]
            elif kind == "ZeroPadding2D":
                y = F.pad(a, extra["pad"])
            elif kind == "AveragePooling2D":
                y = F.avg_pool2d(a, extra["pool"], extra["strides"])
            elif kind == "GlobalAveragePooling2D":
                y = a.mean(dim=(2, 3))
            else:  # Flatten: Keras flattens NHWC
                y = a.permute(0, 2, 3, 1).flatten(1) if a.dim() == 4 else a.flatten(1)
            values[name] = y
        return y

    def predict_nhwc(self, x):
        self.eval()
        with torch.inference_mode():
            return self(torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).contiguous()).numpy()
