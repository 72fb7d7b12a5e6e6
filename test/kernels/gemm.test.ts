import { expect, it } from "vitest";
import { gemm, type GemmShape } from "../../ts/kernels/gemm.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { describeEachCore } from "../helpers/cores.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { referenceGemm } from "../reference/gemm.js";

/** The GEMMs of LeNet-5 training at batch 64 (im2col convolutions, dense layers). */
const LENET: GemmShape[] = [
  { m: 50176, n: 6, k: 25 },
  { m: 25, n: 6, k: 50176, transA: true },
  { m: 6400, n: 16, k: 150 },
  { m: 150, n: 16, k: 6400, transA: true },
  { m: 6400, n: 150, k: 16, transB: true },
  { m: 64, n: 120, k: 400 },
  { m: 400, n: 120, k: 64, transA: true },
  { m: 64, n: 400, k: 120, transB: true },
  { m: 64, n: 10, k: 84 },
  { m: 84, n: 10, k: 64, transA: true },
  { m: 64, n: 84, k: 10, transB: true },
];

const GUARD = 5;

/**
 * Runs `s` in the wasm core on random data and compares with the reference. C starts
 * as NaN unless accumulating, and GUARD floats after it must come back untouched.
 */
function checkShape(core: WasmCore, s: GemmShape, seed: number): void {
  const next = rng(seed);
  const { m, n, k } = s;
  const a = randomArray(next, m * k);
  const b = randomArray(next, k * n);
  const start = s.accumulate ? randomArray(next, m * n) : new Float32Array(m * n).fill(NaN);
  const [ab, bb, cb] = [core.alloc(m * k), core.alloc(k * n), core.alloc(m * n + GUARD)];
  try {
    core.write(ab, a);
    core.write(bb, b);
    core.write(cb, start);
    core.f32(cb).fill(777, m * n);
    gemm(core, s, ab, bb, cb);
    const got = core.read(cb);
    const want = start.slice();
    referenceGemm(m, n, k, a, !!s.transA, b, !!s.transB, want, !!s.accumulate);
    const name = `gemm ${JSON.stringify(s)}`;
    // f32 sums of k terms of size <= 1: allow error growing with k.
    expectClose(got.subarray(0, m * n), want, name, 1e-4, 2e-6 * (k + 1));
    expect(Array.from(got.subarray(m * n)), `${name}: guard after C`).toEqual(new Array(GUARD).fill(777));
  } finally {
    core.free(ab);
    core.free(bb);
    core.free(cb);
  }
}

describeEachCore("gemm", (getCore) => {
  it("matches the reference on every layout of small and odd shapes", () => {
    const core = getCore();
    const sizes: [number, number, number][] = [
      [0, 3, 4], [3, 0, 4], [3, 4, 0], [1, 1, 1], [3, 5, 7], [4, 8, 1], [5, 9, 13], [12, 12, 12],
      [17, 257, 33], [130, 65, 129], [70, 260, 260], [2, 3, 600],
    ];
    let seed = 1;
    for (const [m, n, k] of sizes) {
      for (let bits = 0; bits < 8; bits++) {
        checkShape(core, { m, n, k, transA: !!(bits & 1), transB: !!(bits & 2), accumulate: !!(bits & 4) }, seed++);
      }
    }
  });

  it("matches the reference on random shapes", () => {
    const core = getCore();
    const next = rng(42);
    for (let t = 0; t < 40; t++) {
      const s: GemmShape = {
        m: randomInt(next, 1, 90), n: randomInt(next, 1, 90), k: randomInt(next, 1, 300),
        transA: next() < 0.5, transB: next() < 0.5, accumulate: next() < 0.5,
      };
      checkShape(core, s, 100 + t);
    }
  });

  it("matches the reference on the LeNet-5 training shapes", () => {
    const core = getCore();
    LENET.forEach((s, i) => checkShape(core, s, 200 + i));
    checkShape(core, { ...LENET[3]!, accumulate: true }, 300);
  });

  it("zeroes C for an empty sum, or leaves it when accumulating", () => {
    const core = getCore();
    const c = core.alloc(6);
    const none = core.alloc(0);
    core.f32(c).fill(NaN);
    gemm(core, { m: 2, n: 3, k: 0 }, none, none, c);
    expect(Array.from(core.read(c))).toEqual([0, 0, 0, 0, 0, 0]);
    core.f32(c).fill(2.5);
    gemm(core, { m: 2, n: 3, k: 0, accumulate: true }, none, none, c);
    expect(Array.from(core.read(c))).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    core.free(c);
    core.free(none);
  });

  it("rejects bad dimensions, flags, short and overlapping buffers by name", () => {
    const core = getCore();
    const a = core.alloc(6);
    const b = core.alloc(6);
    const c = core.alloc(4);
    const call = (s: GemmShape, x = a, y = b, z = c) => () => gemm(core, s, x, y, z);
    expect(call({ m: 2.5, n: 2, k: 3 })).toThrow("gemm: m must be a whole number between 0 and 2147483647, received 2.5");
    expect(call({ m: 2, n: -1, k: 3 })).toThrow("gemm: n must be a whole number between 0 and 2147483647, received -1");
    expect(call({ m: 2, n: 2, k: NaN })).toThrow("gemm: k must be a whole number between 0 and 2147483647, received NaN");
    expect(call({ m: 2 ** 31, n: 0, k: 0 })).toThrow("gemm: m must be a whole number between 0 and 2147483647, received 2147483648");
    expect(call({ m: 2, n: 2, k: 3, transA: 1 as unknown as boolean })).toThrow("gemm: transA must be a boolean, received 1");
    expect(call({ m: 2, n: 2, k: 4 })).toThrow("gemm: a holds 6 elements, expected at least 8");
    expect(call({ m: 1, n: 2, k: 4 })).toThrow("gemm: b holds 6 elements, expected at least 8");
    expect(call({ m: 3, n: 2, k: 2 })).toThrow("gemm: c holds 4 elements, expected at least 6");
    expect(call({ m: 2, n: 2, k: 3 }, a, b, a.subarray(2, 4))).toThrow("gemm: c overlaps a; the output must not share memory with an input");
    expect(call({ m: 2, n: 2, k: 3 }, a, b, b.subarray(0, 4))).toThrow("gemm: c overlaps b; the output must not share memory with an input");
    core.free(b);
    expect(call({ m: 2, n: 2, k: 3 })).toThrow("gemm: b has been freed");
    core.free(a);
    core.free(c);
  });
});
