/**
 * Image decoding and resizing against real Keras/TensorFlow (goldens made by
 * scripts/keras/make_resize_goldens.py): decoded pixels per colour mode, and what
 * image_dataset_from_directory yields after its bilinear resize.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeBmp } from "../../ts/data/bmp.js";
import { decodeGif } from "../../ts/data/gif.js";
import { MAX_IMAGE_PIXELS, readImageHeader, sniffImageFormat, toChannels } from "../../ts/data/image_decode.js";
import { decodeImageBytes, decodeImageChannels } from "../../ts/data/image_decode_node.js";
import { decodeJpeg } from "../../ts/data/jpeg.js";
import { resizeBilinear } from "../../ts/data/resize.js";
import { expectClose } from "../helpers/assert.js";
import { rng } from "../helpers/random.js";

const GOLDEN = join(import.meta.dirname, "../golden/images");
type Mode = "grayscale" | "rgb" | "rgba";
const CHANNELS: Record<Mode, 1 | 3 | 4> = { grayscale: 1, rgb: 3, rgba: 4 };
const decoded = JSON.parse(readFileSync(join(GOLDEN, "decoded.json"), "utf8")) as Record<string, Partial<Record<Mode, { shape: number[]; pixels: number[]; accurate?: number[] }>>>;
const resized = JSON.parse(readFileSync(join(GOLDEN, "resize.json"), "utf8")) as { cases: { file: string; colorMode: Mode; size: [number, number]; values: number[] }[] };
const source = (name: string): Uint8Array => new Uint8Array(readFileSync(join(GOLDEN, "src", name)));
// libjpeg-turbo here uses the accurate integer IDCT; TensorFlow's default is the fast
// one, so JPEG pixels differ by a few levels (measured: at most 5 on photos, 8 on the
// golden grayscale JPEG).
const JPEG_TOLERANCE = 10;

describe("decoders against TensorFlow's decode_image", () => {
  for (const [name, modes] of Object.entries(decoded)) {
    for (const [mode, want] of Object.entries(modes) as [Mode, { shape: number[]; pixels: number[]; accurate?: number[] }][]) {
      it(`${name} as ${mode}`, () => {
        const image = decodeImageChannels(source(name), name, CHANNELS[mode]);
        expect([image.height, image.width, image.channels]).toEqual(want.shape);
        if (name.endsWith(".jpg")) {
          // Exactly TF's decoding with the accurate IDCT (gray from colour: TF takes the Y
          // plane, simdnet computes it from RGB, within 1); near TF's default fast IDCT.
          const accurate = want.accurate!;
          if (mode === "grayscale" && name !== "grayjpeg.jpg") expectClose(Array.from(image.data), accurate, name, 0, 1);
          else expect(Array.from(image.data)).toEqual(accurate);
          expectClose(Array.from(image.data), want.pixels, name, 0, JPEG_TOLERANCE);
        } else if (name === "noise.png" && mode === "grayscale") {
          // libpng's fixed-point RGB-to-gray rounds a few ties differently: 2 of 1024 here.
          expectClose(Array.from(image.data), want.pixels, name, 0, 1);
          expect(want.pixels.filter((v, i) => v !== image.data[i]).length).toBeLessThanOrEqual(4);
        } else {
          expect(Array.from(image.data)).toEqual(want.pixels);
        }
      });
    }
  }

  it("the JPEG decoder is far closer than the tolerance on average", () => {
    const want = decoded["photo.jpg"]!.rgb!.pixels;
    const got = decodeImageChannels(source("photo.jpg"), "photo.jpg", 3).data;
    const mean = want.reduce((s, v, i) => s + Math.abs(v - got[i]!), 0) / want.length;
    expect(mean).toBeLessThan(1.5);
  });
});

describe("resizeBilinear matches Keras's image_dataset_from_directory", () => {
  for (const c of resized.cases) {
    const [h, w] = c.size;
    it(`${c.file} ${c.colorMode} to ${h}x${w}, from TF's decoded pixels (1e-4)`, () => {
      const src = decoded[c.file]![c.colorMode]!;
      const [sh, sw, ch] = src.shape as [number, number, number];
      expectClose(resizeBilinear(src.pixels, sh, sw, ch, h, w), c.values, `${c.file} ${c.colorMode}`, 0, 1e-4);
    });
    it(`${c.file} ${c.colorMode} to ${h}x${w}, decoded by simdnet`, () => {
      const image = decodeImageChannels(source(c.file), c.file, CHANNELS[c.colorMode]);
      const out = resizeBilinear(image.data, image.height, image.width, image.channels, h, w);
      expectClose(out, c.values, `${c.file} ${c.colorMode}`, 0, c.file.endsWith(".jpg") ? JPEG_TOLERANCE : 1e-4);
    });
  }

  it("is the identity at the same size and keeps a constant image constant", () => {
    const next = rng(3);
    const src = Float32Array.from({ length: 5 * 7 * 2 }, () => Math.floor(next() * 256));
    expect(Array.from(resizeBilinear(src, 5, 7, 2, 5, 7))).toEqual(Array.from(src));
    const flat = new Float32Array(4 * 6 * 3).fill(77);
    for (const [h, w] of [[1, 1], [9, 2], [13, 17]]) expect(resizeBilinear(flat, 4, 6, 3, h!, w!).every((v) => v === 77)).toBe(true);
  });

  it("writes at an offset and checks its arguments", () => {
    const out = new Float32Array(10).fill(-1);
    resizeBilinear([1, 2, 3, 4], 2, 2, 1, 2, 2, out, 3);
    expect(Array.from(out)).toEqual([-1, -1, -1, 1, 2, 3, 4, -1, -1, -1]);
    expect(() => resizeBilinear([1, 2, 3], 2, 2, 1, 2, 2)).toThrow(/src holds 3 values, expected 4/);
    expect(() => resizeBilinear([1, 2, 3, 4], 2, 2, 1, 0, 2)).toThrow(/outH must be a whole number >= 1, received 0/);
    expect(() => resizeBilinear([1, 2, 3, 4], 2, 2, 1, 2, 2, new Float32Array(6), 3)).toThrow(/room for 4 values from offset 3/);
  });
});

/** A PNG whose IHDR claims `w` x `h` (no pixel data needed to read the size). */
function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  b[24] = 8; b[25] = 2;
  return b;
}

/** SOI, an APP0 segment, then a baseline SOF0 claiming `w` x `h`. */
function jpegHeader(w: number, h: number): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0]);
}

/** A BMP file of `bits` per pixel, bottom-up, with `palette` (RGB triples) when <= 8 bits. */
function bmp(w: number, h: number, bits: number, rows: number[][], palette: number[][] = []): Uint8Array {
  const stride = Math.ceil((w * bits) / 32) * 4;
  const offset = 54 + palette.length * 4;
  const b = new Uint8Array(offset + stride * h);
  const v = new DataView(b.buffer);
  b[0] = 0x42; b[1] = 0x4d;
  v.setUint32(2, b.length, true); v.setUint32(10, offset, true); v.setUint32(14, 40, true);
  v.setInt32(18, w, true); v.setInt32(22, h, true); v.setUint16(26, 1, true); v.setUint16(28, bits, true);
  v.setUint32(46, palette.length, true);
  palette.forEach(([r, g, bl], k) => b.set([bl!, g!, r!, 0], 54 + 4 * k));
  // rows[y] are the packed bytes of image row y; the file stores the last row first.
  rows.forEach((row, y) => b.set(row, offset + (h - 1 - y) * stride));
  return b;
}

describe("headers and limits", () => {
  it("reads every golden source's size from its header alone", () => {
    for (const [name, modes] of Object.entries(decoded)) {
      const [h, w] = Object.values(modes)[0]!.shape;
      const header = readImageHeader(source(name), name);
      expect([header.height, header.width], name).toEqual([h, w]);
      expect(header.format).toBe(sniffImageFormat(source(name)));
    }
  });

  it("refuses a 20000 x 20000 image from its header, before decoding", () => {
    expect(() => readImageHeader(pngHeader(20000, 20000), "big.png")).toThrow(/big\.png: a 20000 x 20000 image \(400\.0 Mpx\) is larger than the 64 Mpx simdnet decodes \(MAX_IMAGE_PIXELS\)/);
    expect(() => decodeImageBytes(jpegHeader(20000, 20000), "big.jpg")).toThrow(/big\.jpg: a 20000 x 20000 image/);
    expect(() => decodeJpeg(jpegHeader(20000, 20000))).toThrow(/decodeJpeg: a 20000 x 20000 image/);
    const bigBmp = bmp(1, 1, 24, [[0, 0, 0]]);
    new DataView(bigBmp.buffer).setInt32(18, 20000, true);
    new DataView(bigBmp.buffer).setInt32(22, -20000, true);
    expect(() => decodeImageBytes(bigBmp, "big.bmp")).toThrow(/big\.bmp: a 20000 x 20000 image/);
    expect(() => readImageHeader(pngHeader(8192, 8192), "ok.png")).not.toThrow();
    expect(() => readImageHeader(pngHeader(8192, 8193), "no.png")).toThrow(/larger than/);
    expect(MAX_IMAGE_PIXELS).toBe(8192 * 8192);
  });

  it("names the file for unknown, empty and truncated data", () => {
    expect(() => decodeImageBytes(new TextEncoder().encode("hello"), "a/notes.png")).toThrow(/a\/notes\.png: not a PNG, JPEG, BMP or GIF image \(it starts with bytes 68 65 6c 6c\)/);
    expect(() => decodeImageBytes(new Uint8Array(0), "e.jpg")).toThrow(/e\.jpg: not a PNG.*\(empty file\)/);
    expect(() => decodeImageBytes(jpegHeader(4, 4).subarray(0, 12), "t.jpg")).toThrow(/t\.jpg: truncated JPEG file/);
    const photo = source("photo.jpg");
    for (const cut of [photo.length - 2, Math.floor(photo.length * 0.6), 200]) {
      expect(() => decodeImageBytes(photo.subarray(0, cut), "cut.jpg"), `cut at ${cut}`).toThrow(/cut\.jpg: decodeJpeg: corrupt or truncated JPEG data/);
    }
    const png = source("rgb.png");
    expect(() => decodeImageBytes(png.subarray(0, png.length - 20), "cut.png")).toThrow(/cut\.png: decodePng: truncated/);
    const gif = source("palette.gif");
    expect(() => decodeImageBytes(gif.subarray(0, gif.length - 12), "cut.gif")).toThrow(/cut\.gif: decodeGif: truncated file/);
  });

  it("tells formats by their bytes, whatever the extension", () => {
    const png = decodeImageBytes(source("rgb.png"), "really-a-png.jpg");
    expect(png.channels).toBe(3);
    expect(sniffImageFormat(Uint8Array.from([1, 2, 3]))).toBe(null);
  });
});

describe("BMP variants", () => {
  it("decodes 1-, 4- and 8-bit palette images and 24-bit ones, as their pixels say", () => {
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 8, 7]];
    // 3 x 2 pixels with indices [[0, 1, 2], [3, 2, 1]].
    const want = [0, 1, 2, 3, 2, 1].flatMap((k) => palette[k]!);
    const four = bmp(3, 2, 4, [[0x01, 0x20], [0x32, 0x10]], palette);
    expect(Array.from(decodeBmp(four).data)).toEqual(want);
    const eight = bmp(3, 2, 8, [[0, 1, 2], [3, 2, 1]], palette);
    expect(Array.from(decodeBmp(eight).data)).toEqual(want);
    const one = bmp(3, 2, 1, [[0b10100000], [0b01000000]], [[0, 0, 0], [255, 255, 255]]);
    expect(Array.from(toChannels(decodeBmp(one), 1))).toEqual([255, 0, 255, 0, 255, 0]);
    const rgb = bmp(2, 1, 24, [[3, 2, 1, 6, 5, 4]]);
    expect(Array.from(decodeBmp(rgb).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("refuses compressed, truncated and out-of-palette BMPs", () => {
    const rle = bmp(2, 2, 8, [[0, 0], [0, 0]], [[0, 0, 0]]);
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle)).toThrow(/decodeBmp: RLE8 BMPs are not supported/);
    const full = bmp(4, 4, 24, [[], [], [], []]);
    expect(() => decodeBmp(full.subarray(0, full.length - 5))).toThrow(/decodeBmp: truncated file: 4 rows of 12 bytes/);
    const bad = bmp(2, 1, 8, [[0, 5]], [[0, 0, 0], [1, 1, 1]]);
    expect(() => decodeBmp(bad)).toThrow(/pixel \(1, 0\) uses palette entry 5, but the palette has 2 colours/);
    const bits = bmp(1, 1, 24, [[0, 0, 0]]);
    new DataView(bits.buffer).setUint16(28, 16, true);
    expect(() => decodeBmp(bits)).toThrow(/16 bits per pixel is not supported/);
  });
});

describe("GIF", () => {
  it("refuses bad LZW codes and files without an image", () => {
    const gif = source("palette.gif").slice();
    // The image data starts after header (13), table (48), descriptor (10) and code size (1): garble it.
    gif.fill(0xff, 13 + 48 + 10 + 2, 13 + 48 + 10 + 8);
    expect(() => decodeGif(gif)).toThrow(/decodeGif: (invalid LZW code|image data)/);
    const none = Uint8Array.from([...new TextEncoder().encode("GIF89a"), 1, 0, 1, 0, 0, 0, 0, 0x3b]);
    expect(() => decodeGif(none)).toThrow(/the file ends before any image/);
  });
});
