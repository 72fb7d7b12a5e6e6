import { describe, expect, it } from "vitest";
import { dropoutBackward, dropoutForward } from "../../ts/kernels/dropout.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { createCore } from "../../ts/wasm/loader.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, rng } from "../helpers/random.js";

/** Runs dropout on `x` and returns `{ y, mask }`. */
function run(core: WasmCore, x: ArrayLike<number>, rate: number, seed: number, step: number): { y: Float32Array; mask: Float32Array } {
  const [xy, mask] = [core.alloc(x.length), core.alloc(x.length)];
  core.write(xy, x);
  dropoutForward(core, x.length, rate, seed, step, xy, mask);
  const out = { y: core.read(xy), mask: core.read(mask) };
  core.free(xy);
  core.free(mask);
  return out;
}

describeEachCore("dropout kernels", (getCore) => {
  it("keeps about 1 - rate of the values, scaled by 1 / (1 - rate)", () => {
    const core = getCore();
    const n = 50_000;
    const x = randomArray(rng(40), n, 0.5, 1.5);
    for (const rate of [0.2, 0.5, 0.75]) {
      const { y, mask } = run(core, x, rate, 123, 7);
      const scale = Math.fround(1 / (1 - rate));
      let kept = 0;
      let firstBad = -1;
      for (let i = 0; i < n; i++) {
        const ok = (mask[i] === 0 || mask[i] === scale) && y[i] === Math.fround(x[i]! * mask[i]!);
        if (!ok && firstBad < 0) firstBad = i;
        if (mask[i] !== 0) kept++;
      }
      expect(firstBad, `first element whose mask or output is wrong (rate ${rate})`).toBe(-1);
      // Binomial standard deviation is at most 0.0023 here; allow about 4 of them.
      expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(0.01);
    }
  });

  it("is deterministic in (seed, step, index) and independent of the length", () => {
    const core = getCore();
    const x = new Float32Array(1000).fill(1);
    const { mask } = run(core, x, 0.5, 99, 3);
    expect(run(core, x, 0.5, 99, 3).mask).toEqual(mask);
    for (const n of [1, 3, 4, 5, 13, 999]) expect(run(core, x.subarray(0, n), 0.5, 99, 3).mask).toEqual(mask.subarray(0, n));
    const other = run(core, x, 0.5, 99, 4).mask;
    const same = mask.filter((m, i) => (m !== 0) === (other[i] !== 0)).length;
    expect(same / 1000).toBeGreaterThan(0.4);
    expect(same / 1000).toBeLessThan(0.6);
  });

  it("accepts seeds and steps up to 2^32 - 1, and rate 0 keeps everything", () => {
    const core = getCore();
    const x = new Float32Array(20).fill(2);
    expect(Array.from(run(core, x, 0, 0xffff_ffff, 0xffff_ffff).y)).toEqual(Array.from(x));
    const a = run(core, x, 0.5, 0xffff_ffff, 1).mask;
    expect(a.some((m) => m === 0) && a.some((m) => m === 2)).toBe(true);
  });

  it("backward multiplies the gradient by the mask", () => {
    const core = getCore();
    const n = 37;
    const { mask } = run(core, new Float32Array(n).fill(1), 0.3, 5, 5);
    const dya = randomArray(rng(41), n);
    const [m, d] = [core.alloc(n), core.alloc(n)];
    core.write(m, mask);
    core.write(d, dya);
    dropoutBackward(core, n, m, d);
    expect(Array.from(core.read(d))).toEqual(Array.from(dya, (g, i) => Math.fround(g * mask[i]!)));
    core.free(m);
    core.free(d);
  });

  it("rejects bad rates, seeds, steps, counts and buffers by name", () => {
    const core = getCore();
    const [a, short] = [core.alloc(4), core.alloc(3)];
    core.write(a, [1, 2, 3, 4]);
    expect(() => dropoutForward(core, 4, 1, 1, 1, a, a)).toThrow("dropoutForward: rate must be a number in [0, 1), received 1");
    expect(() => dropoutForward(core, 4, -0.1, 1, 1, a, a)).toThrow("dropoutForward: rate must be a number in [0, 1), received -0.1");
    expect(() => dropoutForward(core, 4, NaN, 1, 1, a, a)).toThrow("dropoutForward: rate must be a number in [0, 1), received NaN");
    expect(() => dropoutForward(core, 4, 0.5, -1, 1, a, a)).toThrow("dropoutForward: seed must be a whole number from 0 to 4294967295, received -1");
    expect(() => dropoutForward(core, 4, 0.5, 1, 2 ** 32, a, a)).toThrow("dropoutForward: step must be a whole number from 0 to 4294967295, received 4294967296");
    expect(() => dropoutForward(core, 0, 0.5, 1, 1, a, a)).toThrow("dropoutForward: n must be a whole number >= 1, received 0");
    expect(() => dropoutForward(core, 4, 0.5, 1, 1, a, short)).toThrow("dropoutForward: mask holds 3 elements, expected at least 4");
    expect(() => dropoutBackward(core, 4, short, a)).toThrow("dropoutBackward: mask holds 3 elements, expected at least 4");
    expect(Array.from(core.read(a))).toEqual([1, 2, 3, 4]);
    core.free(a);
    core.free(short);
  });

  it("rejects buffers that overlap a written one by name, before writing", () => {
    const core = getCore();
    const arena = core.alloc(8);
    core.write(arena, [1, 2, 3, 4, 5, 6, 7, 8]);
    const message = "share memory; an output must not overlap another argument";
    expect(() => dropoutForward(core, 4, 0.5, 1, 1, arena, arena)).toThrow(`dropoutForward: xy and mask ${message}`);
    expect(() => dropoutForward(core, 4, 0.5, 1, 1, arena.subarray(0, 4), arena.subarray(3, 4))).toThrow(`dropoutForward: xy and mask ${message}`);
    expect(() => dropoutBackward(core, 4, arena.subarray(2, 4), arena.subarray(0, 4))).toThrow(`dropoutBackward: mask and dxy ${message}`);
    expect(Array.from(core.read(arena))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    core.free(arena);
  });
});

describe("dropout: SIMD and scalar builds draw the same mask", () => {
  it("gives identical masks and outputs", async () => {
    const [simd, scalar] = [await createCore("simd"), await createCore("scalar")];
    const x = randomArray(rng(42), 1001);
    for (const [rate, seed, step] of [[0.5, 1, 1], [0.25, 0xdeadbeef, 12345], [0.9, 7, 0xffff_ffff]] as const) {
      expect(run(simd, x, rate, seed, step)).toEqual(run(scalar, x, rate, seed, step));
    }
  });
});
