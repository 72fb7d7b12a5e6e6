import { describe, expect, it } from "vitest";
import { arraySource } from "../../ts/data/array_source.js";
import type { BatchSource } from "../../ts/data/batch_source.js";
import { ImageDataGenerator } from "../../ts/data/image_data_generator.js";
import { tensor } from "../../ts/tensor.js";

const [N, H, W, C] = [37, 4, 3, 2];
const SAMPLE = H * W * C;
/** Sample i is filled with the value i, its label is i: order is readable from either. */
const x = tensor(Float32Array.from({ length: N * SAMPLE }, (_, k) => Math.floor(k / SAMPLE)), [N, H, W, C]);
const y = tensor(Float32Array.from({ length: N }, (_, i) => i), [N]);

/**
 * Reads one epoch in batches of `batch`, each into fresh NaN-filled arrays one sample
 * longer than needed, checking that `fill` writes exactly the requested samples.
 */
function epoch(source: BatchSource, e: number, batch: number): { xs: Float32Array; ys: number[] } {
  source.startEpoch(e);
  const sample = SAMPLE, label = source.labelShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(source.length * sample);
  const ys: number[] = [];
  for (let start = 0; start < source.length; start += batch) {
    const count = Math.min(batch, source.length - start);
    const bx = new Float32Array((count + 1) * sample).fill(NaN);
    const by = new Float32Array((count + 1) * label).fill(NaN);
    source.fill(start, count, bx, by);
    expect(bx.subarray(0, count * sample).some(Number.isNaN)).toBe(false);
    expect(bx.subarray(count * sample).every(Number.isNaN)).toBe(true);
    expect(by.subarray(0, count * label).some(Number.isNaN)).toBe(false);
    expect(by.subarray(count * label).every(Number.isNaN)).toBe(true);
    xs.set(bx.subarray(0, count * sample), start * sample);
    ys.push(...by.subarray(0, count * label));
  }
  return { xs, ys };
}

const sorted = (a: number[]) => [...a].sort((p, q) => p - q);
const identity = Array.from({ length: N }, (_, i) => i);

describe.each([
  ["arraySource", (options: object) => arraySource(x, y, options)],
  ["flow (no augmentation)", (options: object) => new ImageDataGenerator().flow(x, y, options)],
] as const)("%s", (_name, make) => {
  it("covers each sample once per epoch, in a new seeded order each epoch", () => {
    const source = make({ batchSize: 8, seed: 1 });
    expect(source.length).toBe(N);
    expect(source.batchSize).toBe(8);
    expect(source.sampleShape).toEqual([H, W, C]);
    expect(source.labelShape).toEqual([]);
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const { xs, ys } = epoch(source, e, 8);
      expect(sorted(ys)).toEqual(identity);
      ys.forEach((label, i) => expect(xs.subarray(i * SAMPLE, (i + 1) * SAMPLE).every((v) => v === label)).toBe(true));
      orders.push(ys);
    }
    expect(orders[0]).not.toEqual(identity);
    expect(orders[1]).not.toEqual(orders[0]);
    // Same seed and epoch, same order, however the epoch is cut into batches.
    expect(epoch(make({ seed: 1 }), 1, 5).ys).toEqual(orders[1]);
    expect(epoch(make({ seed: 2 }), 1, 5).ys).not.toEqual(orders[1]);
  });

  it("keeps the order without shuffle and defaults batchSize to 32", () => {
    const source = make({ shuffle: false });
    expect(source.batchSize).toBe(32);
    expect(epoch(source, 0, 32).ys).toEqual(identity);
    expect(epoch(source, 4, 7).ys).toEqual(identity);
  });

  it("copies one-hot label rows along with their samples", () => {
    const oneHot = tensor(Float32Array.from({ length: N * 3 }, (_, k) => (k % 3 === Math.floor(k / 3) % 3 ? 1 : Math.floor(k / 3) + 10)), [N, 3]);
    const source = _name === "arraySource" ? arraySource(x, oneHot, { seed: 4 }) : new ImageDataGenerator().flow(x, oneHot, { seed: 4 });
    expect(source.labelShape).toEqual([3]);
    const { xs, ys } = epoch(source, 0, 6);
    for (let i = 0; i < N; i++) {
      const j = xs[i * SAMPLE]!;
      expect(ys.slice(i * 3, i * 3 + 3)).toEqual(Array.from(oneHot.data.subarray(j * 3, j * 3 + 3)));
    }
  });

  it("rejects bad arguments by name before doing anything", () => {
    const source = make({ batchSize: 4 });
    const op = _name === "arraySource" ? "arraySource" : "ImageDataGenerator.flow";
    expect(() => source.fill(35, 3, new Float32Array(3 * SAMPLE), new Float32Array(3))).toThrow(`${op}: fill: samples 35 to 38 are outside the epoch's 37`);
    expect(() => source.fill(-1, 1, new Float32Array(SAMPLE), new Float32Array(1))).toThrow("samples -1 to 0 are outside");
    expect(() => source.fill(0, 2, new Float32Array(SAMPLE), new Float32Array(2))).toThrow(`${op}: fill: x must be a Float32Array of at least 48 values (2 samples of [4, 3, 2]), received 24 values`);
    expect(() => source.fill(0, 2, new Float32Array(2 * SAMPLE), new Float32Array(1))).toThrow(`${op}: fill: y must be a Float32Array of at least 2 values (2 labels of []), received 1 values`);
    expect(() => source.startEpoch(-1)).toThrow(`${op}: startEpoch: epoch must be a whole number in [0, 2097151], received -1`);
    expect(() => make({ batchSize: 0 })).toThrow(`${op}: batchSize must be a whole number >= 1, received 0`);
    expect(() => make({ shuffle: "yes" })).toThrow(`${op}: shuffle must be true or false, received yes`);
    expect(() => make({ seed: 0.5 })).toThrow(`${op}: seed must be a safe integer, received 0.5`);
    expect(() => make({ batch_size: 8 })).toThrow(`${op}: unknown option "batch_size"; expected batchSize, shuffle or seed`);
  });
});

describe("arraySource inputs", () => {
  it("checks that x and y agree", () => {
    expect(() => arraySource(x, tensor(new Float32Array(5)))).toThrow("arraySource: x has 37 samples (shape [37, 4, 3, 2]) but y has 5 (shape [5]); expected the same count");
    expect(() => arraySource(tensor(new Float32Array(4)), tensor(new Float32Array(4)))).toThrow("arraySource: x must be a tensor of shape [samples, ...sample shape], received shape [4]");
    expect(() => arraySource(x, { data: new Float32Array(3), shape: [4] })).toThrow("arraySource: y must be a tensor of shape [samples] or [samples, ...label shape], received shape [4]");
  });
});

describe("ImageDataGenerator.flow", () => {
  const g = new ImageDataGenerator({ rotationRange: 30, widthShiftRange: 0.2, zoomRange: 0.1, horizontalFlip: true, seed: 7 });
  const img = tensor(Float32Array.from({ length: 10 * 8 * 8 }, (_, k) => ((k * 37) % 101) / 100), [10, 8, 8, 1]);
  const labels = tensor(Float32Array.from({ length: 10 }, (_, i) => i), [10]);

  it("augments reproducibly per seed and epoch, whatever the batch cut", () => {
    const read = (source: BatchSource, e: number, batch: number) => {
      source.startEpoch(e);
      const out = new Float32Array(10 * 64);
      const bx = new Float32Array(batch * 64), by = new Float32Array(batch);
      for (let s = 0; s < 10; s += batch) {
        const count = Math.min(batch, 10 - s);
        source.fill(s, count, bx, by);
        out.set(bx.subarray(0, count * 64), s * 64);
      }
      return out;
    };
    const a = read(g.flow(img, labels), 0, 3);
    expect(read(g.flow(img, labels), 0, 10)).toEqual(a);
    expect(read(g.flow(img, labels, { seed: 7 }), 0, 4)).toEqual(a);
    expect(read(g.flow(img, labels), 1, 3)).not.toEqual(a);
    expect(read(g.flow(img, labels, { seed: 8 }), 0, 3)).not.toEqual(a);
    const plain = read(g.flow(img, labels, { shuffle: false }), 0, 5);
    let changed = 0;
    for (let i = 0; i < 10; i++) if (plain.subarray(i * 64, (i + 1) * 64).some((v, k) => v !== img.data[i * 64 + k])) changed++;
    expect(changed).toBeGreaterThan(7);
  });

  it("needs images [n, h, w, c]", () => {
    expect(() => g.flow(tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(2)))).toThrow("ImageDataGenerator.flow: x must be images of shape [n, height, width, channels], received shape [2, 3]");
  });
});
