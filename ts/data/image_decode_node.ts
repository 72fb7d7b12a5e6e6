/**
 * Decoding image files in Node: the format is told by the bytes (as TensorFlow's
 * decode_image does, whatever the extension), the size is checked from the header
 * before anything is decoded, and every error names the file. PNG goes to png.ts (zlib),
 * JPEG to jpeg.ts (libjpeg-turbo in wasm), BMP to bmp.ts and GIF to gif.ts.
 */
import { decodeBmp } from "./bmp.js";
import { decodeGif } from "./gif.js";
import { readImageHeader, toChannels, type DecodedImage } from "./image_decode.js";
import { decodeJpeg } from "./jpeg.js";
import { decodePng } from "./png.js";

/**
 * Decodes `bytes` of the file `name` (PNG, JPEG, BMP or GIF's first frame); errors read
 * "<name>: <what is wrong>".
 */
export function decodeImageBytes(bytes: Uint8Array, name: string): DecodedImage {
  const header = readImageHeader(bytes, name);
  let image: DecodedImage;
  try {
    switch (header.format) {
      case "png": image = decodePng(bytes); break;
      case "jpeg": image = decodeJpeg(bytes); break;
      case "bmp": image = decodeBmp(bytes); break;
      case "gif": image = decodeGif(bytes); break;
    }
  } catch (cause) {
    throw new Error(`${name}: ${(cause as Error).message}`, { cause });
  }
  if (image.width !== header.width || image.height !== header.height) {
    throw new Error(`${name}: decoded ${image.width} x ${image.height} pixels, but the header says ${header.width} x ${header.height}`);
  }
  return image;
}

/** Decodes `bytes` (see {@link decodeImageBytes}) to `channels` samples per pixel, Keras's way. */
export function decodeImageChannels(bytes: Uint8Array, name: string, channels: 1 | 3 | 4): DecodedImage {
  const image = decodeImageBytes(bytes, name);
  return { width: image.width, height: image.height, channels, data: toChannels(image, channels) };
}
