import { describe, expect, it } from "vitest";
import { explainConv2d, explainDense, explainFlatten, explainPool2d } from "../../ts/model/explain.js";
import { outputLength, type Padding } from "../../ts/shapes.js";
import { rng, randomInt } from "../helpers/random.js";

/**
 * Checks that every "a = b" in an explain line holds: the left side is evaluated as
 * arithmetic (floor allowed), the right side read as a number with thousands separators.
 */
function expectEquationsHold(lines: string[]): void {
  for (const line of lines) {
    if (!/^(output|params)/.test(line) || !line.includes(" = ")) continue;
    const m = /^(?:output(?: height| width)?|params): (.*) = ([\d,]+)(?: \(.*\))?$/.exec(line);
    if (!m) expect.fail(`not an equation of the expected form: ${line}`);
    const [, lhs, rhs] = m;
    expect(lhs, line).toMatch(/^[\d+\-*/() floor]+$/);
    const value = new Function("floor", `return ${lhs};`)(Math.floor) as number;
    expect(value, line).toBe(Number(rhs!.replace(/,/g, "")));
  }
}

function equationCount(lines: string[]): number {
  return lines.filter((l) => /^(output|params)/.test(l) && l.includes(" = ")).length;
}

describe("explainConv2d", () => {
  it("explains LeNet-5's first layer as the course does", () => {
    const lines = explainConv2d({
      inShape: [28, 28, 1], kernel: [5, 5], strides: [1, 1], padding: "same", filters: 6, useBias: true, outShape: [28, 28, 6],
    });
    expect(lines).toEqual([
      "output: (28 + 2*2 - 5)/1 + 1 = 28 (same padding: P = 2)",
      "params: (5*5*1 + 1) * 6 = 156",
      "a dense layer from 784 inputs to 4,704 outputs would need 3,692,640 parameters (parameter sharing)",
      "each output reads 25 of 784 inputs (sparse connections)",
    ]);
    expectEquationsHold(lines);
  });

  it("explains LeNet-5's second conv layer (valid padding)", () => {
    const lines = explainConv2d({
      inShape: [14, 14, 6], kernel: [5, 5], strides: [1, 1], padding: "valid", filters: 16, useBias: true, outShape: [10, 10, 16],
    });
    expect(lines).toEqual([
      "output: (14 - 5)/1 + 1 = 10 (valid padding: P = 0)",
      "params: (5*5*6 + 1) * 16 = 2,416",
      "a dense layer from 1,176 inputs to 1,600 outputs would need 1,883,200 parameters (parameter sharing)",
      "each output reads 150 of 1,176 inputs (sparse connections)",
    ]);
    expectEquationsHold(lines);
  });

  it("shows uneven same padding, floors and separate axes honestly", () => {
    const lines = explainConv2d({
      inShape: [27, 10, 3], kernel: [2, 3], strides: [2, 2], padding: "same", filters: 4, useBias: false, outShape: [14, 5, 4],
    });
    // Height: ceil(27/2) = 14 needs 1 padding cell, at the bottom. Width: ceil(10/2) = 5
    // needs (5-1)*2 + 3 - 10 = 1 cell, at the right.
    expect(lines.slice(0, 3)).toEqual([
      "output height: (27 + 0 + 1 - 2)/2 + 1 = 14 (same padding: 0 top, 1 bottom)",
      "output width: (10 + 0 + 1 - 3)/2 + 1 = 5 (same padding: 0 left, 1 right)",
      "params: 2*3*3 * 4 = 72",
    ]);
    expectEquationsHold(lines);
    const strided = explainConv2d({
      inShape: [8, 8, 1], kernel: [3, 3], strides: [2, 2], padding: "valid", filters: 1, useBias: true, outShape: [3, 3, 1],
    });
    expect(strided[0]).toBe("output: floor((8 - 3)/2) + 1 = 3 (valid padding: P = 0)");
    expectEquationsHold(strided);
  });

  it("writes only equations that hold, on many random configurations", () => {
    const next = rng(7);
    for (let i = 0; i < 300; i++) {
      const padding: Padding = next() < 0.5 ? "valid" : "same";
      const h = randomInt(next, 1, 40);
      const w = randomInt(next, 1, 40);
      const kh = randomInt(next, 1, Math.min(h, 7));
      const kw = randomInt(next, 1, Math.min(w, 7));
      const sh = randomInt(next, 1, 4);
      const sw = randomInt(next, 1, 4);
      const c = randomInt(next, 1, 5);
      const filters = randomInt(next, 1, 8);
      const outShape = [outputLength(h, kh, sh, padding), outputLength(w, kw, sw, padding), filters] as const;
      const lines = explainConv2d({ inShape: [h, w, c], kernel: [kh, kw], strides: [sh, sw], padding, filters, useBias: next() < 0.5, outShape });
      expectEquationsHold(lines);
      expect(equationCount(lines)).toBeGreaterThanOrEqual(2);
      const pool = explainPool2d({ inShape: [h, w, c], poolSize: [kh, kw], strides: [sh, sw], padding, outShape: [outShape[0], outShape[1], c] });
      expectEquationsHold(pool);
    }
  });

  it("refuses an outShape that its input does not give, and impossible windows", () => {
    const base = { inShape: [28, 28, 1], kernel: [5, 5], strides: [1, 1], padding: "valid", filters: 6, useBias: true, outShape: [24, 24, 6] } as const;
    expect(() => explainConv2d({ ...base, outShape: [28, 24, 6] })).toThrow("explainConv2d: outShape height 28 does not match the input: valid padding gives 24");
    expect(() => explainConv2d({ ...base, outShape: [24, 24, 5] })).toThrow("explainConv2d: outShape has 5 channels, expected 6 (one per filter)");
    expect(() => explainConv2d({ ...base, inShape: [3, 28, 1] })).toThrow("explainConv2d: window 5 is larger than the input height 3 with valid padding");
    expect(() => explainConv2d({ ...base, kernel: [0, 5] })).toThrow("explainConv2d: kernel must be 2 whole numbers >= 1, received [0,5]");
    expect(() => explainConv2d({ ...base, padding: "full" as never })).toThrow('explainConv2d: padding must be "valid" or "same", received "full"');
  });
});

describe("explainPool2d", () => {
  it("explains LeNet-5's pooling layers", () => {
    const first = explainPool2d({ inShape: [28, 28, 6], poolSize: [2, 2], strides: [2, 2], padding: "valid", outShape: [14, 14, 6] });
    expect(first).toEqual(["output: (28 - 2)/2 + 1 = 14 (valid padding: P = 0)", "0 params: pooling has no weights"]);
    const second = explainPool2d({ inShape: [10, 10, 16], poolSize: [2, 2], strides: [2, 2], padding: "valid", outShape: [5, 5, 16] });
    expect(second[0]).toBe("output: (10 - 2)/2 + 1 = 5 (valid padding: P = 0)");
    expectEquationsHold([...first, ...second]);
  });

  it("shows the odd padding cell of same pooling at the bottom/right", () => {
    const lines = explainPool2d({ inShape: [7, 7, 2], poolSize: [2, 2], strides: [2, 2], padding: "same", outShape: [4, 4, 2] });
    expect(lines[0]).toBe("output: (7 + 0 + 1 - 2)/2 + 1 = 4 (same padding: 0 top/left, 1 bottom/right)");
    expectEquationsHold(lines);
  });

  it("requires pooling to keep the channels", () => {
    expect(() => explainPool2d({ inShape: [4, 4, 2], poolSize: [2, 2], strides: [2, 2], padding: "valid", outShape: [2, 2, 3] })).toThrow(
      "explainPool2d: outShape has 3 channels, expected 2 (pooling keeps the channels)",
    );
  });
});

describe("explainDense and explainFlatten", () => {
  it("count LeNet-5's dense and flatten layers", () => {
    const lines = [
      ...explainFlatten({ inShape: [5, 5, 16] }),
      ...explainDense({ inputs: 400, units: 120, useBias: true }),
      ...explainDense({ inputs: 120, units: 84, useBias: true }),
      ...explainDense({ inputs: 84, units: 10, useBias: false }),
    ];
    expect(lines).toEqual([
      "output: 5*5*16 = 400",
      "0 params: flatten only reshapes",
      "params: (400 + 1) * 120 = 48,120",
      "params: (120 + 1) * 84 = 10,164",
      "params: 84 * 10 = 840",
    ]);
    expectEquationsHold(lines);
    expect(equationCount(lines)).toBe(4);
  });

  it("reject bad sizes by name", () => {
    expect(() => explainDense({ inputs: 0, units: 3, useBias: true })).toThrow("explainDense: inputs must be a whole number >= 1, received 0");
    expect(() => explainFlatten({ inShape: [] })).toThrow("explainFlatten: inShape must be whole numbers >= 1, received []");
  });
});
