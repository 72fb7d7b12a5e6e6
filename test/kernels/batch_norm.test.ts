import { expect, it } from "vitest";
import {
  batchNormBackward, batchNormBackwardInference, batchNormForwardInference, batchNormForwardTrain, batchNormUpdateMoving,
} from "../../ts/kernels/batch_norm.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { batchStats, normalizeReference } from "../reference/batch_norm.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(Math.max(data.length, 1));
  core.write(buf, data);
  return buf;
}

/** Shapes around the kernel's 64-channel blocks and its 4-lane bodies, plus random ones. */
function shapes(next: () => number): [number, number][] {
  const out: [number, number][] = [[1, 1], [2, 3], [5, 4], [7, 63], [3, 64], [9, 65], [4, 131], [64, 10], [300, 6]];
  for (let i = 0; i < 6; i++) out.push([randomInt(next, 1, 40), randomInt(next, 1, 70)]);
  return out;
}

describeEachCore("batch normalization kernels", (getCore) => {
  it("training forward: statistics and output match the two-pass reference (also far from zero)", () => {
    const core = getCore();
    const next = rng(11);
    for (const [rows, c] of shapes(next)) {
      for (const [center, scale, offset] of [[true, true, 0], [false, true, 50], [true, false, -20], [false, false, 0]] as const) {
        const xa = randomArray(next, rows * c, offset - 2, offset + 2);
        const [ga, ba] = [randomArray(next, c, 0.5, 1.5), randomArray(next, c)];
        const [x, g, b, y, stats] = [upload(core, xa), upload(core, ga), upload(core, ba), core.alloc(rows * c), core.alloc(2 * c)];
        const what = `rows ${rows} c ${c} center ${center} scale ${scale} offset ${offset}`;
        batchNormForwardTrain(core, rows, c, 1e-3, x, scale ? g : null, center ? b : null, y, stats);
        const s = batchStats(rows, c, xa);
        const got = core.read(stats);
        expectClose(got.subarray(0, c), s.mean, `mean ${what}`, 1e-5, 1e-5);
        expectClose(got.subarray(c), s.variance, `variance ${what}`, 1e-3, 1e-5);
        const want = normalizeReference(rows, c, 1e-3, xa, s.mean, s.variance, scale ? ga : null, center ? ba : null);
        expectClose(core.read(y), want, `y ${what}`, 1e-3, 1e-3);
        for (const buf of [x, g, b, y, stats]) core.free(buf);
      }
    }
  });

  it("moving update, inference forward and inference backward follow Keras's formulas", () => {
    const core = getCore();
    const next = rng(12);
    for (const [rows, c] of shapes(next)) {
      const xa = randomArray(next, rows * c);
      const [ga, ba, mm, mv, sa] = [randomArray(next, c), randomArray(next, c), randomArray(next, c), randomArray(next, c, 0.1, 2), randomArray(next, 2 * c, 0, 1)];
      const [x, g, b, mmb, mvb, y, s] = [upload(core, xa), upload(core, ga), upload(core, ba), upload(core, mm), upload(core, mv), core.alloc(rows * c), upload(core, sa)];
      batchNormForwardInference(core, rows, c, 1e-3, x, g, b, mmb, mvb, y);
      expectClose(core.read(y), normalizeReference(rows, c, 1e-3, xa, mm, mv, ga, ba), `inference ${rows}x${c}`, 1e-5, 1e-5);
      const dya = randomArray(next, rows * c);
      const [dy, dx] = [upload(core, dya), core.alloc(rows * c)];
      batchNormBackwardInference(core, rows, c, 1e-3, dy, g, mvb, dx);
      expectClose(core.read(dx), Array.from(dya, (v, i) => (v * ga[i % c]!) / Math.sqrt(mv[i % c]! + 1e-3)), `inference dx ${rows}x${c}`, 1e-5, 1e-6);
      batchNormUpdateMoving(core, c, 0.99, s, mmb, mvb);
      expectClose(core.read(mmb), Array.from(mm, (v, j) => v * 0.99 + sa[j]! * (1 - 0.99)), `moving mean ${c}`, 1e-6, 1e-7);
      expectClose(core.read(mvb), Array.from(mv, (v, j) => v * 0.99 + sa[c + j]! * (1 - 0.99)), `moving variance ${c}`, 1e-6, 1e-7);
      for (const buf of [x, g, b, mmb, mvb, y, s, dy, dx]) core.free(buf);
    }
  });

  it("reject bad counts, epsilon, momentum, short buffers and overlaps by name", () => {
    const core = getCore();
    const [x, y, st, small] = [core.alloc(12), core.alloc(12), core.alloc(8), core.alloc(3)];
    expect(() => batchNormForwardTrain(core, 0, 4, 1e-3, x, null, null, y, st)).toThrow("batchNormForwardTrain: rows must be a whole number >= 1, received 0");
    expect(() => batchNormForwardTrain(core, 3, 4, -1, x, null, null, y, st)).toThrow("batchNormForwardTrain: epsilon must be a finite number >= 0, received -1");
    expect(() => batchNormForwardTrain(core, 3, 4, 1e-3, x, small, null, y, st)).toThrow("batchNormForwardTrain: gamma holds 3 elements, expected at least 4");
    expect(() => batchNormForwardTrain(core, 3, 4, 1e-3, x, null, null, y, small)).toThrow("batchNormForwardTrain: stats holds 3 elements, expected at least 8");
    expect(() => batchNormForwardTrain(core, 3, 4, 1e-3, x, null, null, x, st)).toThrow("batchNormForwardTrain: x and y share memory");
    expect(() => batchNormUpdateMoving(core, 4, 1, st, x, y)).toThrow("batchNormUpdateMoving: momentum must be a number in [0, 1), received 1");
    expect(() => batchNormBackward(core, 3, 4, 1e-3, x, y, null, st, null, small, small)).toThrow("batchNormBackward: dgamma holds 3 elements, expected at least 4");
    for (const buf of [x, y, st, small]) core.free(buf);
  });
});
