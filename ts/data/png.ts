/**
 * A small PNG codec for the CLI's `predict` and for tests (Node only: zlib does the
 * deflate work). Decodes 8-bit grayscale, gray+alpha, RGB, RGBA and palette images,
 * non-interlaced, with all five row filters, checking every chunk's CRC. Encodes 8-bit
 * grayscale. `pngToDigit` turns a PNG into an MNIST-like 28x28 input (see to_digit.ts).
 */
import { deflateSync } from "node:zlib";
import { crc32 } from "../io/crc32.js";
import { MAX_INFLATED_BYTES, inflateAtMost } from "./inflate.js";
import { imageToDigit } from "./to_digit.js";
import { isDetached } from "../io/json.js";

/** CRC-32 of PNG chunks (the shared implementation, re-exported for the codec's users). */
export { crc32 };

/** A decoded PNG: 8-bit samples, row-major, `channels` per pixel. */
export interface DecodedPng {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palette images give 3, or 4 with a tRNS chunk). */
  channels: number;
  /** height * width * channels samples, row-major. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels stored per pixel for each colour type (before palette expansion). */
const STORED_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_NAMES: Record<number, string> = { 0: "grayscale", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA" };
// Decoded images larger than this are refused before inflating (a 16k x 16k RGBA image).
const MAX_RAW_BYTES = MAX_INFLATED_BYTES;

interface Header {
  width: number;
  height: number;
  colorType: number;
}

function readHeader(data: Uint8Array): Header {
  if (data.length !== 13) throw new Error(`decodePng: IHDR has ${data.length} bytes, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0), height = view.getUint32(4);
  const [depth, colorType, compression, filter, interlace] = [data[8]!, data[9]!, data[10]!, data[11]!, data[12]!];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new Error(`decodePng: image size ${width} x ${height} is invalid; expected both in [1, 2^31)`);
  }
  if (!(colorType in STORED_CHANNELS)) throw new Error(`decodePng: unknown colour type ${colorType}; expected 0, 2, 3, 4 or 6`);
  if (depth !== 8) throw new Error(`decodePng: bit depth ${depth} (${COLOR_NAMES[colorType]}) is not supported; expected 8`);
  if (compression !== 0 || filter !== 0) throw new Error(`decodePng: compression method ${compression} / filter method ${filter}; expected 0 / 0`);
  if (interlace !== 0) throw new Error(`decodePng: interlaced (Adam7) images are not supported; save the PNG without interlacing`);
  return { width, height, colorType };
}

/** Undoes the row filters of `raw` (each row: filter byte + `stride` bytes) into `out`. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, out: Uint8Array): void {
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride; // only read when y > 0
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      let predictor: number;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) >>> 1; break;
        case 4: predictor = paeth(a, b, c); break;
        default: throw new Error(`decodePng: row ${y} has unknown filter type ${filter}; expected 0 to 4`);
      }
      out[row + x] = (raw[src + x]! + predictor) & 0xff;
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a PNG file. Errors name the byte offset or chunk: bad signature, bad CRC,
 * truncated chunks or image data, unsupported formats, missing IHDR/PLTE/IDAT/IEND.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodePng: bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  if (isDetached(bytes.buffer)) throw new Error("decodePng: bytes is a view of a detached ArrayBuffer (it was transferred, e.g. to a worker, and holds nothing now)");
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("decodePng: not a PNG file: the first 8 bytes are not the PNG signature 89 50 4E 47 0D 0A 1A 0A");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let alpha: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) throw new Error(`decodePng: truncated file: chunk header at offset ${offset} needs 12 bytes, ${bytes.length - offset} remain (no IEND chunk)`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.length) throw new Error(`decodePng: truncated file: chunk ${type} at offset ${offset} declares ${length} data bytes, only ${bytes.length - offset - 12} remain`);
    const stored = view.getUint32(end - 4);
    const actual = crc32(bytes, offset + 4, end - 4);
    if (stored !== actual) throw new Error(`decodePng: bad CRC in chunk ${type} at offset ${offset}: stored ${hex8(stored)}, computed ${hex8(actual)}`);
    const data = bytes.subarray(offset + 8, end - 4);
    if (header === null && type !== "IHDR") throw new Error(`decodePng: first chunk is ${type} at offset ${offset}; expected IHDR`);
    if (type === "IHDR") {
      if (header !== null) throw new Error(`decodePng: second IHDR chunk at offset ${offset}`);
      header = readHeader(data);
    } else if (type === "PLTE") {
      if (length % 3 !== 0 || length === 0 || length > 768) throw new Error(`decodePng: PLTE chunk at offset ${offset} has ${length} bytes; expected 3 to 768, a multiple of 3`);
      palette = data;
    } else if (type === "tRNS") {
      alpha = data;
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      if (end !== bytes.length) throw new Error(`decodePng: ${bytes.length - end} trailing bytes after IEND at offset ${end}`);
      break;
    } else if ((bytes[offset + 4]! & 0x20) === 0) {
      throw new Error(`decodePng: unknown critical chunk ${type} at offset ${offset}`);
    }
    offset = end;
  }
  if (header === null) throw new Error("decodePng: no IHDR chunk");
  if (idat.length === 0) throw new Error("decodePng: no IDAT chunk (no image data)");
  if (header.colorType === 3 && palette === null) throw new Error("decodePng: palette image without a PLTE chunk");
  return expand(header, inflate(header, idat), palette, header.colorType === 3 ? alpha : null);
}

function hex8(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

/** Inflates the IDAT stream and removes the row filters: stored samples, row-major. */
function inflate(h: Header, idat: Uint8Array[]): Uint8Array {
  const bpp = STORED_CHANNELS[h.colorType]!;
  const stride = h.width * bpp;
  const rawLength = h.height * (stride + 1);
  if (rawLength > MAX_RAW_BYTES) throw new Error(`decodePng: a ${h.width} x ${h.height} ${COLOR_NAMES[h.colorType]} image is too large (more than ${MAX_RAW_BYTES} bytes)`);
  let raw: Uint8Array | null;
  try {
    raw = inflateAtMost("zlib", concat(idat), rawLength);
  } catch (cause) {
    throw new Error(`decodePng: image data is corrupt or truncated (${((cause as Error).cause as Error).message})`, { cause });
  }
  if (raw === null) throw new Error(`decodePng: image data inflates to more than the ${rawLength} bytes a ${h.width} x ${h.height} ${COLOR_NAMES[h.colorType]} image needs`);
  if (raw.length !== rawLength) {
    throw new Error(`decodePng: image data inflates to ${raw.length} bytes; a ${h.width} x ${h.height} ${COLOR_NAMES[h.colorType]} image needs ${rawLength}`);
  }
  const out = new Uint8Array(h.height * stride);
  unfilter(raw, h.height, stride, bpp, out);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Looks palette indices up (RGB, or RGBA with tRNS); other types pass through. */
function expand(h: Header, samples: Uint8Array, palette: Uint8Array | null, alpha: Uint8Array | null): DecodedPng {
  if (h.colorType !== 3) return { width: h.width, height: h.height, channels: STORED_CHANNELS[h.colorType]!, data: samples };
  const entries = palette!.length / 3;
  const channels = alpha ? 4 : 3;
  const data = new Uint8Array(samples.length * channels);
  for (let i = 0; i < samples.length; i++) {
    const k = samples[i]!;
    if (k >= entries) throw new Error(`decodePng: pixel ${i} uses palette entry ${k}, but PLTE has ${entries} entries`);
    data[i * channels] = palette![3 * k]!;
    data[i * channels + 1] = palette![3 * k + 1]!;
    data[i * channels + 2] = palette![3 * k + 2]!;
    if (alpha) data[i * channels + 3] = k < alpha.length ? alpha[k]! : 255;
  }
  return { width: h.width, height: h.height, channels, data };
}

/** One chunk: length, type, data, CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encodes 8-bit grayscale pixels (`w * h`, row-major) as a PNG (filter 0, deflated). */
export function encodePng(gray: Uint8Array, w: number, h: number): Uint8Array {
  for (const [name, v] of [["w", w], ["h", h]] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > 0x7fffffff) throw new Error(`encodePng: ${name} must be a whole number >= 1, received ${v}`);
  }
  if (!(gray instanceof Uint8Array) || gray.length !== w * h) {
    throw new Error(`encodePng: gray must be a Uint8Array of ${w * h} values (${w} x ${h}), received ${gray instanceof Uint8Array ? `${gray.length} values` : Object.prototype.toString.call(gray)}`);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, w);
  view.setUint32(4, h);
  ihdr[8] = 8; // bit depth; colour type 0 (gray), compression, filter, interlace all 0
  const raw = new Uint8Array(h * (w + 1));
  for (let y = 0; y < h; y++) raw.set(gray.subarray(y * w, (y + 1) * w), y * (w + 1) + 1);
  return concat([new Uint8Array(SIGNATURE), chunk("IHDR", ihdr), chunk("IDAT", new Uint8Array(deflateSync(raw))), chunk("IEND", new Uint8Array(0))]);
}

/**
 * A PNG (bytes or decoded) as an MNIST-like input: 784 floats in [0, 1], white digit on
 * black, 28x28 by area averaging; see {@link imageToDigit} for the details.
 */
export function pngToDigit(png: Uint8Array | DecodedPng): Float32Array {
  return imageToDigit(png instanceof Uint8Array ? decodePng(png) : png);
}
