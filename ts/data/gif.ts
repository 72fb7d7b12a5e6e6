/**
 * A small GIF decoder (pure TypeScript): the first frame only, as Keras reads GIFs
 * (`decode_image(..., expand_animations=False)`), as RGB. As in TensorFlow's decode_gif
 * (checked against it), the image has the first frame's own size, not the logical
 * screen's, and the frame is drawn at its offset within that, clipped; pixels it does not
 * cover, and transparent ones, are 0 (black). Interlaced frames are put back in row order.
 */
import type { DecodedImage } from "./image_decode.js";
import { MAX_IMAGE_PIXELS } from "./image_decode.js";

const MAX_CODES = 4096;

/** Decodes the first frame of a GIF to RGB; errors start with "decodeGif:". */
export function decodeGif(bytes: Uint8Array): DecodedImage {
  const fail = (why: string): never => {
    throw new Error(`decodeGif: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  const sig = String.fromCharCode(...bytes.subarray(0, 6));
  if (sig !== "GIF87a" && sig !== "GIF89a") fail("not a GIF file: it does not start with GIF87a or GIF89a");
  let at = 6;
  const need = (n: number, what: string): void => {
    if (at + n > bytes.length) fail(`truncated file: ${what} at offset ${at} needs ${n} bytes, ${bytes.length - at} remain`);
  };
  need(7, "the logical screen descriptor");
  const flags = bytes[10]!;
  at = 13;
  let globalPalette: Uint8Array | null = null;
  if (flags & 0x80) {
    const size = 3 << ((flags & 7) + 1);
    need(size, "the global colour table");
    globalPalette = bytes.subarray(at, at + size);
    at += size;
  }
  let transparent = -1;
  for (;;) {
    need(1, "a block");
    const kind = bytes[at++]!;
    if (kind === 0x3b) fail("the file ends before any image");
    if (kind === 0x21) {
      need(1, "an extension label");
      const label = bytes[at++]!;
      // Graphic control extension: the transparent colour index of the next image.
      if (label === 0xf9 && bytes[at] === 4 && at + 5 <= bytes.length && bytes[at + 1]! & 1) transparent = bytes[at + 4]!;
      skipSubBlocks();
      continue;
    }
    if (kind !== 0x2c) fail(`unknown block type 0x${kind.toString(16)} at offset ${at - 1}`);
    need(9, "the image descriptor");
    const left = bytes[at]! | (bytes[at + 1]! << 8), top = bytes[at + 2]! | (bytes[at + 3]! << 8);
    const fw = bytes[at + 4]! | (bytes[at + 5]! << 8), fh = bytes[at + 6]! | (bytes[at + 7]! << 8);
    const fflags = bytes[at + 8]!;
    at += 9;
    const width = fw, height = fh;
    if (width < 1 || height < 1) fail(`first frame size ${width} x ${height}; expected both >= 1`);
    if (width * height > MAX_IMAGE_PIXELS) fail(`a ${width} x ${height} image is larger than the ${MAX_IMAGE_PIXELS} pixels allowed`);
    let palette = globalPalette;
    if (fflags & 0x80) {
      const size = 3 << ((fflags & 7) + 1);
      need(size, "the local colour table");
      palette = bytes.subarray(at, at + size);
      at += size;
    }
    if (palette === null) fail("the first image has no colour table");
    need(1, "the LZW code size");
    const minCodeSize = bytes[at++]!;
    if (minCodeSize < 2 || minCodeSize > 8) fail(`LZW minimum code size ${minCodeSize}; expected 2 to 8`);
    const indices = lzw(gatherSubBlocks(), minCodeSize, fw * fh, fail);
    const data = new Uint8Array(width * height * 3);
    const rows = interlacedRows(fh, (fflags & 0x40) !== 0);
    for (let r = 0; r < fh; r++) {
      const y = top + rows[r]!;
      if (y >= height) continue;
      for (let x = 0; x < fw; x++) {
        const k = indices[r * fw + x]!;
        if (left + x >= width || k === transparent) continue;
        if (3 * k + 2 >= palette!.length) fail(`pixel (${x}, ${rows[r]}) uses colour ${k}, but the colour table has ${palette!.length / 3}`);
        const o = (y * width + left + x) * 3;
        data[o] = palette![3 * k]!;
        data[o + 1] = palette![3 * k + 1]!;
        data[o + 2] = palette![3 * k + 2]!;
      }
    }
    return { width, height, channels: 3, data };
  }

  function skipSubBlocks(): void {
    for (;;) {
      need(1, "a sub-block size");
      const n = bytes[at++]!;
      if (n === 0) return;
      need(n, "a sub-block");
      at += n;
    }
  }

  function gatherSubBlocks(): Uint8Array {
    const start = at;
    let total = 0;
    skipSubBlocks();
    for (let i = start; bytes[i] !== 0; i += bytes[i]! + 1) total += bytes[i]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (let i = start; bytes[i] !== 0; i += bytes[i]! + 1) {
      out.set(bytes.subarray(i + 1, i + 1 + bytes[i]!), o);
      o += bytes[i]!;
    }
    return out;
  }
}

/** Stored row r is image row rows[r] (GIF's four interlace passes, or the identity). */
function interlacedRows(h: number, interlaced: boolean): Int32Array {
  const rows = new Int32Array(h);
  if (!interlaced) {
    for (let r = 0; r < h; r++) rows[r] = r;
    return rows;
  }
  let r = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) {
    for (let y = start; y < h; y += step) rows[r++] = y;
  }
  return rows;
}

/** Variable-width LZW as GIF uses it: `count` colour indices out of `data`. */
function lzw(data: Uint8Array, minCodeSize: number, count: number, fail: (why: string) => never): Uint8Array {
  const clear = 1 << minCodeSize, end = clear + 1;
  const prefix = new Int32Array(MAX_CODES), suffix = new Uint8Array(MAX_CODES), length = new Int32Array(MAX_CODES);
  for (let i = 0; i < clear; i++) { prefix[i] = -1; suffix[i] = i; length[i] = 1; }
  const out = new Uint8Array(count);
  let o = 0, size = minCodeSize + 1, next = end + 1, prev = -1;
  let bits = 0, buffer = 0, i = 0;
  while (o < count) {
    while (bits < size) {
      if (i >= data.length) fail(`image data ends after ${o} of ${count} pixels`);
      buffer |= data[i++]! << bits;
      bits += 8;
    }
    const code = buffer & ((1 << size) - 1);
    buffer >>>= size;
    bits -= size;
    if (code === clear) { size = minCodeSize + 1; next = end + 1; prev = -1; continue; }
    if (code === end) break;
    if (code > next || (code === next && prev < 0)) fail(`invalid LZW code ${code} (next free code is ${next})`);
    if (prev >= 0 && next < MAX_CODES) {
      // The new entry is prev's string plus the first colour of code's string (or of prev's own when code is the new one).
      let first = code === next ? prev : code;
      while (prefix[first]! >= 0) first = prefix[first]!;
      prefix[next] = prev; suffix[next] = suffix[first]!; length[next] = length[prev]! + 1;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    const n = length[code]!;
    if (o + n > count) fail(`image data holds more than the frame's ${count} pixels`);
    for (let c = code, k = o + n - 1; k >= o; k--, c = prefix[c]!) out[k] = suffix[c]!;
    o += n;
    prev = code;
  }
  if (o < count) fail(`image data ends after ${o} of ${count} pixels`);
  return out;
}
