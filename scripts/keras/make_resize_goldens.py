"""Golden files for simdnet's image decoding and resizing, made by real Keras.

    /opt/keras-venv/bin/python scripts/keras/make_resize_goldens.py

Writes test/golden/images/:
  src/*.png|jpg|bmp   small source images (random pixels, fixed seed)
  decoded.json        what tf.image.decode_image(bytes, channels) gives for each source
                      and channel count (uint8), to check the decoders and the colour
                      conversions (for JPEGs also with dct_method="INTEGER_ACCURATE")
  resize.json         what keras.utils.image_dataset_from_directory yields for each
                      source, image_size and color_mode (bilinear, the default), plus the
                      TF-decoded pixels' resize alone, to check resizing to 1e-4
  order.json          file_paths and class_names of a small tree with shuffle=False
Needs tensorflow-cpu 2.21.0 and keras 3.15.1.
"""

import json
import os
import shutil
import struct
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "images")
SRC = os.path.join(ROOT, "src")
rng = np.random.default_rng(15)


def smooth(h, w, c):
    """Random pixels with some structure (gradients plus noise), like a tiny photo."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([127 + 90 * np.sin(xx / 2.3 + k) * np.cos(yy / 1.7 - k) for k in range(c)], -1)
    img += rng.normal(0, 25, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def bmp24(img):
    """A bottom-up 24-bit BMP (TensorFlow has no BMP encoder)."""
    h, w, _ = img.shape
    stride = (w * 3 + 3) // 4 * 4
    rows = b"".join(img[y, :, ::-1].tobytes() + b"\0" * (stride - w * 3) for y in range(h - 1, -1, -1))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    return header + info + rows


def bmp32_top_down(img):
    """A top-down 32-bit BMP with alpha in the fourth byte."""
    h, w, _ = img.shape
    rows = b"".join(img[y][:, [2, 1, 0, 3]].tobytes() for y in range(h))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 32, 0, len(rows), 2835, 2835, 0, 0)
    return header + info + rows


def lzw_encode(indices, min_code_size):
    """GIF's LZW, variable-width codes packed LSB first."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    out, buf, nbits = bytearray(), 0, 0
    size, table, nxt = min_code_size + 1, {}, end + 1

    def emit(code):
        nonlocal buf, nbits
        buf |= code << nbits
        nbits += size
        while nbits >= 8:
            out.append(buf & 255)
            buf >>= 8
            nbits -= 8

    emit(clear)
    w = (indices[0],)
    for k in indices[1:]:
        wk = w + (k,)
        if wk in table or len(wk) == 1:
            w = wk
            continue
        emit(table[w] if len(w) > 1 else w[0])
        if nxt < 4096:
            table[wk] = nxt
            nxt += 1
            if nxt > (1 << size) and size < 12:
                size += 1
        else:
            emit(clear)
            table, nxt, size = {}, end + 1, min_code_size + 1
        w = (k,)
    emit(table[w] if len(w) > 1 else w[0])
    emit(end)
    if nbits:
        out.append(buf & 255)
    return bytes(out)


def gif(width, height, palette, frame, left=0, top=0, interlace=False, transparent=None):
    """A one-frame GIF89a; `frame` is a 2-D array of palette indices."""
    bits = max(1, int(np.ceil(np.log2(len(palette)))))
    table = np.zeros((1 << bits, 3), np.uint8)
    table[: len(palette)] = palette
    fh, fw = frame.shape
    rows = list(range(fh))
    if interlace:
        rows = list(range(0, fh, 8)) + list(range(4, fh, 8)) + list(range(2, fh, 4)) + list(range(1, fh, 2))
    indices = [int(v) for r in rows for v in frame[r]]
    mcs = max(2, bits)
    data = lzw_encode(indices, mcs)
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)) + b"\0"
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80 | (bits - 1), 0, 0) + table.tobytes()
    gce = b""
    if transparent is not None:
        gce = b"\x21\xf9\x04" + bytes([1, 0, 0, transparent, 0])
    desc = b"\x2c" + struct.pack("<HHHHB", left, top, fw, fh, 0x40 if interlace else 0)
    return head + gce + desc + bytes([mcs]) + blocks + b"\x3b"


def sources():
    rgb = smooth(7, 9, 3)
    rgba = np.concatenate([smooth(10, 6, 3), rng.integers(0, 256, (10, 6, 1), dtype=np.uint8)], -1)
    return {
        "rgb.png": tf.io.encode_png(rgb).numpy(),
        "rgba.png": tf.io.encode_png(rgba).numpy(),
        "gray.png": tf.io.encode_png(smooth(8, 11, 1)).numpy(),
        "graya.png": tf.io.encode_png(smooth(5, 6, 2)).numpy(),
        # Many random pixels: checks the exact RGB to gray formula.
        "noise.png": tf.io.encode_png(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).numpy(),
        "photo.jpg": tf.io.encode_jpeg(smooth(12, 16, 3), quality=90).numpy(),
        "progressive.jpg": tf.io.encode_jpeg(smooth(13, 10, 3), quality=80, progressive=True).numpy(),
        "grayjpeg.jpg": tf.io.encode_jpeg(smooth(9, 9, 1), quality=95).numpy(),
        "rgb24.bmp": bmp24(smooth(5, 7, 3)),
        "rgba32.bmp": bmp32_top_down(rgba[:4, :5]),
        "palette.gif": gif(9, 7, rng.integers(0, 256, (16, 3)), rng.integers(0, 16, (7, 9))),
        "framed.gif": gif(8, 11, rng.integers(0, 256, (7, 3)), rng.integers(0, 7, (9, 5)), left=2, top=1,
                          interlace=True, transparent=3),
    }


def keras_load(path, size, color_mode):
    """One image through image_dataset_from_directory (its own folder, one class)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "c"))
        shutil.copy(path, os.path.join(tmp, "c", os.path.basename(path)))
        ds = keras.utils.image_dataset_from_directory(
            tmp, label_mode=None, image_size=size, color_mode=color_mode,
            shuffle=False, batch_size=1, verbose=False)
        return next(iter(ds)).numpy()[0]


def main():
    os.makedirs(SRC, exist_ok=True)
    decoded, resized = {}, []
    sizes = [(3, 4), (11, 9), (16, 20)]
    for name, data in sources().items():
        path = os.path.join(SRC, name)
        with open(path, "wb") as f:
            f.write(data)
        decoded[name] = {}
        for channels, mode in ((1, "grayscale"), (3, "rgb"), (4, "rgba")):
            if (name[-4:] in (".bmp", ".gif") and channels == 1) or (name[-4:] in (".jpg", ".gif") and channels == 4):
                continue  # TensorFlow refuses these (gray BMP or GIF, RGBA JPEG or GIF); see docs/images.md
            pixels = tf.image.decode_image(data, channels=channels, expand_animations=False).numpy()
            decoded[name][mode] = {"shape": list(pixels.shape), "pixels": pixels.reshape(-1).tolist()}
            if name.endswith(".jpg"):
                # TF's default is the fast integer IDCT; libjpeg-turbo's default (simdnet's)
                # is the accurate one: that decoding must match exactly.
                accurate = tf.io.decode_jpeg(data, channels=channels, dct_method="INTEGER_ACCURATE").numpy()
                decoded[name][mode]["accurate"] = accurate.reshape(-1).tolist()
            if name == "noise.png":
                continue
            for size in sizes:
                if mode != "rgb" and size == (16, 20):
                    continue  # keep the file small: one upsampling case per source
                out = keras_load(path, size, mode)
                alone = tf.image.resize(pixels, size, method="bilinear").numpy()
                assert np.array_equal(out, alone), name
                resized.append({"file": name, "colorMode": mode, "size": list(size),
                                "values": [float(v) for v in out.reshape(-1)]})
    with open(os.path.join(ROOT, "decoded.json"), "w") as f:
        json.dump(decoded, f, separators=(",", ":"))
    with open(os.path.join(ROOT, "resize.json"), "w") as f:
        json.dump({"keras": keras.__version__, "tensorflow": tf.__version__, "cases": resized}, f, separators=(",", ":"))

    # File order and class names: sorted walk, nested folders, mixed case, skipped files.
    with tempfile.TemporaryDirectory() as tmp:
        tree = ["b/Z.png", "b/a.png", "b/sub/c.png", "b/sub/A.PNG", "a/x.jpg", "a/notes.txt",
                "a/.hidden.png", "C/y.bmp", ".git/z.png", "a/deeper/more/w.png"]
        blob = tf.io.encode_png(np.zeros((2, 2, 3), np.uint8)).numpy()
        for rel in tree:
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "wb") as f:
                f.write(blob if not rel.endswith(".txt") else b"text")
        paths, _, class_names = keras.src.utils.dataset_utils.index_directory(
            tmp, "inferred", formats=(".bmp", ".gif", ".jpeg", ".jpg", ".png"),
            shuffle=False, verbose=False)
        order = {"tree": tree, "filePaths": [os.path.relpath(p, tmp) for p in paths], "classNames": class_names}
    with open(os.path.join(ROOT, "order.json"), "w") as f:
        json.dump(order, f, indent=1)


if __name__ == "__main__":
    main()
