/**
 * The implicit-GEMM conv2d path (crates/kernels/src/conv2d/implicit.rs), on both wasm
 * builds: ResNet-20's layer shapes and the path's edges (output rows not a multiple of the
 * 4-pixel tile, channel counts not multiples of 4 or 8, stride 2, both paddings, batch 1)
 * against the plain reference, and every gradient against central finite differences of
 * L = sum(y * r) with y from the forward kernel.
 */
import { expect, it } from "vitest";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../../ts/kernels/conv2d.js";
import { conv2dDims, type Conv2dDims } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import {
  conv2dBackwardBiasRef, conv2dBackwardFilterRef, conv2dBackwardInputRef, conv2dForwardRef,
} from "../reference/conv2d.js";

const sizes = (d: Conv2dDims) => ({
  x: d.batch * d.inH * d.inW * d.inC,
  y: d.batch * d.outH * d.outW * d.outC,
  w: d.kH * d.kW * d.inC * d.outC,
});

/** Cells past each output that must stay NaN. */
const GUARD = 7;

/** Runs `body` with a helper making buffers that are all freed afterwards. */
function withBuffers(core: WasmCore, body: (make: (values: Float32Array | number) => WasmBuffer) => void): void {
  const all: WasmBuffer[] = [];
  const make = (values: Float32Array | number) => {
    const n = typeof values === "number" ? values + GUARD : values.length;
    const b = core.alloc(n);
    all.push(b);
    if (typeof values === "number") core.f32(b).fill(NaN);
    else core.write(b, values);
    return b;
  };
  try {
    body(make);
  } finally {
    for (const b of all) core.free(b);
  }
}

/** The first `n` floats of an output whose guard cells must be untouched. */
function output(core: WasmCore, b: WasmBuffer, n: number, what: string): Float32Array {
  const all = core.read(b);
  expect(all.subarray(n).every(Number.isNaN), `${what} wrote past its end`).toBe(true);
  return all.subarray(0, n);
}

function checkReference(core: WasmCore, d: Conv2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const n = sizes(d);
  const [x, w, bias, dy] = [randomArray(next, n.x), randomArray(next, n.w), randomArray(next, d.outC), randomArray(next, n.y)];
  const tol = (terms: number) => 2e-6 * terms + 1e-5;
  withBuffers(core, (make) => {
    // Scratch starts as NaN: the kernels must write before they read.
    const [xb, wb, bb, dyb, s] = [make(x), make(w), make(bias), make(dy), make(conv2dScratchLength(core, d))];
    const [y, dx, dw, db] = [make(n.y), make(n.x), make(n.w), make(d.outC)];
    conv2dForward(core, d, xb, wb, bb, y, s);
    expectClose(output(core, y, n.y, "y"), conv2dForwardRef(d, x, w, bias), `forward ${what}`, 1e-4, tol(d.kH * d.kW * d.inC));
    conv2dForward(core, d, xb, wb, null, y, s);
    expectClose(output(core, y, n.y, "y"), conv2dForwardRef(d, x, w, null), `forward without bias ${what}`, 1e-4, tol(d.kH * d.kW * d.inC));
    conv2dBackwardInput(core, d, dyb, wb, dx, s);
    expectClose(output(core, dx, n.x, "dx"), conv2dBackwardInputRef(d, dy, w), `backward input ${what}`, 1e-4, tol(d.kH * d.kW * d.outC));
    const rows = d.batch * d.outH * d.outW;
    conv2dBackwardFilter(core, d, xb, dyb, dw, s);
    expectClose(output(core, dw, n.w, "dw"), conv2dBackwardFilterRef(d, x, dy), `backward filter ${what}`, 1e-4, tol(rows));
    conv2dBackwardBias(core, d, dyb, db);
    expectClose(output(core, db, d.outC, "db"), conv2dBackwardBiasRef(d, dy), `backward bias ${what}`, 1e-4, tol(rows));
  });
}

/** float64 sum(y * r). */
function dot(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i]! * r[i]!;
  return s;
}

function checkFiniteDifferences(core: WasmCore, d: Conv2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const n = sizes(d);
  const r = randomArray(next, n.y);
  withBuffers(core, (make) => {
    const [x, w, b, rb, s] = [make(randomArray(next, n.x)), make(randomArray(next, n.w)), make(randomArray(next, d.outC)), make(r), make(conv2dScratchLength(core, d))];
    const [y, dx, dw, db] = [make(n.y), make(n.x), make(n.w), make(d.outC)];
    const loss = () => {
      conv2dForward(core, d, x, w, b, y, s);
      return dot(core.f32(y).subarray(0, n.y), r);
    };
    conv2dBackwardInput(core, d, rb, w, dx, s);
    conv2dBackwardFilter(core, d, x, rb, dw, s);
    conv2dBackwardBias(core, d, rb, db);
    for (const [name, param, grad, len] of [["dx", x, dx, n.x], ["dw", w, dw, n.w], ["db", b, db, d.outC]] as const) {
      const analytic = core.read(grad).subarray(0, len);
      const picks = [0, len - 1, ...Array.from({ length: 30 }, () => randomInt(next, 0, len - 1))];
      for (const i of picks) {
        const original = core.f32(param)[i]!;
        // L is linear in each parameter: a large step loses nothing to curvature.
        const [up, down] = [Math.fround(original + 0.5), Math.fround(original - 0.5)];
        core.f32(param)[i] = up;
        const lossUp = loss();
        core.f32(param)[i] = down;
        const lossDown = loss();
        core.f32(param)[i] = original;
        const numeric = (lossUp - lossDown) / (up - down);
        const err = Math.abs(analytic[i]! - numeric);
        expect(err <= 1e-3 + 1e-3 * Math.abs(numeric), `${name}[${i}] ${what}: backward ${analytic[i]}, finite difference ${numeric}`).toBe(true);
      }
    }
  });
}

/** ResNet-20's conv shapes at batch `n` (the 1x1 shortcuts run as plain GEMMs). */
const resnet20 = (n: number) => [
  conv2dDims(n, 32, 32, 3, 3, 3, 16, 1, 1, "same"), // 3 channels: implicit, one segment per kernel row
  conv2dDims(n, 32, 32, 16, 3, 3, 16, 1, 1, "same"),
  conv2dDims(n, 32, 32, 16, 3, 3, 32, 2, 2, "same"),
  conv2dDims(n, 16, 16, 32, 3, 3, 32, 1, 1, "same"),
  conv2dDims(n, 16, 16, 32, 3, 3, 64, 2, 2, "same"),
  conv2dDims(n, 8, 8, 64, 3, 3, 64, 1, 1, "same"),
  conv2dDims(n, 32, 32, 16, 1, 1, 32, 2, 2, "same"),
  conv2dDims(n, 16, 16, 32, 1, 1, 64, 2, 2, "same"),
];

/** Edges of the implicit path: partial pixel tiles, odd channel counts, strides, valid padding. */
const edges = [
  conv2dDims(2, 7, 9, 5, 3, 3, 13, 1, 1, "same"), // rows of 9 pixels: a 1-pixel tile; 13 filters
  conv2dDims(1, 6, 7, 9, 3, 3, 11, 2, 2, "same"), // stride 2, rows of 4 pixels
  conv2dDims(3, 5, 6, 6, 3, 2, 7, 1, 1, "valid"),
  conv2dDims(1, 3, 3, 17, 3, 3, 9, 1, 1, "same"), // rows narrower than a tile
  conv2dDims(2, 11, 10, 7, 1, 1, 5, 2, 2, "same"), // 1x1 with a stride: im2col (a plain GEMM)
  conv2dDims(2, 9, 8, 6, 1, 1, 24, 3, 2, "valid"), // 1x1, strides 3 and 2
  conv2dDims(1, 8, 8, 12, 5, 5, 8, 1, 1, "same"), // padding 2 each side
  conv2dDims(2, 10, 7, 5, 4, 3, 6, 3, 2, "same"), // even kernel, odd padding
  conv2dDims(1, 4, 40, 8, 3, 3, 16, 1, 1, "same"), // rows wider than a filter-gradient band
];

describeEachCore("conv2d implicit path", (getCore) => {
  it("matches the reference on ResNet-20's shapes at batch 2 and 1", () => {
    const next = rng(140);
    for (const d of [...resnet20(2), ...resnet20(1)]) checkReference(getCore(), d, next);
  });

  it("matches the reference on partial tiles, odd channel counts, strides and paddings", () => {
    const next = rng(141);
    for (const d of edges) checkReference(getCore(), d, next);
  });

  it("gives the gradients of finite differences", () => {
    const next = rng(142);
    for (const d of [
      conv2dDims(2, 6, 7, 5, 3, 3, 9, 1, 1, "same"),
      conv2dDims(1, 7, 6, 6, 3, 3, 8, 2, 2, "same"),
      conv2dDims(2, 5, 5, 8, 1, 1, 6, 2, 2, "valid"),
      conv2dDims(1, 6, 6, 5, 2, 3, 7, 1, 1, "valid"),
    ]) {
      checkFiniteDifferences(getCore(), d, next);
    }
  });
});
