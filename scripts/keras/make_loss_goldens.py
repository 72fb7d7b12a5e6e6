"""Writes test/golden/losses/*.json from real Keras (3.15, TensorFlow backend).

Run with the Keras venv from the repository root:
    /opt/keras-venv/bin/python scripts/keras/make_loss_goldens.py

- crossentropy.json: Keras's cross-entropy losses with from_logits and label_smoothing
  on fixed logits or probabilities; per case the batch-mean loss and its gradient with
  respect to the model output (the logits or the probabilities).
- regularized_dense.json: a Dense layer with kernel regularizers (L2, L1L2); Keras's
  reported loss (data loss plus penalty) and the gradients of kernel and bias, with and
  without the penalty.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "losses")


def floats(a):
    return [float(np.float32(x)) for x in np.asarray(a, dtype=np.float32).ravel()]


def loss_and_grad(loss_fn, y_true, y_pred):
    pred = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss_fn(y_true, pred)
    return float(value.numpy()), tape.gradient(value, pred).numpy()


def crossentropy_cases():
    rng = np.random.default_rng(11)
    batch, classes = 4, 5
    logits = (rng.standard_normal((batch, classes)) * 2).astype(np.float32)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits)).astype(np.float32)
    sparse = rng.integers(0, classes, batch)
    one_hot = np.eye(classes, dtype=np.float32)[sparse]
    L = keras.losses
    cases = [
        ("categorical_probs", L.CategoricalCrossentropy(), probs, False),
        ("categorical_probs_smoothing", L.CategoricalCrossentropy(label_smoothing=0.1), probs, False),
        ("categorical_logits", L.CategoricalCrossentropy(from_logits=True), logits, False),
        ("categorical_logits_smoothing", L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), logits, False),
        ("sparse_probs", L.SparseCategoricalCrossentropy(), probs, True),
        ("sparse_logits", L.SparseCategoricalCrossentropy(from_logits=True), logits, True),
        # from_logits on a softmax output: Keras applies softmax a second time (it warns).
        ("categorical_logits_given_probs", L.CategoricalCrossentropy(from_logits=True), probs, False),
    ]
    out = []
    for name, loss, pred, is_sparse in cases:
        y_true = sparse if is_sparse else one_hot
        value, grad = loss_and_grad(loss, y_true, pred)
        out.append({
            "name": name,
            "loss": keras.losses.serialize(loss),
            "batch": batch,
            "classes": classes,
            "output": floats(pred),
            "labels": floats(one_hot),
            "sparse_labels": [int(i) for i in sparse],
            "value": value,
            "gradient": floats(grad),
        })
    return out


def regularized_dense_cases():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.integers(0, 3, 6)
    cases = [
        ("l2", keras.regularizers.L2(0.05)),
        ("l1l2", keras.regularizers.L1L2(l1=0.01, l2=0.03)),
        ("l1", keras.regularizers.L1(0.02)),
    ]
    out = []
    for name, reg in cases:
        keras.utils.set_random_seed(3)
        layer = keras.layers.Dense(3, activation="softmax", kernel_regularizer=reg)
        model = keras.Sequential([keras.Input((4,)), layer])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
        with tf.GradientTape(persistent=True) as tape:
            pred = model(x, training=True)
            data_loss = loss_fn(y, pred)
            total = data_loss + tf.add_n(model.losses)
        with_reg = tape.gradient(total, model.trainable_variables)
        without = tape.gradient(data_loss, model.trainable_variables)
        reported = model.evaluate(x, y, verbose=0, batch_size=6)
        out.append({
            "name": name,
            "regularizer": keras.regularizers.serialize(reg),
            "layer_config_regularizer": layer.get_config()["kernel_regularizer"],
            "kernel": floats(layer.kernel.numpy()),
            "kernel_shape": list(layer.kernel.shape),
            "bias": floats(layer.bias.numpy()),
            "x": floats(x),
            "y": [int(v) for v in y],
            "data_loss": float(data_loss.numpy()),
            "penalty": float(tf.add_n(model.losses).numpy()),
            "evaluate_loss": float(reported),
            "kernel_grad_without": floats(without[0]),
            "bias_grad_without": floats(without[1]),
            "kernel_grad": floats(with_reg[0]),
            "bias_grad": floats(with_reg[1]),
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"keras": keras.__version__}
    for file, cases in [("crossentropy.json", crossentropy_cases()), ("regularized_dense.json", regularized_dense_cases())]:
        with open(os.path.join(OUT, file), "w") as f:
            json.dump({"meta": meta, "cases": cases}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
