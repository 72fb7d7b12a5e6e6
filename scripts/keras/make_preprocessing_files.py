"""Writes the golden Keras files of Keras 3's preprocessing layers, read by
test/io/keras_preprocessing.test.ts.

Two functional models, each RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomContrast and Rescaling in front of a small classifier: "preprocessing_options"
gives every layer options other than its defaults (factor pairs, fill modes, nearest
interpolation, a fill value, a value range, seeds), "preprocessing_defaults" only what
each layer requires. test/io/keras_preprocessing.test.ts builds the same two models
with simdnet's layers; keep the two lists in step.

Per model, into test/golden/keras_files/:
  <name>.keras            the model saved by Keras 3.15.1
  <name>.inputs.bin       a few images (little-endian float32, values in [0, 255])
  <name>.predictions.bin  Keras's predictions for them (inference: the random layers are
                          the identity there, Rescaling is not)
and preprocessing.json:
  { "keras": version, "models": { <name>: { "inputShape": [n, h, w, c],
      "predictionShape": [n, k], "layers": [ { "class_name", "name", "config" }, ... ] } } }
where "config" is each layer's entry of the file's config.json as Keras wrote it (its
"dtype" policy without the in-memory "shared_object_id"): what simdnet must write for
the same layers.

Run: /opt/keras-venv/bin/python scripts/keras/make_preprocessing_files.py
Seeded: a re-run writes the same weights, inputs and configs (the .keras zip also
records the date).
"""

import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "keras_files")
SAMPLES = 3


def with_options():
    inputs = keras.Input(shape=(24, 24, 3))
    x = layers.RandomFlip("horizontal", seed=1)(inputs)
    x = layers.RandomRotation((-0.2, 0.3), fill_mode="nearest", interpolation="nearest", seed=2)(x)
    x = layers.RandomZoom(0.2, (-0.1, 0.3), fill_mode="constant", fill_value=0.5, seed=3)(x)
    x = layers.RandomTranslation(0.1, (-0.2, 0.1), fill_mode="wrap", seed=4)(x)
    x = layers.RandomContrast((0.1, 0.4), value_range=(0, 255), seed=5)(x)
    x = layers.Rescaling(1 / 127.5, offset=-1)(x)
    x = layers.Conv2D(4, 3, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="preprocessing_options")


def with_defaults():
    inputs = keras.Input(shape=(16, 16, 3))
    x = layers.RandomFlip()(inputs)
    x = layers.RandomRotation(0.1)(x)
    x = layers.RandomZoom(0.1)(x)
    x = layers.RandomTranslation(0.1, 0.1)(x)
    x = layers.RandomContrast(0.2)(x)
    x = layers.Rescaling(1 / 255)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(2)(x)
    return keras.Model(inputs, outputs, name="preprocessing_defaults")


def layer_entries(path):
    """The layers of a saved file's config.json, dtype policies without shared_object_id."""
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    entries = []
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "InputLayer":
            continue
        c = dict(layer["config"])
        if isinstance(c.get("dtype"), dict):
            c["dtype"] = {k: v for k, v in c["dtype"].items() if k != "shared_object_id"}
        entries.append({"class_name": layer["class_name"], "name": layer["name"], "config": c})
    return entries


def main():
    keras.utils.set_random_seed(15)
    manifest = {"keras": keras.__version__, "models": {}}
    rng = np.random.default_rng(15)
    for make in (with_options, with_defaults):
        keras.backend.clear_session()  # each model's layers get the first names (random_flip, ...)
        model = make()
        name = model.name
        shape = (SAMPLES,) + tuple(model.input_shape[1:])
        x = np.round(rng.uniform(0, 255, size=shape)).astype("float32")
        predictions = model.predict(x, verbose=0).astype("float32")
        path = os.path.join(OUT, f"{name}.keras")
        model.save(path)
        x.astype("<f4").tofile(os.path.join(OUT, f"{name}.inputs.bin"))
        predictions.astype("<f4").tofile(os.path.join(OUT, f"{name}.predictions.bin"))
        manifest["models"][name] = {
            "inputShape": list(shape),
            "predictionShape": list(predictions.shape),
            "layers": layer_entries(path),
        }
    with open(os.path.join(OUT, "preprocessing.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
