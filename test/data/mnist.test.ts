import { describe, expect, it } from "vitest";
import { decodeMnistDigits, loadMnist, loadMnistDigits } from "../../ts/data/mnist.js";

function counts(y: Float32Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("loadMnistDigits", () => {
  it("loads all 10,000 real digits in class order, pixels in [0, 1]", () => {
    const { x, y } = loadMnistDigits();
    expect(x.shape).toEqual([10000, 28, 28, 1]);
    expect(y.shape).toEqual([10000]);
    for (const c of counts(y.data)) {
      expect(c).toBeGreaterThan(800);
      expect(c).toBeLessThan(1200);
    }
    for (let i = 1; i < y.data.length; i++) expect(y.data[i]! >= y.data[i - 1]!).toBe(true);
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of x.data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // MNIST is mostly black background: the mean intensity is about 0.13.
    expect(sum / x.data.length).toBeGreaterThan(0.08);
    expect(sum / x.data.length).toBeLessThan(0.2);
  });

  it("returns copies, so mutating one result does not change the next", () => {
    const a = loadMnistDigits();
    a.x.data.fill(7);
    a.y.data.fill(7);
    const b = loadMnistDigits();
    expect(b.x.data[0]).toBe(0);
    expect(b.y.data[0]).toBe(0);
  });
});

describe("loadMnist", () => {
  it("splits 8,000 / 2,000 by default with every class in both sets", () => {
    const { train, test } = loadMnist();
    expect(train.x.shape).toEqual([8000, 28, 28, 1]);
    expect(train.y.shape).toEqual([8000]);
    expect(test.x.shape).toEqual([2000, 28, 28, 1]);
    expect(test.y.shape).toEqual([2000]);
    for (const c of counts(train.y.data)) expect(c).toBeGreaterThan(600);
    for (const c of counts(test.y.data)) expect(c).toBeGreaterThan(130);
  });

  it("keeps each image with its label and uses every image once", () => {
    const all = loadMnistDigits();
    const { train, test } = loadMnist({ seed: 3, testCount: 500 });
    // Index the originals by content so that each split image can be traced back.
    const byKey = new Map<string, number[]>();
    const key = (d: Float32Array, i: number) => Array.from(d.subarray(i * 784, (i + 1) * 784)).join(",");
    for (let i = 0; i < 10000; i++) {
      const k = key(all.x.data, i);
      byKey.set(k, [...(byKey.get(k) ?? []), all.y.data[i]!]);
    }
    const seen = new Map<string, number>();
    for (const part of [train, test]) {
      for (let i = 0; i < part.y.data.length; i++) {
        const k = key(part.x.data, i);
        expect(byKey.get(k), `image ${i}`).toContain(part.y.data[i]);
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    }
    for (const [k, labels] of byKey) expect(seen.get(k)).toBe(labels.length);
  });

  it("is reproducible for a seed and differs between seeds", () => {
    const a = loadMnist({ seed: 11 });
    const b = loadMnist({ seed: 11 });
    const c = loadMnist({ seed: 12 });
    expect(Array.from(a.test.y.data)).toEqual(Array.from(b.test.y.data));
    // A plain loop: vitest's deep equality is very slow on 6 million floats.
    expect(firstDifference(a.train.x.data, b.train.x.data)).toBe(-1);
    expect(Array.from(a.test.y.data)).not.toEqual(Array.from(c.test.y.data));
    // Shuffled, not class-sorted.
    expect(Array.from(a.train.y.data.subarray(0, 50)).some((v) => v !== a.train.y.data[0])).toBe(true);
  });

  it("honours testCount at the edges and rejects bad options", () => {
    expect(loadMnist({ testCount: 0 }).test.y.shape).toEqual([0]);
    expect(loadMnist({ testCount: 10000 }).train.x.shape).toEqual([0, 28, 28, 1]);
    expect(() => loadMnist({ testCount: 10001 })).toThrow("loadMnist: testCount must be a whole number in [0, 10000], received 10001");
    expect(() => loadMnist({ testCount: 1.5 })).toThrow(/testCount .* received 1.5/);
    expect(() => loadMnist({ testCount: -1 })).toThrow(/testCount .* received -1/);
    expect(() => loadMnist({ seed: 0.5 })).toThrow("loadMnist: seed must be a safe integer, received 0.5");
  });
});

describe("decodeMnistDigits", () => {
  it("lays out images by class and labels them", () => {
    const perDigit = Array.from({ length: 10 }, (_, d) => new Array<number>(784 * (d % 3)).fill(d / 10));
    const { x, y } = decodeMnistDigits(perDigit);
    expect(x.shape).toEqual([9, 28, 28, 1]);
    expect(Array.from(y.data)).toEqual([1, 2, 2, 4, 5, 5, 7, 8, 8]);
    expect(x.data[784 * 3]).toBeCloseTo(0.4);
  });

  it("rejects malformed input by name", () => {
    const ok = () => Array.from({ length: 10 }, () => new Array<number>(784).fill(0));
    expect(() => decodeMnistDigits(ok().slice(0, 9))).toThrow("decodeMnistDigits: perDigit must be an array of 10 pixel arrays (one per digit), received 9 arrays");
    const short = ok();
    short[4] = new Array<number>(783).fill(0);
    expect(() => decodeMnistDigits(short)).toThrow("perDigit[4] has 783 values, expected a multiple of 784");
    const nan = ok();
    nan[2]![5] = NaN;
    expect(() => decodeMnistDigits(nan)).toThrow("perDigit[2][5] is NaN, expected a pixel value in [0, 1]");
    const big = ok();
    big[9]![0] = 255;
    expect(() => decodeMnistDigits(big)).toThrow("perDigit[9][0] is 255");
  });
});
