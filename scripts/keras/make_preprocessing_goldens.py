"""Golden file for simdnet's random image preprocessing layers, made by real Keras.

    /opt/keras-venv/bin/python scripts/keras/make_preprocessing_goldens.py

Writes test/golden/images/preprocessing.json. Keras's random draws cannot be reproduced
(its RNG is not simdnet's), so each case fixes the drawn values (angles, zooms, shifts,
contrast factors, flips) and records what the layer's transform gives for them, plus the
affine matrices Keras builds from them and the layers' configs.
Needs tensorflow-cpu 2.21.0 and keras 3.15.1.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "images", "preprocessing.json")
rng = np.random.default_rng(8)
H, W, C = 5, 7, 3
images = (rng.random((2, H, W, C)) * 255).astype("float32")


def flat(a):
    return [float(v) for v in np.asarray(a, dtype="float32").reshape(-1)]


def main():
    cases = []
    # Affine transforms: the matrices for fixed draws, then the sampling for every mode.
    rot = keras.layers.RandomRotation(0.2)
    angles = np.array([30.0, -117.0], "float32")
    n = len(angles)
    rot_m = rot._compute_affine_matrix(0.5, 0.5, ops.convert_to_tensor(angles), np.zeros(n, "float32"),
                                       np.zeros(n, "float32"), np.ones(n, "float32"), np.zeros(n, "float32"),
                                       np.zeros(n, "float32"), H, W)
    zoom = keras.layers.RandomZoom(0.5, 0.5)
    zooms = np.array([[0.6, 1.35], [1.7, 0.8]], "float32")  # (width, height) per sample, as Keras orders them
    zoom_m = zoom._get_zoom_matrix(ops.convert_to_tensor(zooms), H, W)
    trans = keras.layers.RandomTranslation(0.5, 0.5)
    shifts = np.array([[2.3, -1.6], [-9.5, 13.2]], "float32")  # (dx, dy) pixels: the second goes past a whole period
    trans_m = trans._get_translation_matrix(ops.convert_to_tensor(shifts))
    matrices = {"rotation": {"degrees": flat(angles), "matrix": flat(rot_m)},
                "zoom": {"zoomX": flat(zooms[:, 0]), "zoomY": flat(zooms[:, 1]), "matrix": flat(zoom_m)},
                "translation": {"dx": flat(shifts[:, 0]), "dy": flat(shifts[:, 1]), "matrix": flat(trans_m)}}
    for kind, m in (("rotation", rot_m), ("zoom", zoom_m), ("translation", trans_m)):
        for fill_mode in ("reflect", "wrap", "constant", "nearest"):
            for interpolation in ("bilinear", "nearest"):
                out = ops.image.affine_transform(images, m, interpolation=interpolation, fill_mode=fill_mode,
                                                 fill_value=17.5)
                cases.append({"kind": kind, "fillMode": fill_mode, "interpolation": interpolation,
                              "fillValue": 17.5, "output": flat(out)})
    # The layers' own transform_images with the same draws (their wiring of the matrices).
    zoom_layer = zoom.transform_images(images, {"width_zoom": zooms[:, :1], "height_zoom": zooms[:, 1:],
                                                "input_shape": images.shape}, training=True)
    trans_layer = trans.transform_images(images, {"translations": shifts, "input_shape": images.shape}, training=True)
    rot_layer = rot.transform_images(images, {"rotation_matrix": rot_m, "angle": angles}, training=True)
    layer_outputs = {"rotation": flat(rot_layer), "zoom": flat(zoom_layer), "translation": flat(trans_layer)}

    contrast = keras.layers.RandomContrast((0.5, 0.9))
    factors = np.array([0.45, 1.8], "float32").reshape(2, 1, 1, 1)
    contrast_out = contrast.transform_images(images, {"contrast_factor": factors}, training=True)
    flips = {}
    for mode in ("horizontal", "vertical", "horizontal_and_vertical"):
        layer = keras.layers.RandomFlip(mode)
        decision = np.array([True, False]).reshape(2, 1, 1, 1)
        flips[mode] = flat(layer.transform_images(images, {"flips": decision, "input_shape": images.shape},
                                                  training=True))
    configs = {
        "RandomFlip": keras.layers.RandomFlip("vertical", seed=3).get_config(),
        "RandomRotation": keras.layers.RandomRotation(0.25, fill_mode="wrap").get_config(),
        "RandomRotationPair": keras.layers.RandomRotation((0.3, -0.1), interpolation="nearest").get_config(),
        "RandomZoom": keras.layers.RandomZoom(0.2).get_config(),
        "RandomZoomPair": keras.layers.RandomZoom((-0.3, 0.1), (0.2, 0.4), fill_mode="constant", fill_value=3.0).get_config(),
        "RandomTranslation": keras.layers.RandomTranslation(0.1, (-0.2, 0.3)).get_config(),
        "RandomContrast": keras.layers.RandomContrast(0.3).get_config(),
        "RandomContrastPair": keras.layers.RandomContrast((0.2, 0.4), value_range=(0, 1)).get_config(),
    }
    with open(OUT, "w") as f:
        json.dump({"keras": keras.__version__, "shape": [2, H, W, C], "images": flat(images), "matrices": matrices,
                   "affine": cases, "layers": layer_outputs,
                   "contrast": {"factor": [0.5, 0.9], "factors": [0.45, 1.8], "output": flat(contrast_out)},
                   "flips": flips, "configs": configs}, f, separators=(",", ":"), default=list)


if __name__ == "__main__":
    main()
