/**
 * JPEG decoding in Node through @cwasm/jpeg-turbo: libjpeg-turbo (the decoder inside
 * TensorFlow, so pixels come within a few levels of what Keras reads) compiled to
 * WebAssembly, synchronous, baseline and progressive. Chosen by measurement over jpeg-js
 * and @jsquash/jpeg: see docs/images.md. Node only (the package reads its .wasm with
 * node:fs when first imported); simdnet imports this module lazily, so the browser bundle
 * never contains it, and browsers decode with createImageBitmap instead.
 */
import { decode } from "@cwasm/jpeg-turbo";
import type { DecodedImage } from "./image_decode.js";
import { readImageHeader } from "./image_decode.js";

/**
 * Decodes a JPEG to RGBA (grayscale JPEGs give R = G = B). The size is read from the
 * header first and refused above MAX_IMAGE_PIXELS; corrupt or truncated data is an
 * error (libjpeg-turbo's warnings, such as premature end of data, count as errors, as in
 * TensorFlow's decode_jpeg).
 */
export function decodeJpeg(bytes: Uint8Array): DecodedImage {
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodeJpeg: bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  const header = readImageHeader(bytes, "decodeJpeg");
  if (header.format !== "jpeg") throw new Error(`decodeJpeg: not a JPEG file (it looks like ${header.format.toUpperCase()})`);
  let image: { width: number; height: number; data: Uint8ClampedArray };
  try {
    image = decode(bytes);
  } catch (cause) {
    throw new Error(`decodeJpeg: corrupt or truncated JPEG data (libjpeg-turbo: ${(cause as Error).message})`, { cause });
  }
  if (image.width !== header.width || image.height !== header.height) {
    throw new Error(`decodeJpeg: decoded ${image.width} x ${image.height} pixels, but the header says ${header.width} x ${header.height}`);
  }
  return { width: image.width, height: image.height, channels: 4, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
}
