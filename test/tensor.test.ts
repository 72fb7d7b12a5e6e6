import { describe, expect, it } from "vitest";
import { describeValue, tensor } from "../ts/tensor.js";

describe("tensor", () => {
  it("copies numbers, keeps a Float32Array, defaults to one dimension", () => {
    const own = new Float32Array([1, 2, 3, 4]);
    expect(tensor(own, [2, 2]).data).toBe(own);
    const t = tensor([1, 2, 3], [3, 1]);
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
    expect(t.shape).toEqual([3, 1]);
    expect(tensor([5, 6]).shape).toEqual([2]);
    expect(tensor(new Uint8Array([0, 255]), [2]).data[1]).toBe(255);
  });

  it("refuses nested arrays and non-numbers rather than filling NaN", () => {
    expect(() => tensor([[1, 2], [3, 4]] as never, [2, 2])).toThrow(
      "tensor: data[0] is an Array of 2 items, expected a number; nested arrays are not read: flatten them, e.g. tensor(rows.flat(), [rows.length, rows[0].length])",
    );
    expect(() => tensor([[1, 2]] as never)).toThrow("tensor: data[0] is an Array of 2 items");
    expect(() => tensor([1, "2"] as never)).toThrow("tensor: data[1] is a string (2), expected a number");
    expect(() => tensor(7 as never)).toThrow("tensor: data must be a Float32Array or an array of numbers, received a number (7)");
    expect(() => tensor(null as never)).toThrow("received null");
  });

  it("checks the shape against the length", () => {
    expect(() => tensor(new Float32Array(10), [2, 28, 28, 1])).toThrow("tensor: shape [2, 28, 28, 1] needs 1568 values, received 10");
    expect(() => tensor([1, 2], [2.5])).toThrow("tensor: shape [2.5] has dimension 2.5; expected whole numbers >= 0");
  });

  it("describes values for error messages", () => {
    expect(describeValue([1])).toBe("an Array of 1 item");
    expect(describeValue(new Int32Array(3))).toBe("an Int32Array of 3 values");
    expect(describeValue(new Float32Array(2))).toBe("a Float32Array of 2 values");
    expect(describeValue({ data: 1, shape: 2 })).toBe("an object with keys data, shape");
    expect(describeValue({})).toBe("an empty object");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(true)).toBe("a boolean (true)");
  });
});
