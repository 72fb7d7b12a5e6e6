"""Photo-sized JPEGs for bench/jpeg_decoders.mjs, encoded by TensorFlow (libjpeg-turbo).

    /opt/keras-venv/bin/python bench/jpeg_photos.py OUT_DIR

300 files: 640x480 and 1024x768, smooth colour patterns plus sensor-like noise, quality 85
or 95, a third progressive, a tenth grayscale, some without chroma subsampling. The
first 20 also get the pixels TF decodes (its default, fast IDCT) as .npy.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
for i in range(300):
    h, w = (480, 640) if i % 3 else (768, 1024)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([128 + 100 * np.sin(xx / (20 + i % 7) + c) * np.cos(yy / (31 + i % 5) - c) for c in range(3)], -1)
    img = np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    progressive, gray = i % 3 == 2, i % 10 == 9
    data = tf.io.encode_jpeg(img[..., :1] if gray else img, quality=85 if i % 2 else 95,
                             progressive=progressive, chroma_downsampling=(i % 4 != 1)).numpy()
    with open(f"{out}/{i:03d}_{'p' if progressive else 'b'}{'g' if gray else ''}.jpg", "wb") as f:
        f.write(data)
    if i < 20:
        np.save(f"{out}/{i:03d}.npy", tf.io.decode_jpeg(data).numpy())
