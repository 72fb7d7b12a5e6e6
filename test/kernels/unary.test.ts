import { expect, it } from "vitest";
import { scaleOffset, unaryBackward, unaryForward, type UnaryFn } from "../../ts/kernels/unary.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { unaryDerivativeReference, unaryReference } from "../reference/unary.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

const FNS: [string, UnaryFn][] = [
  ["relu6", { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 }],
  ["leakyReLU 0.3", { kind: "relu", maxValue: Infinity, negativeSlope: 0.3, threshold: 0 }],
  ["ReLU max 2 slope 0.25 threshold 0.5", { kind: "relu", maxValue: 2, negativeSlope: 0.25, threshold: 0.5 }],
  ["ReLU threshold 1", { kind: "relu", maxValue: Infinity, negativeSlope: 0, threshold: 1 }],
  ["elu", { kind: "elu", alpha: 1 }],
  ["elu alpha 0.5", { kind: "elu", alpha: 0.5 }],
  ["selu", { kind: "selu" }],
  ["swish", { kind: "swish" }],
  ["gelu", { kind: "gelu", approximate: false }],
  ["gelu tanh", { kind: "gelu", approximate: true }],
  ["hardSigmoid", { kind: "hardSigmoid" }],
];

/** Inputs in [-7, 7] kept 1e-3 away from every kink of the cases. */
function inputs(next: () => number, n: number): Float32Array {
  const kinks = [0, -3, 3, 6, 0.5, 1, 2];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = Math.fround(-7 + 14 * next());
    while (kinks.some((k) => Math.abs(v - k) < 1e-3));
    out[i] = v;
  }
  return out;
}

describeEachCore("unary activation kernels", (getCore) => {
  for (const [name, f] of FNS) {
    it(`${name}: forward and backward match the reference on odd lengths`, () => {
      const core = getCore();
      const next = rng(name.length * 7 + 1);
      for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 64, 65, 257, randomInt(next, 1, 500)]) {
        const xa = inputs(next, n);
        const dya = randomArray(next, n);
        const [xy, x, dxy] = [upload(core, xa), upload(core, xa), upload(core, dya)];
        unaryForward(core, f, n, xy);
        expectClose(core.read(xy), Array.from(xa, (v) => unaryReference(f, v)), `${name} forward n=${n}`, 2e-6, 1e-6);
        unaryBackward(core, f, n, x, dxy);
        const want = Array.from(xa, (v, i) => unaryDerivativeReference(f, v) * dya[i]!);
        expectClose(core.read(dxy), want, `${name} backward n=${n}`, 1e-5, 1e-5);
        for (const b of [xy, x, dxy]) core.free(b);
      }
    });
  }

  it("keep NaN, clip infinities and saturate as Keras does", () => {
    const core = getCore();
    // Nine values: the SIMD body's four-lane blocks and the scalar tail both see each case.
    const b = upload(core, [NaN, -Infinity, Infinity, -1, 7, -2, NaN, -Infinity, 3]);
    unaryForward(core, { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 }, 9, b);
    const out = Array.from(core.read(b));
    expect(Number.isNaN(out[0]) && Number.isNaN(out[6])).toBe(true);
    // +0, not -0 or NaN (0 * -Infinity): Object.is tells them apart.
    expect([out[1], out[2], out[3], out[4], out[5], out[7], out[8]].map((v) => (Object.is(v, -0) ? "-0" : v))).toEqual([0, 6, 0, 6, 0, 0, 3]);
    const h = upload(core, [-3, 3, 0, -100, 100]);
    unaryForward(core, { kind: "hardSigmoid" }, 5, h);
    expect(Array.from(core.read(h))).toEqual([0, 1, 0.5, 0, 1]);
    core.free(b);
    core.free(h);
  });

  it("scaleOffset computes x * scale + offset on odd lengths", () => {
    const core = getCore();
    const next = rng(3);
    for (const n of [1, 3, 4, 9, 100]) {
      const xa = randomArray(next, n, -5, 5);
      const [x, y] = [upload(core, xa), core.alloc(n)];
      scaleOffset(core, n, 1 / 255, -0.5, x, y);
      expectClose(core.read(y), Array.from(xa, (v) => v / 255 - 0.5), `scaleOffset n=${n}`, 1e-6, 1e-7);
      core.free(x);
      core.free(y);
    }
  });

  it("reject bad functions, counts, buffers and overlaps by name", () => {
    const core = getCore();
    const [a, b] = [core.alloc(6), core.alloc(5)];
    expect(() => unaryForward(core, { kind: "mish" } as unknown as UnaryFn, 6, a)).toThrow(
      'unaryForward: fn.kind must be one of "relu", "elu", "selu", "swish", "gelu", "hardSigmoid", received "mish"',
    );
    expect(() => unaryForward(core, { kind: "relu", maxValue: NaN, negativeSlope: 0, threshold: 0 }, 6, a)).toThrow(
      "unaryForward: fn.maxValue must be a number (Infinity for none), received NaN",
    );
    expect(() => unaryForward(core, { kind: "gelu", approximate: 1 } as unknown as UnaryFn, 6, a)).toThrow("unaryForward: fn.approximate must be a boolean, received 1");
    expect(() => unaryForward(core, { kind: "swish" }, 0, a)).toThrow("unaryForward: n must be a whole number >= 1, received 0");
    expect(() => unaryForward(core, { kind: "swish" }, 6, b)).toThrow("unaryForward: xy holds 5 elements, expected at least 6");
    expect(() => unaryBackward(core, { kind: "selu" }, 6, a, b)).toThrow("unaryBackward: dxy holds 5 elements, expected at least 6");
    expect(() => unaryBackward(core, { kind: "selu" }, 3, a.subarray(0, 3), a.subarray(2, 3))).toThrow(
      "unaryBackward: x and dxy share memory; an output must not overlap another argument",
    );
    expect(() => scaleOffset(core, 5, Infinity, 0, a, b)).toThrow("scaleOffset: scale must be a finite number, received Infinity");
    core.free(a);
    core.free(b);
  });
});
