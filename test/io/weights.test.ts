/** Encoding and decoding weights: exact round trips on random shapes, and every malformed case by its text. */
import { describe, expect, it } from "vitest";
import { declaredByteLength, decodeWeights, encodeWeights } from "../../ts/io/weights.js";
import type { WeightSpec } from "../../ts/io/weight_shapes.js";
import type { Tensor } from "../../ts/tensor.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

const spec = (name: string, shape: number[]): WeightSpec => ({ name, shape, dtype: "float32" });
const tensorOf = (shape: number[], fill: (i: number) => number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => fill(i)), shape };
};

/** Two weights `a/kernel` [2, 3] and `a/bias` [3], encoded. */
function small(): { expected: WeightSpec[]; specs: WeightSpec[]; data: ArrayBuffer } {
  const expected = [spec("a/kernel", [2, 3]), spec("a/bias", [3])];
  const { specs, data } = encodeWeights([tensorOf([2, 3], (i) => i + 0.5), tensorOf([3], (i) => -i)], expected);
  return { expected, specs, data };
}

describe("encodeWeights / decodeWeights", () => {
  it("round-trips random shapes exactly, little-endian float32 in manifest order", () => {
    const next = rng(42);
    for (let trial = 0; trial < 25; trial++) {
      const count = randomInt(next, 1, 6);
      const expected = Array.from({ length: count }, (_, i) => spec(`l${i}/w`, Array.from({ length: randomInt(next, 1, 4) }, () => randomInt(next, 1, 5))));
      const weights = expected.map((s) => ({ data: randomArray(next, s.shape.reduce((a, b) => a * b, 1), -100, 100), shape: s.shape }));
      const { specs, data } = encodeWeights(weights, expected);
      expect(specs).toEqual(expected);
      const total = weights.reduce((n, w) => n + w.data.length, 0);
      expect(data.byteLength).toBe(total * 4);
      // The bytes are the values in order, little-endian.
      const view = new DataView(data);
      const first = weights[0]!.data;
      expect(view.getFloat32(0, true)).toBe(first[0]);
      expect(view.getFloat32(data.byteLength - 4, true)).toBe(weights[count - 1]!.data.at(-1));
      // Decoding gives back every value exactly.
      const decoded = decodeWeights(specs, data, expected);
      decoded.forEach((d, i) => {
        expect(d.shape).toEqual(weights[i]!.shape);
        expect(Array.from(d.data)).toEqual(Array.from(weights[i]!.data));
      });
      expect(declaredByteLength(specs)).toBe(data.byteLength);
    }
  });

  it("matches manifest entries by name, not position, and skips optimizer weights", () => {
    const { expected, data } = small();
    const extra = new Uint8Array(data.byteLength + 8);
    extra.set(new Uint8Array(data.slice(24)), 0); // bias first
    extra.set(new Uint8Array(data.slice(0, 24)), 12); // then kernel
    const specs = [spec("a/bias", [3]), spec("a/kernel", [2, 3]), { name: "Adam/iter", shape: [2], dtype: "int32", group: "optimizer" }];
    const [kernel, bias] = decodeWeights(specs, extra, expected);
    expect(Array.from(kernel!.data)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(Array.from(bias!.data)).toEqual([-0, -1, -2]);
  });

  it("reads from a Uint8Array at an unaligned offset", () => {
    const { expected, specs, data } = small();
    const backing = new Uint8Array(data.byteLength + 3);
    backing.set(new Uint8Array(data), 3);
    const decoded = decodeWeights(specs, backing.subarray(3), expected);
    expect(Array.from(decoded[1]!.data)).toEqual([-0, -1, -2]);
  });

  it("refuses to encode mismatched or non-finite weights", () => {
    const expected = [spec("a/kernel", [2, 3])];
    expect(() => encodeWeights([], expected)).toThrow("save: the model gave 0 weight tensors, its layers expect 1 (a/kernel)");
    expect(() => encodeWeights([tensorOf([3, 2], () => 1)], expected)).toThrow("save: weight a/kernel has shape [3, 2] with 6 values, expected [2, 3]");
    expect(() => encodeWeights([tensorOf([2, 3], (i) => (i === 4 ? NaN : 1))], expected)).toThrow("save: weight a/kernel has NaN at index 4; expected finite numbers");
  });
});

describe("decodeWeights refuses malformed weights", () => {
  const { expected, specs, data } = small();
  const with0 = (patch: Record<string, unknown>) => [{ ...specs[0], ...patch }, specs[1]];
  const cases: [string, unknown, ArrayBuffer | Uint8Array, string][] = [
    ["a non-array manifest", { weights: [] }, data, "weights manifest: received {\"weights\":[]}, expected an array"],
    ["an entry without a name", [{ shape: [1], dtype: "float32" }], data, "weights manifest entry 0 name: received undefined, expected a string"],
    ["int32 weights", with0({ dtype: "int32" }), data, 'weights manifest: weight "a/kernel" dtype: received "int32", expected "float32"'],
    ["quantized weights", with0({ quantization: { dtype: "uint8", scale: 1, min: 0 } }), data, 'weights manifest: weight "a/kernel": quantized weights ({"dtype":"uint8","scale":1,"min":0}) are not supported'],
    ["a negative dimension", with0({ shape: [2, -3] }), data, 'weights manifest: weight "a/kernel" shape[1]: received -3, expected a whole number >= 0'],
    ["truncated data", specs, data.slice(0, 30), 'weights data is truncated: weights manifest: weight "a/bias" with shape [3] needs bytes up to 36, received 30 bytes'],
    ["oversized data", specs, new ArrayBuffer(40), "weights data has 40 bytes but the manifest declares 36; the weights file is oversized or belongs to another model"],
    ["a huge declared shape", with0({ shape: [1e9, 1e9, 1e9] }), data, 'weights data is truncated: weights manifest: weight "a/kernel" with shape [1000000000, 1000000000, 1000000000]'],
    ["a shape unlike the topology's", [spec("a/kernel", [3, 2]), specs[1]], data, 'weights manifest: weight "a/kernel" has shape [3, 2], the topology expects [2, 3]'],
    ["a weight the topology lacks", [spec("a/kernel", [2, 3]), spec("a/other", [3])], data, 'weights manifest: weight "a/other" belongs to no layer of the topology; expected a/kernel, a/bias'],
    ["a weight appearing twice", [spec("a/bias", [3]), spec("a/bias", [3]), spec("a/bias", [3])], data, 'weights manifest: weight "a/bias" appears twice in the manifest'],
  ];
  it.each(cases)("%s", (_, badSpecs, bytes, message) => {
    expect(() => decodeWeights(badSpecs, bytes, expected)).toThrow(message);
  });

  it("names a missing weight the topology needs", () => {
    expect(() => decodeWeights([specs[0]], data.slice(0, 24), expected)).toThrow('weights manifest: no weight "a/bias"; the topology needs it with shape [3]');
  });

  it.each([
    [NaN, 7, "NaN at index 1"],
    [Infinity, 6, "Infinity at index 0"],
    [-Infinity, 8, "-Infinity at index 2"],
  ])("refuses %s, naming the weight and the index", (value, at, message) => {
    const copy = data.slice(0);
    new DataView(copy).setFloat32(at * 4, value, true);
    expect(() => decodeWeights(specs, copy, expected)).toThrow(`load: weight a/bias has ${message}; expected finite numbers`);
  });

  it("refuses a huge declared shape when only sizing the files", () => {
    expect(() => declaredByteLength(with0({ shape: [1e9, 1e9, 1e9] }))).toThrow('weight "a/kernel" with shape [1000000000, 1000000000, 1000000000] declares more bytes than any file can hold');
  });
});
