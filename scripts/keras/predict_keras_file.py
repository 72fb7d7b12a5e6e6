"""Loads model files with real Keras and prints their predictions, for the round-trip
tests of files that simdnet writes (test/io/keras_roundtrip.test.ts).

Run: python predict_keras_file.py JOBS.json
JOBS.json: [{"model": "x.keras" or "x.h5", "inputs": "x.bin", "shape": [n, h, w, c]}, ...]
where each inputs file holds little-endian float32 values of that shape. Prints one JSON
list with, per job, {"predictions": [...], "shape": [...], "layers": [...], "params": n}
or {"error": "..."} when Keras could not load or run the file. One process for all the
jobs: importing TensorFlow takes seconds.
"""

import json
import os
import sys
import traceback

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def run(job):
    model = keras.models.load_model(job["model"], compile=False)
    inputs = np.fromfile(job["inputs"], dtype="<f4").reshape(job["shape"])
    predictions = model.predict(inputs, verbose=0)
    return {
        "predictions": predictions.astype("float64").ravel().tolist(),
        "shape": list(predictions.shape),
        "layers": [layer.name for layer in model.layers],
        "params": int(model.count_params()),
    }


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        try:
            results.append(run(job))
        except Exception as e:  # reported per job, so one bad file names itself
            results.append({"error": f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
