/**
 * What every image reader shares, with no Node built-ins (browsers use it too): the
 * formats Keras's `image_dataset_from_directory` accepts, telling them apart by their
 * first bytes, reading width and height from the header alone (so that a huge image is
 * refused before any pixel is decoded), and converting decoded pixels to the channels
 * Keras's `color_mode` asks for, as TensorFlow's decoders do.
 */

/** Decoded pixels: 8-bit samples, row-major, `channels` per pixel. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** height * width * channels samples, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

/** An image format simdnet reads. */
export type ImageFormat = "png" | "jpeg" | "bmp" | "gif";

/**
 * File name endings taken as images, compared lower-cased: Keras's ALLOWLIST_FORMATS.
 * Other files in a class folder are skipped, as Keras skips them.
 */
export const IMAGE_EXTENSIONS: readonly string[] = [".bmp", ".gif", ".jpeg", ".jpg", ".png"];

/**
 * The largest image decoded: 2^26 pixels (64 Mpx, e.g. 8192 x 8192 or a 48 Mpx phone
 * photo). Larger ones are refused from their header, before any decoding, because a
 * decoded image takes 4 bytes per pixel (a 20000 x 20000 image would need 1.6 GB).
 */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** True when `name` ends with one of {@link IMAGE_EXTENSIONS} (any case). */
export function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** The format of `bytes` from its signature, or null when it is none of the four. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return "png";
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "jpeg";
  if (b(0) === 0x42 && b(1) === 0x4d) return "bmp";
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return "gif";
  return null;
}

/** Format and dimensions of an image, read from its header. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Reads the format and size of `bytes` without decoding pixels, and checks the size
 * against {@link MAX_IMAGE_PIXELS}. `name` (a path or file name) starts every error.
 */
export function readImageHeader(bytes: Uint8Array, name: string): ImageHeader {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const first = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, "0")).join(" ");
    throw new Error(`${name}: not a PNG, JPEG, BMP or GIF image (it starts with bytes ${first || "(empty file)"})`);
  }
  const size = format === "png" ? pngSize(bytes) : format === "jpeg" ? jpegSize(bytes) : format === "bmp" ? bmpSize(bytes) : gifSize(bytes);
  if (size === null) throw new Error(`${name}: truncated ${format.toUpperCase()} file: the header holding the image size is incomplete`);
  const [width, height] = size;
  if (width < 1 || height < 1) throw new Error(`${name}: ${format.toUpperCase()} header gives size ${width} x ${height}; expected both >= 1`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new Error(`${name}: a ${width} x ${height} image (${(width * height / 1e6).toFixed(1)} Mpx) is larger than the ${MAX_IMAGE_PIXELS / 2 ** 20} Mpx simdnet decodes (MAX_IMAGE_PIXELS); shrink it first`);
  }
  return { format, width, height };
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function pngSize(b: Uint8Array): [number, number] | null {
  // Signature (8), IHDR length and type (8), then width and height.
  if (b.length < 24) return null;
  return [u32be(b, 16), u32be(b, 20)];
}

/** Walks the JPEG markers up to the first start-of-frame, which holds the size. */
function jpegSize(b: Uint8Array): [number, number] | null {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; } // fill byte
    // Markers without a length: TEM, RST0-7, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) { i += 2; continue; }
    const length = u16be(b, i + 2);
    // SOF0-15, except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) return null;
      return [u16be(b, i + 7), u16be(b, i + 5)];
    }
    if (length < 2) return null;
    i += 2 + length;
  }
  return null;
}

function bmpSize(b: Uint8Array): [number, number] | null {
  if (b.length < 26) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerSize = view.getUint32(14, true);
  if (headerSize === 12) return [view.getUint16(18, true), view.getUint16(20, true)];
  // Height is negative for top-down rows.
  return [view.getInt32(18, true), Math.abs(view.getInt32(22, true))];
}

/** The first frame's size (TensorFlow's decoded size): walks to its image descriptor. */
function gifSize(b: Uint8Array): [number, number] | null {
  if (b.length < 13) return null;
  let i = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  while (i < b.length) {
    const kind = b[i]!;
    if (kind === 0x2c) return i + 9 <= b.length ? [b[i + 5]! | (b[i + 6]! << 8), b[i + 7]! | (b[i + 8]! << 8)] : null;
    if (kind !== 0x21) return null;
    // An extension: label, then sub-blocks up to a zero length.
    i += 2;
    while (i < b.length && b[i] !== 0) i += b[i]! + 1;
    i++;
  }
  return null;
}

/**
 * Converts decoded pixels to `channels` (1, 3 or 4) as TensorFlow's `decode_image(...,
 * channels)` does for Keras's color_mode: RGB to gray is floor(0.299 R + 0.587 G +
 * 0.114 B) (what TF's PNG decoder gives but for rare ties; its JPEG decoder takes the
 * Y plane, within 1 of this); alpha is dropped, or added as 255; gray is repeated into R, G and B.
 */
export function toChannels(image: DecodedImage, channels: 1 | 3 | 4): Uint8Array {
  const { width, height, data } = image;
  const from = image.channels;
  const n = width * height;
  if (from === channels && data instanceof Uint8Array) return data;
  const out = new Uint8Array(n * channels);
  // The common case, a JPEG's RGBA to RGB, without the general loop's branches.
  if (from === 4 && channels === 3) {
    for (let p = 0, s = 0, o = 0; p < n; p++, s += 4, o += 3) {
      out[o] = data[s]!; out[o + 1] = data[s + 1]!; out[o + 2] = data[s + 2]!;
    }
    return out;
  }
  for (let p = 0; p < n; p++) {
    const s = p * from;
    let r: number, g: number, b: number, a: number;
    if (from <= 2) {
      r = g = b = data[s]!;
      a = from === 2 ? data[s + 1]! : 255;
    } else {
      r = data[s]!; g = data[s + 1]!; b = data[s + 2]!;
      a = from === 4 ? data[s + 3]! : 255;
    }
    const o = p * channels;
    if (channels === 1) {
      out[o] = from <= 2 ? r : gray(r, g, b);
    } else {
      out[o] = r; out[o + 1] = g; out[o + 2] = b;
      if (channels === 4) out[o + 3] = a;
    }
  }
  return out;
}

/** ITU-R 601 luma, truncated as TensorFlow's PNG decoder truncates it. */
function gray(r: number, g: number, b: number): number {
  // The weights sum to 1 only up to rounding: keep gray pixels exact.
  if (r === g && g === b) return r;
  return Math.floor(0.299 * r + 0.587 * g + 0.114 * b);
}
