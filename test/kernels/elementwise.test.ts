/**
 * The one-pass elementwise kernels: the ReLU family out of place (forward, and backward
 * from the input or, for a zero slope, from the output) and in place through the same
 * calls, and Add.
 */
import { expect, it } from "vitest";
import { addInto, reluBackwardInto, reluForwardInto, type UnaryFn } from "../../ts/kernels/unary.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, rng } from "../helpers/random.js";
import { unaryDerivativeReference, unaryReference } from "../reference/unary.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(Math.max(data.length, 1));
  core.write(buf, data);
  return buf;
}

type Relu = Extract<UnaryFn, { kind: "relu" }>;
const RELUS: [string, Relu][] = [
  ["relu", { kind: "relu", maxValue: Infinity, negativeSlope: 0, threshold: 0 }],
  ["relu6", { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 }],
  ["threshold 1 max 4", { kind: "relu", maxValue: 4, negativeSlope: 0, threshold: 1 }],
  ["leaky 0.3", { kind: "relu", maxValue: Infinity, negativeSlope: 0.3, threshold: 0 }],
  ["max 2 slope 0.25 threshold 0.5", { kind: "relu", maxValue: 2, negativeSlope: 0.25, threshold: 0.5 }],
];
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 13, 64, 65, 257, 1000];

/** Values in [-8, 8] kept off the kinks, plus exact kinks and the clip (where the slopes must agree). */
function inputs(next: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  const special = [0, 6, 4, 1, 2, 0.5, -0];
  for (let i = 0; i < n; i++) {
    if (i % 11 === 5) {
      out[i] = special[i % special.length]!;
      continue;
    }
    let v: number;
    do v = Math.fround(-8 + 16 * next());
    while ([0, 6, 4, 1, 2, 0.5].some((k) => Math.abs(v - k) < 1e-3));
    out[i] = v;
  }
  return out;
}

/** The slope at x as the kernels define it at kinks: 1 strictly inside (threshold, max), 0 at and past the clip, the slope at and below the threshold. */
function slopeAt(f: Relu, x: number): number {
  if (x > f.threshold) return x < f.maxValue ? 1 : 0;
  return f.negativeSlope;
}

describeEachCore("one-pass elementwise kernels", (getCore) => {
  for (const [name, f] of RELUS) {
    it(`${name}: forward into, backward from x and (zero slope) from y, out of place and in place`, () => {
      const core = getCore();
      const next = rng(name.length * 13 + 3);
      for (const n of LENGTHS) {
        const xa = inputs(next, n);
        const dya = randomArray(next, n);
        const [x, y, dy, dx] = [upload(core, xa), core.alloc(n), upload(core, dya), core.alloc(n)];
        core.f32(y).fill(NaN);
        reluForwardInto(core, f, n, x, y);
        const ya = core.read(y);
        expectClose(ya, Array.from(xa, (v) => unaryReference(f, v)), `${name} forward n=${n}`, 1e-6, 1e-6);
        const want = Array.from(xa, (v, i) => Math.fround(Math.fround(slopeAt(f, v)) * dya[i]!));
        // Away from the kinks the slope is the reference's derivative (a check independent of slopeAt).
        xa.forEach((v, i) => {
          if (i % 11 !== 5) expect(Math.abs(slopeAt(f, v) - unaryDerivativeReference(f, v))).toBeLessThan(1e-4);
        });
        core.f32(dx).fill(NaN);
        reluBackwardInto(core, f, n, false, x, dy, dx);
        expectClose(core.read(dx), want, `${name} backward from x n=${n}`, 0, 0);
        if (f.negativeSlope === 0) {
          core.f32(dx).fill(NaN);
          reluBackwardInto(core, f, n, true, y, dy, dx);
          expectClose(core.read(dx), want, `${name} backward from y n=${n}`, 0, 0);
          const dxy = upload(core, dya);
          reluBackwardInto(core, f, n, true, y, dxy, dxy);
          expectClose(core.read(dxy), want, `${name} backward from y in place n=${n}`, 0, 0);
          core.free(dxy);
        } else {
          expect(() => reluBackwardInto(core, f, n, true, y, dy, dx)).toThrow("reluBackwardInto: fromOutput needs fn.negativeSlope 0");
        }
        const dxy = upload(core, dya);
        reluBackwardInto(core, f, n, false, x, dxy, dxy);
        expectClose(core.read(dxy), want, `${name} backward from x in place n=${n}`, 0, 0);
        reluForwardInto(core, f, n, x, x);
        expectClose(core.read(x), ya, `${name} forward in place n=${n}`, 0, 0);
        for (const b of [x, y, dy, dx, dxy]) core.free(b);
      }
    });
  }

  it("relu keeps NaN forward and gives it a zero gradient from either side", () => {
    const core = getCore();
    const f = RELUS[1]![1];
    const [x, y, dy, dx] = [upload(core, [NaN, -1, 3, 7, -Infinity]), core.alloc(5), upload(core, [1, 1, 1, 1, 1]), core.alloc(5)];
    reluForwardInto(core, f, 5, x, y);
    expect(Array.from(core.read(y))).toEqual([NaN, 0, 3, 6, 0]);
    reluBackwardInto(core, f, 5, true, y, dy, dx);
    expect(Array.from(core.read(dx))).toEqual([0, 0, 1, 0, 0]);
    reluBackwardInto(core, f, 5, false, x, dy, dx);
    expect(Array.from(core.read(dx))).toEqual([0, 0, 1, 0, 0]);
    for (const b of [x, y, dy, dx]) core.free(b);
  });

  it("addInto sums out of place and in place on odd lengths", () => {
    const core = getCore();
    const next = rng(77);
    for (const n of LENGTHS) {
      const [aa, ba] = [randomArray(next, n), randomArray(next, n)];
      const [a, b, y] = [upload(core, aa), upload(core, ba), core.alloc(n)];
      core.f32(y).fill(NaN);
      addInto(core, n, a, b, y);
      const want = Array.from(aa, (v, i) => Math.fround(v + ba[i]!));
      expect(Array.from(core.read(y))).toEqual(want);
      addInto(core, n, a, b, a);
      expect(Array.from(core.read(a))).toEqual(want);
      for (const buf of [a, b, y]) core.free(buf);
    }
  });

  it("reject overlapping and short buffers by name", () => {
    const core = getCore();
    const f = RELUS[0]![1];
    const buf = core.alloc(16);
    expect(() => reluForwardInto(core, f, 8, buf, buf.subarray(4, 8))).toThrow("reluForwardInto: x and y share memory");
    expect(() => reluForwardInto(core, f, 17, buf, buf)).toThrow("reluForwardInto: x holds 16 elements, expected at least 17");
    expect(() => reluBackwardInto(core, f, 8, true, buf.subarray(0, 8), buf.subarray(8, 8), buf.subarray(0, 8))).toThrow("reluBackwardInto: v and dx share memory");
    expect(() => addInto(core, 8, buf, buf.subarray(8, 8), buf.subarray(2, 8))).toThrow("addInto: a and y share memory");
    expect(() => reluForwardInto(core, { kind: "swish" }, 8, buf, buf)).toThrow('reluForwardInto: fn.kind must be "relu"');
    core.free(buf);
  });
});
