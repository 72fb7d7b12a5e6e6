"""Writes test/golden/optimizers/*.json from real Keras (3.15, TensorFlow backend).

Run with the Keras venv from the repository root:
    /opt/keras-venv/bin/python scripts/keras/make_optimizer_goldens.py

- schedules.json: CosineDecay (with and without warmup), ExponentialDecay (smooth and
  staircase) and PiecewiseConstantDecay evaluated at many steps, with their serialized
  form as Keras writes it in an optimizer config.
- optimizers.json: a 7-float variable (odd, so SIMD bodies and scalar tails both run)
  updated by Keras optimizers over several steps from fixed gradients, with fixed and
  scheduled learning rates and weight decay; after each step the variable and
  `optimizer.learning_rate`.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "optimizers")
S = keras.optimizers.schedules


def floats(a):
    """float32 values as JSON numbers (shortest decimal that reads back the same float32)."""
    return [float(np.float32(x)) for x in np.asarray(a, dtype=np.float32).ravel()]


def schedule_cases():
    cases = [
        ("cosine", S.CosineDecay(0.1, 50)),
        ("cosine_alpha", S.CosineDecay(0.05, 37, alpha=0.2)),
        ("cosine_warmup", S.CosineDecay(0.0, 40, alpha=0.1, warmup_target=0.2, warmup_steps=10)),
        ("cosine_warmup_from", S.CosineDecay(0.01, 25, warmup_target=0.003, warmup_steps=7)),
        ("exponential", S.ExponentialDecay(0.1, 10, 0.5)),
        ("exponential_staircase", S.ExponentialDecay(0.3, 7, 0.9, staircase=True)),
        ("piecewise", S.PiecewiseConstantDecay([10, 20, 35], [0.1, 0.05, 0.01, 0.001])),
    ]
    steps = list(range(0, 80))
    out = []
    for name, sched in cases:
        out.append({
            "name": name,
            "serialized": S.serialize(sched),
            "steps": steps,
            "values": [float(np.float32(sched(s))) for s in steps],
        })
    return out


def optimizer_cases():
    rng = np.random.default_rng(7)
    p0 = rng.uniform(-1, 1, 7).astype(np.float32)
    steps = 6
    grads = [rng.uniform(-1, 1, 7).astype(np.float32) for _ in range(steps)]
    makers = [
        ("adamw_default", lambda: keras.optimizers.AdamW()),
        ("adamw_strong", lambda: keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.3, beta_1=0.8, beta_2=0.99, epsilon=1e-5)),
        ("adamw_no_decay", lambda: keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.0)),
        ("adamw_cosine", lambda: keras.optimizers.AdamW(learning_rate=S.CosineDecay(0.01, 4, warmup_target=0.05, warmup_steps=2), weight_decay=0.1)),
        ("adam_exponential", lambda: keras.optimizers.Adam(learning_rate=S.ExponentialDecay(0.02, 2, 0.5))),
        ("sgd_piecewise", lambda: keras.optimizers.SGD(learning_rate=S.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]), momentum=0.9)),
        ("rmsprop_cosine", lambda: keras.optimizers.RMSprop(learning_rate=S.CosineDecay(0.01, 5, alpha=0.1))),
        # Every Keras optimizer takes weight_decay (decoupled, as AdamW's).
        ("sgd_weight_decay", lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.2)),
        ("adam_weight_decay", lambda: keras.optimizers.Adam(learning_rate=0.03, weight_decay=0.1)),
        ("rmsprop_weight_decay", lambda: keras.optimizers.RMSprop(learning_rate=S.ExponentialDecay(0.02, 3, 0.5), weight_decay=0.3)),
    ]
    out = []
    for name, make in makers:
        opt = make()
        var = keras.Variable(p0.copy())
        params, rates = [], []
        for g in grads:
            opt.apply_gradients([(keras.ops.convert_to_tensor(g), var)])
            params.append(floats(var.numpy()))
            rates.append(float(np.float32(opt.learning_rate)))
        config = {k: v for k, v in opt.get_config().items()}
        out.append({
            "name": name,
            "class_name": opt.__class__.__name__,
            "config": config,
            "initial": floats(p0),
            "grads": [floats(g) for g in grads],
            "params": params,
            "learning_rates": rates,
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"keras": keras.__version__}
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump({"meta": meta, "cases": schedule_cases()}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "optimizers.json"), "w") as f:
        json.dump({"meta": meta, "cases": optimizer_cases()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
