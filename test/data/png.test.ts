import { crc32 as zlibCrc32, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, decodePng, encodePng, pngToDigit } from "../../ts/data/png.js";
import { imageToDigit } from "../../ts/data/to_digit.js";
import { expectClose } from "../helpers/assert.js";
import { randomInt, rng } from "../helpers/random.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A chunk with its CRC from Node's zlib (independent of the decoder's CRC). */
function chunk(type: string, data: ArrayLike<number>): number[] {
  const body = [...type].map((ch) => ch.charCodeAt(0)).concat(Array.from(data));
  const crc = zlibCrc32(Uint8Array.from(body));
  return [...u32(data.length), ...body, ...u32(crc)];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

function paeth(a: number, b: number, c: number): number {
  // As written in the PNG specification, section 9.4.
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

/** Applies filter `f` to row `y` of `samples` (bpp bytes per pixel), the encoder's side. */
function filterRow(samples: Uint8Array, y: number, stride: number, bpp: number, f: number): number[] {
  const at = (yy: number, x: number) => (yy < 0 || x < 0 ? 0 : samples[yy * stride + x]!);
  const out = [f];
  for (let x = 0; x < stride; x++) {
    const [raw, a, b, c] = [at(y, x), at(y, x - bpp), at(y - 1, x), at(y - 1, x - bpp)];
    const pred = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][f]!;
    out.push((raw - pred + 256) & 255);
  }
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  colorType: number;
  samples: Uint8Array;
  filters: number[];
  palette?: number[];
  trns?: number[];
  idatParts?: number;
  extra?: number[];
  ihdr?: Partial<{ depth: number; interlace: number; width: number; height: number }>;
}

/** Builds a PNG byte by byte: IHDR, optional PLTE/tRNS and a tEXt, IDAT split in parts, IEND. */
function makePng(s: PngSpec): Uint8Array {
  const bpp = CHANNELS[s.colorType]!;
  const stride = s.width * bpp;
  const raw: number[] = [];
  for (let y = 0; y < s.height; y++) raw.push(...filterRow(s.samples, y, stride, bpp, s.filters[y % s.filters.length]!));
  const z = Array.from(deflateSync(Uint8Array.from(raw)));
  const parts = s.idatParts ?? 1;
  const cut = Math.ceil(z.length / parts);
  const ihdr = [...u32(s.ihdr?.width ?? s.width), ...u32(s.ihdr?.height ?? s.height), s.ihdr?.depth ?? 8, s.colorType, 0, 0, s.ihdr?.interlace ?? 0];
  const out = [...SIGNATURE, ...chunk("IHDR", ihdr), ...chunk("tEXt", [..."Comment\0hi"].map((c) => c.charCodeAt(0)))];
  if (s.palette) out.push(...chunk("PLTE", s.palette));
  if (s.trns) out.push(...chunk("tRNS", s.trns));
  for (let p = 0; p < parts; p++) out.push(...chunk("IDAT", z.slice(p * cut, (p + 1) * cut)));
  out.push(...(s.extra ?? []), ...chunk("IEND", []));
  return Uint8Array.from(out);
}

function randomBytes(next: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

describe("decodePng", () => {
  it("computes the PNG CRC-32 like zlib", () => {
    const next = rng(1);
    for (let n = 0; n < 50; n++) {
      const b = randomBytes(next, n * 7);
      expect(crc32(b)).toBe(zlibCrc32(b));
    }
    expect(crc32(Uint8Array.from([..."IEND"].map((c) => c.charCodeAt(0))))).toBe(0xae426082);
  });

  it("round-trips encodePng on random grayscale images", () => {
    const next = rng(2);
    for (let trial = 0; trial < 15; trial++) {
      const [w, h] = [randomInt(next, 1, 40), randomInt(next, 1, 40)];
      const gray = randomBytes(next, w * h);
      expect(decodePng(encodePng(gray, w, h))).toEqual({ width: w, height: h, channels: 1, data: gray });
    }
  });

  it("decodes every colour type with every filter, IDAT split over chunks", () => {
    const next = rng(3);
    for (const colorType of [0, 2, 4, 6]) {
      for (const filters of [[0], [1], [2], [3], [4], [4, 1, 3, 0, 2]]) {
        const [w, h] = [randomInt(next, 1, 9), randomInt(next, 2, 9)];
        const samples = randomBytes(next, w * h * CHANNELS[colorType]!);
        const png = decodePng(makePng({ width: w, height: h, colorType, samples, filters, idatParts: randomInt(next, 1, 3) }));
        expect(png, `colour type ${colorType}, filters ${filters}`).toEqual({ width: w, height: h, channels: CHANNELS[colorType], data: samples });
      }
    }
    // Few distinct values make the Paeth predictor's ties (pb == pc with b != c) occur.
    const samples = Uint8Array.from({ length: 30 * 30 * 3 }, () => randomInt(next, 0, 3) * 50);
    expect(decodePng(makePng({ width: 30, height: 30, colorType: 2, samples, filters: [4] })).data).toEqual(samples);
  });

  it("expands palettes to RGB, or RGBA with tRNS", () => {
    const palette = [10, 20, 30, 40, 50, 60, 70, 80, 90];
    const samples = Uint8Array.from([0, 1, 2, 2, 1, 0]);
    const rgb = decodePng(makePng({ width: 3, height: 2, colorType: 3, samples, filters: [4, 2], palette }));
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 70, 80, 90, 40, 50, 60, 10, 20, 30]);
    const rgba = decodePng(makePng({ width: 3, height: 2, colorType: 3, samples, filters: [1], palette, trns: [0, 128] }));
    expect(rgba.channels).toBe(4);
    expect(Array.from(rgba.data.subarray(0, 12))).toEqual([10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255]);
  });

  it("reports each malformed file by what and where", () => {
    const good = encodePng(Uint8Array.from([1, 2, 3, 4]), 2, 2);
    const bad = (f: (b: Uint8Array) => Uint8Array | void) => {
      const b = good.slice();
      return () => decodePng(f(b) ?? b);
    };
    expect(bad((b) => void (b[1] = 0))).toThrow("decodePng: not a PNG file: the first 8 bytes are not the PNG signature");
    // IHDR starts at 8: its data at 16..29, CRC at 29..33; IDAT at 33.
    expect(bad((b) => void (b[20] ^= 1))).toThrow(/^decodePng: bad CRC in chunk IHDR at offset 8: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/);
    expect(bad((b) => void (b[43] ^= 0x40))).toThrow("decodePng: bad CRC in chunk IDAT at offset 33");
    expect(bad((b) => b.subarray(0, 30))).toThrow("decodePng: truncated file: chunk IHDR at offset 8 declares 13 data bytes, only 10 remain");
    expect(bad((b) => b.subarray(0, good.length - 12))).toThrow(`decodePng: truncated file: chunk header at offset ${good.length - 12} needs 12 bytes, 0 remain (no IEND chunk)`);
    expect(bad((b) => b.subarray(0, good.length - 5))).toThrow(`truncated file: chunk header at offset ${good.length - 12} needs 12 bytes, 7 remain`);
    expect(() => decodePng(Uint8Array.from([...good, 0, 0]))).toThrow(`decodePng: 2 trailing bytes after IEND at offset ${good.length}`);
    expect(() => decodePng(new Uint8Array(3))).toThrow("not a PNG file");
  });

  it("rejects unsupported or inconsistent images with a clear reason", () => {
    const gray = (extra: Partial<PngSpec>) => () => decodePng(makePng({ width: 2, height: 2, colorType: 0, samples: new Uint8Array(4), filters: [0], ...extra }));
    expect(gray({ ihdr: { interlace: 1 } })).toThrow("decodePng: interlaced (Adam7) images are not supported; save the PNG without interlacing");
    expect(gray({ ihdr: { depth: 16 } })).toThrow("decodePng: bit depth 16 (grayscale) is not supported; expected 8");
    expect(gray({ colorType: 3 })).toThrow("decodePng: palette image without a PLTE chunk");
    expect(gray({ colorType: 3, samples: Uint8Array.from([0, 1, 0, 2]), palette: [1, 2, 3, 4, 5, 6] })).toThrow("decodePng: pixel 3 uses palette entry 2, but PLTE has 2 entries");
    expect(gray({ filters: [0, 5] })).toThrow("decodePng: row 1 has unknown filter type 5; expected 0 to 4");
    expect(gray({ ihdr: { width: 3 } })).toThrow("decodePng: image data inflates to 6 bytes; a 3 x 2 grayscale image needs 8");
    expect(gray({ ihdr: { height: 1 } })).toThrow("decodePng: image data inflates to more than the 3 bytes a 2 x 1 grayscale image needs");
    expect(gray({ extra: chunk("abCD", [1]) })).not.toThrow();
    expect(gray({ extra: chunk("ABCD", [1]) })).toThrow(/^decodePng: unknown critical chunk ABCD at offset \d+$/);
    const noIhdr = Uint8Array.from([...SIGNATURE, ...chunk("IDAT", [1]), ...chunk("IEND", [])]);
    expect(() => decodePng(noIhdr)).toThrow("decodePng: first chunk is IDAT at offset 8; expected IHDR");
    const noIdat = Uint8Array.from([...SIGNATURE, ...chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]), ...chunk("IEND", [])]);
    expect(() => decodePng(noIdat)).toThrow("decodePng: no IDAT chunk (no image data)");
    const corrupt = Uint8Array.from([...SIGNATURE, ...chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]), ...chunk("IDAT", [1, 2, 3]), ...chunk("IEND", [])]);
    expect(() => decodePng(corrupt)).toThrow("decodePng: image data is corrupt or truncated");
    const huge = Uint8Array.from([...SIGNATURE, ...chunk("IHDR", [0, 0, 0x80, 0, 0, 0, 0x80, 0, 8, 6, 0, 0, 0]), ...chunk("IDAT", [1]), ...chunk("IEND", [])]);
    expect(() => decodePng(huge)).toThrow("decodePng: a 32768 x 32768 RGBA image is too large");
    expect(() => encodePng(new Uint8Array(3), 2, 2)).toThrow("encodePng: gray must be a Uint8Array of 4 values (2 x 2), received 3 values");
  });
});

describe("pngToDigit", () => {
  it("inverts a dark digit on white paper and keeps white on black", () => {
    const next = rng(4);
    const ink = randomBytes(next, 784).map((v) => (v < 128 ? 255 : v)); // light background
    const fromPaper = pngToDigit(encodePng(ink, 28, 28));
    expectClose(fromPaper, Array.from(ink, (v) => 1 - v / 255), "inverted", 0, 1e-6);
    const dark = Uint8Array.from(ink, (v) => 255 - v);
    expectClose(pngToDigit(decodePng(encodePng(dark, 28, 28))), Array.from(dark, (v) => v / 255), "kept", 0, 1e-6);
  });

  it("averages areas when shrinking", () => {
    // 84 x 84 of 3 x 3 blocks, each block one random value: every output pixel is its block.
    const next = rng(5);
    const blocks = randomBytes(next, 784).map((v) => v >> 1); // dark border on average
    const big = new Uint8Array(84 * 84);
    for (let y = 0; y < 84; y++) for (let x = 0; x < 84; x++) big[y * 84 + x] = blocks[Math.floor(y / 3) * 28 + Math.floor(x / 3)]!;
    expectClose(pngToDigit(encodePng(big, 84, 84)), Array.from(blocks, (v) => v / 255), "block means", 0, 1e-5);
    // Other sizes against a reference: split every source pixel into 28 x 28 sub-pixels;
    // an output pixel is then the mean of a side x side block of sub-pixels.
    for (let trial = 0; trial < 6; trial++) {
      const side = randomInt(next, 5, 45);
      const img = randomBytes(next, side * side).map((v) => v >> 1);
      const expected = new Float64Array(784);
      for (let sy = 0; sy < side * 28; sy++) {
        for (let sx = 0; sx < side * 28; sx++) {
          expected[Math.floor(sy / side) * 28 + Math.floor(sx / side)] += img[Math.floor(sy / 28) * side + Math.floor(sx / 28)]! / 255 / (side * side);
        }
      }
      expectClose(imageToDigit({ width: side, height: side, channels: 1, data: img }), expected, `side ${side}`, 0, 1e-5);
    }
  });

  it("keeps the aspect ratio by padding with the background, and composites alpha over white", () => {
    // A 56 x 28 white image with a black 2 x 2 dot in its middle.
    const wide = new Uint8Array(56 * 28).fill(255);
    for (const [y, x] of [[13, 27], [13, 28], [14, 27], [14, 28]]) wide[y! * 56 + x!] = 0;
    const out = pngToDigit(encodePng(wide, 56, 28));
    // Scale 2: the dot covers the centre output pixel (13.5 / 2 -> row 6 of the 14-row band at rows 7..20).
    let sum = 0;
    out.forEach((v) => (sum += v));
    expect(sum).toBeCloseTo(1, 5);
    expect(out[13 * 28 + 13]! + out[13 * 28 + 14]! + out[14 * 28 + 13]! + out[14 * 28 + 14]!).toBeCloseTo(1, 5);
    // Black ink on a transparent background (RGBA) reads as a white digit on black.
    const rgba = new Uint8Array(28 * 28 * 4);
    rgba.set([0, 0, 0, 255], (10 * 28 + 12) * 4);
    const digit = imageToDigit({ width: 28, height: 28, channels: 4, data: rgba });
    expect(digit[10 * 28 + 12]).toBe(1);
    expect(digit.reduce((a, b) => a + b)).toBe(1);
  });

  it("checks its input", () => {
    expect(() => imageToDigit({ width: 2, height: 2, channels: 5, data: new Uint8Array(20) })).toThrow("imageToDigit: channels must be 1, 2, 3 or 4, received 5");
    expect(() => imageToDigit({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow("imageToDigit: data must be a Uint8Array of 12 values (2 x 2 x 3), received 11 values");
    expect(() => imageToDigit({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow("imageToDigit: width must be a whole number >= 1, received 0");
  });
});
