import { describe, expect, it } from "vitest";
import { toCategorical } from "../../ts/data/one_hot.js";
import { tensor } from "../../ts/tensor.js";
import { randomInt, rng } from "../helpers/random.js";

describe("toCategorical", () => {
  it("matches a naive one-hot on random labels", () => {
    const next = rng(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = randomInt(next, 0, 40);
      const classes = randomInt(next, 1, 12);
      const labels = Array.from({ length: n }, () => randomInt(next, 0, classes - 1));
      const out = toCategorical(tensor(labels), classes);
      expect(out.shape).toEqual([n, classes]);
      const expected = new Float32Array(n * classes);
      labels.forEach((l, i) => (expected[i * classes + l] = 1));
      expect(out.data).toEqual(expected);
    }
  });

  it("infers numClasses as max + 1 and follows Keras on shapes", () => {
    expect(toCategorical(tensor([0, 3, 1])).shape).toEqual([3, 4]);
    expect(toCategorical(tensor([2, 0], [2, 1])).shape).toEqual([2, 3]);
    expect(toCategorical(tensor([1, 0, 1, 1], [2, 2])).shape).toEqual([2, 2, 2]);
    expect(toCategorical(tensor([1], [1])).shape).toEqual([1, 2]);
    expect(Array.from(toCategorical(tensor([1, 0], [2, 1])).data)).toEqual([0, 1, 1, 0]);
    expect(toCategorical(tensor([]), 10).shape).toEqual([0, 10]);
  });

  it("names the offending label and index", () => {
    expect(() => toCategorical(tensor([0, 1, 2.5]), 10)).toThrow("toCategorical: label at index 2 is 2.5, expected a whole number >= 0");
    expect(() => toCategorical(tensor([0, -1]), 10)).toThrow("label at index 1 is -1");
    expect(() => toCategorical(tensor([0, NaN]))).toThrow("label at index 1 is NaN");
    expect(() => toCategorical(tensor([3, 10]), 10)).toThrow("toCategorical: label at index 1 is 10, expected a class index in [0, 9] (numClasses 10)");
    expect(() => toCategorical(tensor([1]), 0)).toThrow("toCategorical: numClasses must be a whole number >= 1, received 0");
    expect(() => toCategorical(tensor([1]), 2.5)).toThrow("received 2.5");
    expect(() => toCategorical(tensor([]))).toThrow("cannot infer numClasses from labels of shape [0] with no values; pass numClasses");
  });

  it("says how to make a tensor when given a plain array", () => {
    expect(() => toCategorical([1, 2, 3] as never, 10)).toThrow(
      "toCategorical: y must be a tensor of class indices { data: Float32Array, shape }, received an Array of 3 items; make one with tensor(labels, [labels.length])",
    );
    expect(() => toCategorical(undefined as never)).toThrow("toCategorical: y must be a tensor of class indices { data: Float32Array, shape }, received undefined");
  });
});
