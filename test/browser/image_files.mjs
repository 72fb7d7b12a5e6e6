/**
 * The image page test's files (test/browser/images.mjs): generated pictures of colour
 * classes, a plain PNG encoder, JPEGs encoded by Chromium's canvas, and simdnet's sources
 * bundled for Node to read what the page wrote.
 */
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { crc32, deflateSync } from "node:zlib";

/** The classes of the generated folder and their colours (RGB). */
export const CLASSES = { blue: [40, 70, 200], green: [50, 170, 60], red: [210, 50, 40] };
/** Pictures of each class in each format. */
export const PER_CLASS = { png: 14, jpg: 10 };

/** A plain RGB PNG (8-bit, no interlace, filter 0 on every row). */
export function encodePngRgb(rgb, width, height) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** A deterministic generator (xorshift32), so every run writes the same pictures. */
export function generator(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A picture of one colour class: its colour with noise, over a few darker and lighter stripes. */
export function picture(color, width, height, random) {
  const rgb = new Uint8Array(width * height * 3);
  const period = 4 + Math.floor(random() * 6);
  const vertical = random() < 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = Math.floor((vertical ? x : y) / period) % 2 === 0 ? 1 : 0.7;
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(color[c] * stripe + (random() - 0.5) * 60)));
    }
  }
  return rgb;
}

/** JPEG bytes of RGB pictures, encoded by Chromium's canvas (quality 0.9). */
export async function encodeJpegs(page, pictures) {
  const encoded = await page.evaluate(async (list) => {
    const out = [];
    for (const { rgb, width, height } of list) {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext("2d");
      const image = context.createImageData(width, height);
      for (let p = 0; p < width * height; p++) image.data.set([rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2], 255], p * 4);
      context.putImageData(image, 0, 0);
      const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 });
      out.push(Array.from(new Uint8Array(await blob.arrayBuffer())));
    }
    return out;
  }, pictures.map((p) => ({ ...p, rgb: Array.from(p.rgb) })));
  return encoded.map((bytes) => Buffer.from(bytes));
}

/** Writes `files` (path -> bytes or text) below `dir`. */
export async function writeTree(dir, files) {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return dir;
}

/** The generated folder: CLASSES x (PER_CLASS.png PNGs + PER_CLASS.jpg JPEGs), sizes 24 to 47 pixels, and a notes file to skip. */
export async function makeFolder(page, dir) {
  const random = generator(7);
  const files = { "README.txt": "not an image: skipped, as Keras skips it", "blue/notes.txt": "skipped too" };
  const jpegs = [];
  for (const [name, color] of Object.entries(CLASSES)) {
    for (let i = 0; i < PER_CLASS.png + PER_CLASS.jpg; i++) {
      const width = 24 + Math.floor(random() * 24);
      const height = 24 + Math.floor(random() * 24);
      const rgb = picture(color, width, height, random);
      if (i < PER_CLASS.png) files[`${name}/${name}_${i}.png`] = encodePngRgb(rgb, width, height);
      else jpegs.push({ path: `${name}/${name}_${i}.jpg`, rgb, width, height });
    }
  }
  const encoded = await encodeJpegs(page, jpegs);
  jpegs.forEach((j, i) => (files[j.path] = encoded[i]));
  return writeTree(dir, files);
}

/**
 * simdnet's own sources bundled for Node (loadModel, datasets, the Node image decoder),
 * written under node_modules/.cache so that the packages they import resolve.
 */
export async function nodeSimdnet(root) {
  const out = join(root, "node_modules/.cache/simdnet-images-test/simdnet-node.mjs");
  await build({
    stdin: {
      contents: `export { init, loadModel, datasets } from "./ts/index.ts"; export { decodeImageBytes } from "./ts/data/image_decode_node.ts";`,
      resolveDir: root, loader: "ts", sourcefile: "simdnet-node.ts",
    },
    bundle: true, platform: "node", format: "esm", packages: "external", outfile: out, logLevel: "warning",
  });
  const lib = await import(`${pathToFileURL(out).href}?${Date.now()}`);
  await lib.init({ wasm: { simd: await readFile(join(root, "wasm/simdnet-simd.wasm")), scalar: await readFile(join(root, "wasm/simdnet-scalar.wasm")) } });
  return lib;
}

