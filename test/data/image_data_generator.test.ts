import { describe, expect, it } from "vitest";
import { ImageDataGenerator, type AffineParams } from "../../ts/data/image_data_generator.js";
import { Random } from "../../ts/random.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

const NONE: AffineParams = { rotation: 0, shiftX: 0, shiftY: 0, zoomX: 1, zoomY: 1, flipHorizontal: false };
const gen = new ImageDataGenerator();

function dot(h: number, w: number, row: number, col: number): Float32Array {
  const img = new Float32Array(h * w);
  img[row * w + col] = 1;
  return img;
}

function apply(img: Float32Array, h: number, w: number, p: Partial<AffineParams>, c = 1): Float32Array {
  const out = new Float32Array(h * w * c).fill(NaN);
  gen.applyTransform(img, h, w, c, { ...NONE, ...p }, out);
  return out;
}

function centroid(img: Float32Array, w: number): [number, number] {
  let m = 0, r = 0, c = 0;
  img.forEach((v, i) => {
    m += v;
    r += v * Math.floor(i / w);
    c += v * (i % w);
  });
  return [r / m, c / m];
}

/** Pixels at or above 0.5, as "row,col" strings. */
function lit(img: Float32Array, w: number): string[] {
  const out: string[] = [];
  img.forEach((v, i) => v >= 0.5 && out.push(`${Math.floor(i / w)},${i % w}`));
  return out;
}

describe("ImageDataGenerator geometry", () => {
  it("is the identity when every range is 0, on any image", () => {
    const next = rng(1);
    for (let trial = 0; trial < 10; trial++) {
      const [h, w, c] = [randomInt(next, 1, 9), randomInt(next, 1, 9), randomInt(next, 1, 3)];
      const img = randomArray(next, h * w * c);
      const out = new Float32Array(img.length);
      gen.randomTransform(img, h, w, c, new Random(trial), out);
      expect(out).toEqual(img);
      expect(apply(img, h, w, NONE, c)).toEqual(img);
    }
  });

  it("moves a dot by a whole-pixel shift exactly (positive x right, positive y down)", () => {
    const out = apply(dot(16, 12, 5, 6), 16, 12, { shiftX: 3, shiftY: -2 });
    expect(lit(out, 12)).toEqual(["3,9"]);
    expect(out[3 * 12 + 9]).toBe(1);
    expect(out.reduce((a, b) => a + b)).toBe(1);
  });

  it("moves the centroid by any fractional shift", () => {
    const next = rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const shiftX = (next() - 0.5) * 8, shiftY = (next() - 0.5) * 8;
      const [r, c] = [randomInt(next, 6, 13), randomInt(next, 6, 13)];
      const [cr, cc] = centroid(apply(dot(20, 20, r, c), 20, 20, { shiftX, shiftY }), 20);
      expect(cr).toBeCloseTo(r + shiftY, 5);
      expect(cc).toBeCloseTo(c + shiftX, 5);
    }
  });

  it("repeats the edge pixels where the shift uncovers the border (fill mode nearest)", () => {
    const [h, w] = [4, 6];
    const img = Float32Array.from({ length: h * w }, (_, i) => i + 1);
    const out = apply(img, h, w, { shiftX: 2 });
    for (let r = 0; r < h; r++) {
      expect(Array.from(out.subarray(r * w, (r + 1) * w))).toEqual([0, 0, 0, 1, 2, 3].map((k) => img[r * w + k]!));
    }
  });

  it("turns a horizontal bar vertical at 90 degrees, counter-clockwise on screen", () => {
    const bar = new Float32Array(81);
    for (let c = 1; c <= 7; c++) bar[4 * 9 + c] = 1;
    expectClose(apply(bar, 9, 9, { rotation: 90 }), Array.from({ length: 81 }, (_, i) => (i % 9 === 4 && i >= 9 && i < 72 ? 1 : 0)), "rotated bar", 0, 1e-6);
    // A dot right of the centre goes above it.
    expect(lit(apply(dot(9, 9, 4, 7), 9, 9, { rotation: 90 }), 9)).toEqual(["1,4"]);
    expect(lit(apply(dot(9, 9, 4, 7), 9, 9, { rotation: -90 }), 9)).toEqual(["7,4"]);
  });

  it("mirrors left-right when flipping", () => {
    const next = rng(3);
    const [h, w, c] = [5, 7, 2];
    const img = randomArray(next, h * w * c);
    const out = apply(img, h, w, { flipHorizontal: true }, c);
    for (let r = 0; r < h; r++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
      expect(out[(r * w + x) * c + k]).toBe(img[(r * w + (w - 1 - x)) * c + k]);
    }
  });

  it("doubles a centred square at zoom 0.5 and halves it at zoom 2 (Keras's direction)", () => {
    const square = new Float32Array(400);
    for (let r = 8; r < 12; r++) for (let c = 8; c < 12; c++) square[r * 20 + c] = 1;
    const big = lit(apply(square, 20, 20, { zoomX: 0.5, zoomY: 0.5 }), 20);
    expect(big).toHaveLength(64);
    expect(big[0]).toBe("6,6");
    expect(big[63]).toBe("13,13");
    expect(lit(apply(square, 20, 20, { zoomX: 2, zoomY: 2 }), 20)).toEqual(["9,9", "9,10", "10,9", "10,10"]);
    // Zooming one axis only stretches that axis.
    const wide = lit(apply(square, 20, 20, { zoomX: 0.5 }), 20);
    expect(wide).toHaveLength(32);
    expect(wide[0]).toBe("8,6");
  });

  it("places a dot where the forward transform (zoom, rotate, shift, flip) sends it", () => {
    const next = rng(4);
    const [h, w] = [32, 30];
    const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
    for (let trial = 0; trial < 40; trial++) {
      const p: AffineParams = {
        rotation: (next() - 0.5) * 60, shiftX: (next() - 0.5) * 6, shiftY: (next() - 0.5) * 6,
        zoomX: 0.8 + next() * 0.45, zoomY: 0.8 + next() * 0.45, flipHorizontal: next() < 0.5,
      };
      const [r, c] = [randomInt(next, 10, h - 11), randomInt(next, 10, w - 11)];
      // Forward: scale by 1/zoom, rotate counter-clockwise on screen (y points down), shift, mirror.
      const t = (p.rotation * Math.PI) / 180;
      const [x, y] = [(c - cx) / p.zoomX, (r - cy) / p.zoomY];
      let ox = cx + p.shiftX + x * Math.cos(t) + y * Math.sin(t);
      const oy = cy + p.shiftY - x * Math.sin(t) + y * Math.cos(t);
      if (p.flipHorizontal) ox = w - 1 - ox;
      const [cr, cc] = centroid(apply(dot(h, w, r, c), h, w, p), w);
      expect(Math.hypot(cr - oy, cc - ox), `trial ${trial}: ${JSON.stringify(p)}`).toBeLessThan(0.6);
    }
  });
});

describe("ImageDataGenerator.randomTransform", () => {
  it("draws within the ranges (fractions of the size below 1, pixels from 1) and applies what it returns", () => {
    const g = new ImageDataGenerator({ rotationRange: 20, widthShiftRange: 0.25, heightShiftRange: 3, zoomRange: 0.1, horizontalFlip: true });
    const random = new Random(9);
    const next = rng(9);
    const [h, w, c] = [12, 20, 2];
    const seen = { shiftX: [] as number[], shiftY: [] as number[], rotation: [] as number[], zoom: [] as number[], flips: 0 };
    for (let i = 0; i < 300; i++) {
      const img = randomArray(next, h * w * c, 0, 1);
      const out = new Float32Array(img.length);
      const p = g.randomTransform(img, h, w, c, random, out);
      seen.shiftX.push(p.shiftX);
      seen.shiftY.push(p.shiftY);
      seen.rotation.push(p.rotation);
      seen.zoom.push(p.zoomX, p.zoomY);
      seen.flips += p.flipHorizontal ? 1 : 0;
      if (i < 10) expect(apply(img, h, w, p, c)).toEqual(out);
    }
    const span = (a: number[]) => [Math.min(...a), Math.max(...a)];
    const [sxLo, sxHi] = span(seen.shiftX);
    expect(sxLo).toBeGreaterThanOrEqual(-5);
    expect(sxLo).toBeLessThan(-4);
    expect(sxHi).toBeLessThanOrEqual(5);
    expect(sxHi).toBeGreaterThan(4);
    const [syLo, syHi] = span(seen.shiftY);
    expect(syLo).toBeGreaterThanOrEqual(-3);
    expect(syHi).toBeLessThanOrEqual(3);
    expect(syHi - syLo).toBeGreaterThan(5);
    const [rLo, rHi] = span(seen.rotation);
    expect(rLo).toBeGreaterThanOrEqual(-20);
    expect(rHi).toBeLessThanOrEqual(20);
    expect(rHi - rLo).toBeGreaterThan(35);
    const [zLo, zHi] = span(seen.zoom);
    expect(zLo).toBeGreaterThanOrEqual(0.9);
    expect(zHi).toBeLessThanOrEqual(1.1);
    expect(seen.flips).toBeGreaterThan(100);
    expect(seen.flips).toBeLessThan(200);
  });

  it("gives the same output for the same seed and different output for another", () => {
    const g = new ImageDataGenerator({ rotationRange: 15, widthShiftRange: 0.1, zoomRange: [0.9, 1.2] });
    const img = randomArray(rng(5), 28 * 28, 0, 1);
    const run = (seed: number) => {
      const out = new Float32Array(img.length);
      g.randomTransform(img, 28, 28, 1, new Random(seed), out);
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it("rejects bad images and buffers by name", () => {
    const img = new Float32Array(12);
    expect(() => gen.randomTransform(img, 3, 4, 1, new Random(0), new Float32Array(11))).toThrow("ImageDataGenerator.randomTransform: out must be a Float32Array of 12 values (3 x 4 x 1), received 11 values");
    expect(() => gen.randomTransform(new Float32Array(5), 3, 4, 1, new Random(0), img)).toThrow("image must be a Float32Array of 12 values (3 x 4 x 1), received 5 values");
    expect(() => gen.randomTransform(img, 0, 4, 1, new Random(0), img)).toThrow("ImageDataGenerator.randomTransform: h must be a whole number >= 1, received 0");
    expect(() => gen.randomTransform(img, 3, 4, 1, new Random(0), img)).toThrow("ImageDataGenerator.randomTransform: out overlaps image; the transform cannot run in place");
    const shared = new Float32Array(20);
    expect(() => gen.randomTransform(shared.subarray(0, 12), 3, 4, 1, new Random(0), shared.subarray(8))).toThrow("out overlaps image");
    expect(() => gen.randomTransform(img, 3, 4, 1, {} as Random, new Float32Array(12))).toThrow("ImageDataGenerator.randomTransform: random must be a Random");
    expect(() => gen.applyTransform(img, 3, 4, 1, { ...NONE, zoomY: 0 }, new Float32Array(12))).toThrow("ImageDataGenerator.applyTransform: params.zoomY must be a finite number > 0, received 0");
    expect(() => gen.applyTransform(img, 3, 4, 1, { ...NONE, rotation: NaN }, new Float32Array(12))).toThrow("params.rotation must be a finite number, received NaN");
  });
});

describe("ImageDataGenerator options", () => {
  it("converts zoomRange like Keras and keeps the options", () => {
    expect(new ImageDataGenerator({ zoomRange: 0.2 }).zoomRange).toEqual([0.8, 1.2]);
    expect(new ImageDataGenerator({ zoomRange: [0.5, 2] }).zoomRange).toEqual([0.5, 2]);
    expect(new ImageDataGenerator().zoomRange).toEqual([1, 1]);
    expect(new ImageDataGenerator({ fillMode: "nearest", seed: 4 }).seed).toBe(4);
  });

  it("rejects every bad option with its name and value", () => {
    const bad: [object, string][] = [
      [{ rotationRange: -1 }, "ImageDataGenerator: rotationRange must be a finite number >= 0, received -1"],
      [{ widthShiftRange: NaN }, "ImageDataGenerator: widthShiftRange must be a finite number >= 0, received NaN"],
      [{ heightShiftRange: "0.1" }, 'ImageDataGenerator: heightShiftRange must be a finite number >= 0, received "0.1"'],
      [{ rotationRange: Infinity }, "rotationRange must be a finite number >= 0, received Infinity"],
      [{ zoomRange: 1 }, "ImageDataGenerator: zoomRange as a number z must be in [0, 1) (it means [1 - z, 1 + z]), received 1"],
      [{ zoomRange: -0.1 }, "zoomRange as a number z must be in [0, 1)"],
      [{ zoomRange: [2, 1] }, "ImageDataGenerator: zoomRange must be a number in [0, 1) or [lo, hi] with 0 < lo <= hi, received [2, 1]"],
      [{ zoomRange: [0, 1] }, "received [0, 1]"],
      [{ zoomRange: [0.5, 1, 2] }, "received [0.5, 1, 2]"],
      [{ zoomRange: [0.5, NaN] }, "received [0.5, NaN]"],
      [{ horizontalFlip: "yes" }, 'ImageDataGenerator: horizontalFlip must be true or false, received "yes"'],
      [{ fillMode: "constant" }, 'ImageDataGenerator: fillMode "constant" is not supported; expected "nearest"'],
      [{ seed: 1.5 }, "ImageDataGenerator: seed must be a safe integer, received 1.5"],
      [{ rotation_range: 10 }, 'ImageDataGenerator: unknown option "rotation_range"; expected one of rotationRange, widthShiftRange'],
    ];
    for (const [options, message] of bad) {
      expect(() => new ImageDataGenerator(options as never), JSON.stringify(options)).toThrow(message);
    }
    expect(() => new ImageDataGenerator(null as never)).toThrow("ImageDataGenerator: options must be an object, received null");
  });
});
