/**
 * Each conv and pooling backward kernel against central finite differences of the scalar
 * loss L = sum(y * r), r fixed and random, with y computed by the forward wasm kernel and
 * L summed in float64. With dy = r, every backward kernel must return dL/d(its input).
 */
import { expect, it } from "vitest";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../../ts/kernels/conv2d.js";
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "../../ts/kernels/pool.js";
import { conv2dDims, pool2dDims, type Conv2dDims, type Pool2dDims } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

/** Indices to probe: all of a small tensor, else the ends and a random sample. */
function probes(next: () => number, n: number, count = 40): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return [0, n - 1, ...Array.from({ length: count - 2 }, () => randomInt(next, 0, n - 1))];
}

/**
 * Central difference of `loss` in element `i` of `buf`, dividing by the step actually
 * taken after rounding to f32.
 */
function centralDifference(core: WasmCore, buf: WasmBuffer, i: number, h: number, loss: () => number): number {
  const original = core.f32(buf)[i]!;
  const [up, down] = [Math.fround(original + h), Math.fround(original - h)];
  core.f32(buf)[i] = up;
  const lossUp = loss();
  core.f32(buf)[i] = down;
  const lossDown = loss();
  core.f32(buf)[i] = original;
  return (lossUp - lossDown) / (up - down);
}

/** Compares the analytic gradient in `grad` with finite differences at sampled indices. */
function expectGradient(
  core: WasmCore, what: string, param: WasmBuffer, grad: Float32Array, h: number, loss: () => number, next: () => number,
): void {
  for (const i of probes(next, grad.length)) {
    const numeric = centralDifference(core, param, i, h, loss);
    const err = Math.abs(grad[i]! - numeric);
    expect(err <= 1e-3 + 1e-3 * Math.abs(numeric), `${what}[${i}]: backward ${grad[i]}, finite difference ${numeric}`).toBe(true);
  }
}

/** Allocates an f32 buffer holding `values`. */
function upload(core: WasmCore, values: Float32Array): WasmBuffer {
  const b = core.alloc(values.length);
  core.write(b, values);
  return b;
}

/** float64 sum(y * r). */
function dot(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i]! * r[i]!;
  return s;
}

function checkConv(core: WasmCore, d: Conv2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const nx = d.batch * d.inH * d.inW * d.inC;
  const ny = d.batch * d.outH * d.outW * d.outC;
  const nw = d.kH * d.kW * d.inC * d.outC;
  const r = randomArray(next, ny);
  const [x, w, b, rb] = [upload(core, randomArray(next, nx)), upload(core, randomArray(next, nw)), upload(core, randomArray(next, d.outC)), upload(core, r)];
  const [y, dx, dw, db] = [core.alloc(ny), core.alloc(nx), core.alloc(nw), core.alloc(d.outC)];
  const scratch = core.alloc(conv2dScratchLength(core, d));
  const loss = () => {
    conv2dForward(core, d, x, w, b, y, scratch);
    return dot(core.f32(y), r);
  };
  conv2dBackwardInput(core, d, rb, w, dx, scratch);
  conv2dBackwardFilter(core, d, x, rb, dw, scratch);
  conv2dBackwardBias(core, d, rb, db);
  // The loss is linear in each of x, w and bias, so a large step loses nothing to curvature
  // and keeps f32 rounding small next to the change it causes.
  expectGradient(core, `dx ${what}`, x, core.read(dx), 0.5, loss, next);
  expectGradient(core, `dw ${what}`, w, core.read(dw), 0.5, loss, next);
  expectGradient(core, `db ${what}`, b, core.read(db), 0.5, loss, next);
  for (const buf of [x, w, b, rb, y, dx, dw, db, scratch]) core.free(buf);
}

/** `n` distinct values 0.01 apart in random order, so no max-pooling window has a tie. */
function distinctValues(next: () => number, n: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(next, 0, i);
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}

function checkPool(core: WasmCore, d: Pool2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const nx = d.batch * d.inH * d.inW * d.channels;
  const ny = d.batch * d.outH * d.outW * d.channels;
  const r = randomArray(next, ny);
  const [x, rb] = [upload(core, distinctValues(next, nx)), upload(core, r)];
  const [y, argmax, dx] = [core.alloc(ny), core.alloc(ny, "u32"), core.alloc(nx)];

  const maxLoss = () => {
    maxPool2dForward(core, d, x, y, argmax);
    return dot(core.f32(y), r);
  };
  maxLoss();
  maxPool2dBackward(core, d, rb, argmax, dx);
  // A step well below the 0.01 spacing never changes which cell wins.
  expectGradient(core, `max dx ${what}`, x, core.read(dx), 2e-3, maxLoss, next);

  const avgLoss = () => {
    avgPool2dForward(core, d, x, y);
    return dot(core.f32(y), r);
  };
  avgPool2dBackward(core, d, rb, dx);
  expectGradient(core, `avg dx ${what}`, x, core.read(dx), 0.5, avgLoss, next);
  for (const buf of [x, rb, y, argmax, dx]) core.free(buf);
}

describeEachCore("conv2d and pooling gradients vs finite differences", (getCore) => {
  it("conv2d: input, filter and bias gradients", () => {
    const next = rng(21);
    for (const d of [
      conv2dDims(2, 6, 5, 3, 3, 2, 4, 2, 2, "same"),
      conv2dDims(1, 7, 7, 2, 3, 3, 3, 1, 1, "valid"),
      conv2dDims(2, 5, 6, 4, 1, 1, 3, 1, 1, "valid"), // pointwise path
      conv2dDims(1, 3, 2, 2, 4, 5, 2, 1, 1, "same"), // kernel larger than the input
      conv2dDims(2, 9, 8, 3, 4, 3, 5, 3, 2, "same"),
      conv2dDims(2, 14, 14, 6, 5, 5, 16, 1, 1, "valid"), // LeNet-5 conv 2
    ]) {
      checkConv(getCore(), d, next);
    }
  });

  it("max and average pooling: input gradients", () => {
    const next = rng(22);
    for (const d of [
      pool2dDims(2, 6, 5, 3, 2, 2, 2, 2, "valid"),
      pool2dDims(2, 5, 5, 5, 3, 3, 1, 1, "same"), // overlapping windows sum their gradients
      pool2dDims(1, 7, 4, 6, 3, 2, 2, 3, "same"),
      pool2dDims(1, 3, 2, 9, 5, 4, 1, 1, "same"), // window larger than the input
      pool2dDims(2, 28, 28, 6, 2, 2, 2, 2, "valid"), // LeNet-5 pool 1
    ]) {
      checkPool(getCore(), d, next);
    }
  });
});
