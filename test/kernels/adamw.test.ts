/**
 * The decoupled weight decay and L1/L2 penalty kernels in both wasm modules, against
 * their formulas on many sizes (SIMD bodies and scalar tails), with argument checks.
 */
import { describe, expect, it } from "vitest";
import { createCore } from "../../ts/wasm/loader.js";
import { decayWeights } from "../../ts/kernels/adamw.js";
import { l1l2Penalty } from "../../ts/kernels/regularize.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, rng } from "../helpers/random.js";

const SIZES = [1, 3, 4, 5, 8, 63, 1000];

describeEachCore("weight decay and penalty kernels", (getCore) => {
  it("decayWeights: p - p * wd * lr, rounded in float32 in that order", () => {
    const core = getCore();
    const next = rng(4);
    const f = Math.fround;
    for (const n of SIZES) {
      for (const [wd, lr] of [[0.004, 0.001], [0.3, 0.05], [0, 0.1]] as const) {
        const p = randomArray(next, n);
        const buf = core.alloc(n);
        core.write(buf, p);
        decayWeights(core, n, buf, wd, lr);
        const want = Array.from(p, (x) => f(x - f(f(x * f(wd)) * f(lr))));
        expect(Array.from(core.read(buf)), `n=${n} wd=${wd} lr=${lr}`).toEqual(want);
        core.free(buf);
      }
    }
  });

  it("l1l2Penalty: l1 sum|x| + l2 sum x^2, and adds l1 sign(x) + 2 l2 x to the gradient", () => {
    const core = getCore();
    const next = rng(6);
    for (const n of SIZES) {
      for (const [l1, l2] of [[0, 0.01], [0.02, 0], [0.3, 0.7]] as const) {
        const x = randomArray(next, n);
        if (n > 2) x[2] = 0; // sign(0) is 0
        const g0 = randomArray(next, n);
        const [px, pg] = [core.alloc(n), core.alloc(n)];
        core.write(px, x);
        core.write(pg, g0);
        const penalty = l1l2Penalty(core, n, px, pg, l1, l2);
        const want = Array.from(x).reduce((s, v) => s + l1 * Math.abs(v) + l2 * v * v, 0);
        expectClose([penalty], [want], `penalty n=${n}`, 1e-6, 1e-9);
        const wantG = Array.from(x, (v, i) => g0[i]! + l1 * Math.sign(v) + 2 * l2 * v);
        expectClose(core.read(pg), wantG, `gradient n=${n} l1=${l1} l2=${l2}`, 1e-6, 1e-7);
        // Without a gradient buffer: the same penalty, nothing written.
        expect(l1l2Penalty(core, n, px, null, l1, l2)).toBe(penalty);
        core.free(px);
        core.free(pg);
      }
    }
  });

  it("refuse bad arguments before writing", () => {
    const core = getCore();
    const p = core.alloc(4);
    core.write(p, [1, 2, 3, 4]);
    expect(() => decayWeights(core, 4, p, -0.1, 0.01)).toThrow("decayWeights: weightDecay must be a finite number >= 0, received -0.1");
    expect(() => decayWeights(core, 5, p, 0.1, 0.01)).toThrow(/decayWeights: params/);
    expect(() => decayWeights(core, 4, p, 0.1, NaN)).toThrow("decayWeights: lr must be a finite number >= 0, received NaN");
    expect(() => l1l2Penalty(core, 4, p, p, 0.1, 0.1)).toThrow(/l1l2Penalty: .*overlap/);
    expect(() => l1l2Penalty(core, 4, p, null, 0.1, Infinity)).toThrow("l1l2Penalty: l2 must be a finite number >= 0, received Infinity");
    expect(Array.from(core.read(p))).toEqual([1, 2, 3, 4]);
    core.free(p);
  });
});

describe("weight decay and penalty kernels across modules", () => {
  it("give the same bits in the SIMD and the scalar module", async () => {
    const [simd, scalar] = [await createCore("simd"), await createCore("scalar")];
    const next = rng(9);
    for (const n of [...SIZES, 4099]) {
      const x = randomArray(next, n);
      const g = randomArray(next, n);
      const run = (core: typeof simd): { penalty: number; grads: number[]; decayed: number[] } => {
        const [px, pg] = [core.alloc(n), core.alloc(n)];
        core.write(px, x);
        core.write(pg, g);
        const penalty = l1l2Penalty(core, n, px, pg, 0.013, 0.021);
        decayWeights(core, n, px, 0.004, 0.003);
        const out = { penalty, grads: Array.from(core.read(pg)), decayed: Array.from(core.read(px)) };
        core.free(px);
        core.free(pg);
        return out;
      };
      expect(run(simd), `n=${n}`).toEqual(run(scalar));
    }
  });
});
