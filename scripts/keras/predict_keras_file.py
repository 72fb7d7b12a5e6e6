"""Loads a model file with real Keras and prints its predictions, for the round-trip
tests of files that simdnet writes (test/io/keras_roundtrip.test.ts).

Run: python predict_keras_file.py MODEL(.keras|.h5) INPUTS.bin N,H,W,C
INPUTS.bin holds little-endian float32 values of that shape. Prints one JSON object:
{"predictions": [...], "shape": [...], "layers": [...names], "params": n}.
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def main():
    path, inputs_path, shape = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3].split(",")]
    model = keras.models.load_model(path, compile=False)
    inputs = np.fromfile(inputs_path, dtype="<f4").reshape(shape)
    predictions = model.predict(inputs, verbose=0)
    print(json.dumps({
        "predictions": predictions.astype("float64").ravel().tolist(),
        "shape": list(predictions.shape),
        "layers": [layer.name for layer in model.layers],
        "params": int(model.count_params()),
    }))


if __name__ == "__main__":
    main()
