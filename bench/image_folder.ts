/**
 * How fast datasets.imageFolder feeds a model: images decoded, converted and resized
 * per second, for one pass over a folder of photos (not part of `npm run bench`).
 *
 *   /opt/keras-venv/bin/python bench/jpeg_photos.py /tmp/jpgs
 *   npx vite-node bench/image_folder.ts /tmp/jpgs
 *
 * The folder is read with labelMode null (every image below it, no classes needed).
 */
import { imageFolder } from "../ts/data/image_folder_node.js";

const dir = process.argv[2];
if (!dir) throw new Error("usage: vite-node bench/image_folder.ts FOLDER_OF_IMAGES");
for (const [size, colorMode] of [[224, "rgb"], [96, "rgb"], [32, "grayscale"]] as const) {
  const source = imageFolder(dir, { labelMode: null, imageSize: size, colorMode, shuffle: false, batchSize: 32 });
  const began = performance.now();
  // Images only (no labels), so read through toTensors, batch by batch as fit would.
  for (let start = 0; start < source.length; start += 32) source.toTensors(start, Math.min(32, source.length - start));
  const seconds = (performance.now() - began) / 1000;
  console.log(`${source.length} images to ${size}x${size} ${colorMode}: ${(source.length / seconds).toFixed(1)} images/s (${(1000 * seconds / source.length).toFixed(1)} ms each)`);
}
