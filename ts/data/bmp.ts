/**
 * A small BMP decoder (pure TypeScript, works anywhere): uncompressed 1-, 4- and 8-bit
 * palette images and 24- and 32-bit ones, bottom-up or top-down, with the BITMAPINFO
 * header or a later version (V4, V5), and OS/2's old 12-byte header. 32-bit pixels
 * keep their fourth byte as alpha, as TensorFlow's decode_bmp does. Compressed BMPs
 * (RLE, JPEG/PNG inside) are refused by name.
 */
import type { DecodedImage } from "./image_decode.js";
import { MAX_IMAGE_PIXELS } from "./image_decode.js";

const COMPRESSION_NAMES: Record<number, string> = { 1: "RLE8", 2: "RLE4", 4: "JPEG", 5: "PNG", 6: "alpha bit fields" };

/** Decodes a BMP file; errors start with "decodeBmp:" and say what is wrong. */
export function decodeBmp(bytes: Uint8Array): DecodedImage {
  const fail = (why: string): never => {
    throw new Error(`decodeBmp: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail("not a BMP file: it does not start with \"BM\" and a header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number, height: number, bits: number, compression = 0, paletteSize = 0;
  let paletteEntry = 4;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
    paletteEntry = 3;
  } else if (headerSize >= 40) {
    if (bytes.length < 14 + 40) fail(`truncated file: the info header needs 54 bytes, the file has ${bytes.length}`);
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    paletteSize = view.getUint32(46, true);
  } else {
    return fail(`info header of ${headerSize} bytes is not supported; expected 12, 40, 108 or 124`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width < 1 || height < 1) fail(`image size ${width} x ${height}; expected both >= 1`);
  if (width * height > MAX_IMAGE_PIXELS) fail(`a ${width} x ${height} image is larger than the ${MAX_IMAGE_PIXELS} pixels allowed`);
  // Bit fields with the standard masks are the same layout as BI_RGB.
  if (compression === 3 && !standardMasks(view, bits, headerSize)) fail("BI_BITFIELDS with non-standard channel masks is not supported");
  if (compression !== 0 && compression !== 3) fail(`${COMPRESSION_NAMES[compression] ?? `compression ${compression}`} BMPs are not supported; expected an uncompressed BMP`);
  if (![1, 4, 8, 24, 32].includes(bits)) fail(`${bits} bits per pixel is not supported; expected 1, 4, 8, 24 or 32`);

  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    const entries = paletteSize === 0 ? 1 << bits : paletteSize;
    if (entries > 1 << bits) fail(`palette of ${entries} colours for a ${bits}-bit image; expected at most ${1 << bits}`);
    const start = 14 + headerSize;
    if (start + entries * paletteEntry > bytes.length) fail(`truncated file: the palette of ${entries} colours does not fit`);
    palette = new Uint8Array(entries * 3);
    for (let k = 0; k < entries; k++) {
      // Stored as blue, green, red (and a reserved byte).
      palette[3 * k] = bytes[start + k * paletteEntry + 2]!;
      palette[3 * k + 1] = bytes[start + k * paletteEntry + 1]!;
      palette[3 * k + 2] = bytes[start + k * paletteEntry]!;
    }
  }
  const stride = Math.ceil((width * bits) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) {
    fail(`truncated file: ${height} rows of ${stride} bytes from offset ${dataOffset} need ${dataOffset + stride * height} bytes, the file has ${bytes.length}`);
  }
  const channels = bits === 32 ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const bitPos = x * bits;
        const byte = bytes[row + (bitPos >> 3)]!;
        const k = (byte >> (8 - bits - (bitPos & 7))) & ((1 << bits) - 1);
        if (3 * k >= palette.length) fail(`pixel (${x}, ${y}) uses palette entry ${k}, but the palette has ${palette.length / 3} colours`);
        data[o] = palette[3 * k]!;
        data[o + 1] = palette[3 * k + 1]!;
        data[o + 2] = palette[3 * k + 2]!;
      } else {
        const s = row + x * (bits >> 3);
        data[o] = bytes[s + 2]!;
        data[o + 1] = bytes[s + 1]!;
        data[o + 2] = bytes[s]!;
        if (channels === 4) data[o + 3] = bytes[s + 3]!;
      }
    }
  }
  return { width, height, channels, data };
}

/** True when BI_BITFIELDS masks are the usual 8-bit B, G, R (, A) bytes. */
function standardMasks(view: DataView, bits: number, headerSize: number): boolean {
  if (bits !== 32 || view.byteLength < 14 + Math.max(headerSize, 52)) return false;
  return view.getUint32(54, true) === 0x00ff0000 && view.getUint32(58, true) === 0x0000ff00 && view.getUint32(62, true) === 0x000000ff;
}
