#!/usr/bin/env node
/**
 * How simdnet's JPEG library was chosen (docs/images.md has the numbers). Not run by npm
 * scripts: the candidates are not dependencies. To rerun:
 *
 *   /opt/keras-venv/bin/python bench/jpeg_photos.py /tmp/jpgs
 *   mkdir /tmp/cand && cd /tmp/cand && npm init -y && npm i jpeg-js @cwasm/jpeg-turbo @jsquash/jpeg
 *   node bench/jpeg_decoders.mjs /tmp/jpgs /tmp/cand
 *
 * For each candidate: time per image over all files, largest and mean difference from
 * TensorFlow's pixels (the .npy files), and then 1,500 corrupted or truncated variants of
 * one file: how many are refused, how long they take, and whether the decoder still
 * decodes a good file identically afterwards.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [dir, candidates] = process.argv.slice(2);
if (!dir || !candidates) throw new Error("usage: node bench/jpeg_decoders.mjs JPEG_DIR CANDIDATES_DIR");
const require = createRequire(join(candidates, "package.json"));
const jpegjs = require("jpeg-js");
const turbo = require("@cwasm/jpeg-turbo");
const decoders = {
  "jpeg-js": (b) => jpegjs.decode(b, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 500, maxMemoryUsageInMB: 2048 }).data,
  "@cwasm/jpeg-turbo": (b) => turbo.decode(b).data,
};
const names = readdirSync(dir).filter((f) => f.endsWith(".jpg")).sort();
const files = names.map((f) => new Uint8Array(readFileSync(join(dir, f))));

function npy(path) {
  const buf = readFileSync(path);
  const headerLength = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLength).toString();
  const shape = header.match(/\((.*?)\)/)[1].split(",").filter((s) => s.trim()).map(Number);
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + 10 + headerLength) };
}

for (const [name, decode] of Object.entries(decoders)) {
  let max = 0, sum = 0, count = 0;
  for (let i = 0; i < 20; i++) {
    const ref = npy(join(dir, `${String(i).padStart(3, "0")}.npy`));
    const c = ref.shape[2];
    const rgba = decode(files[i]);
    for (let p = 0; p < ref.shape[0] * ref.shape[1]; p++) {
      for (let k = 0; k < c; k++) {
        const d = Math.abs(rgba[p * 4 + k] - ref.data[p * c + k]);
        max = Math.max(max, d); sum += d; count++;
      }
    }
  }
  const t0 = performance.now();
  for (const b of files) decode(b);
  const ms = (performance.now() - t0) / files.length;
  console.log(`${name}: ${ms.toFixed(1)} ms/image over ${files.length} files; vs TensorFlow max |diff| ${max}, mean ${(sum / count).toFixed(3)}`);
}

// @jsquash/jpeg is async only and fetches its .wasm by URL: in Node it needs the module
// compiled by hand; its decode cannot serve a synchronous batch source anyway.
try {
  const { default: decode } = await import(require.resolve("@jsquash/jpeg/decode.js"));
  await decode(files[0].buffer.slice(0));
  console.log("@jsquash/jpeg: decodes in Node as installed");
} catch (e) {
  console.log(`@jsquash/jpeg: fails in Node as installed (${e.message})`);
}

let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const small = files.find((_, i) => names[i].includes("_b"));
for (const [name, decode] of Object.entries(decoders)) {
  const good = decode(small).slice();
  let refused = 0;
  seed = 1;
  const t0 = performance.now();
  for (let i = 0; i < 1500; i++) {
    const b = small.slice(0, i % 3 === 0 ? Math.floor(random() * small.length) : small.length);
    for (let k = 0; k < 1 + (i % 5); k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
    try { decode(b); } catch { refused++; }
  }
  const same = decode(small).every((v, i) => v === good[i]);
  console.log(`${name}: ${refused} of 1500 corrupted files refused, ${((performance.now() - t0) / 1500).toFixed(1)} ms each; good file identical afterwards: ${same}`);
}
