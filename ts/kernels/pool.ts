/**
 * Typed, checked wrappers of the 2-D pooling exports (NHWC f32).
 *
 * Output pixel `(oh, ow)` pools the input rows `oh*strideH - padTop ..` (`poolH` of them)
 * and columns `ow*strideW - padLeft ..` (`poolW`), clipped to the image: padded cells take
 * no part (they never win a max and are left out of an average's divisor, as in Keras).
 * Each wrapper validates the dims and every buffer first, so no call can trap.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { pool2dDims, type Pool2dDims } from "../shapes.js";
import { beginBuffers, checkedBuffer, checkNoOverlap, checkSliceLength, checkWindowFields, checkWindowGeometry } from "./check.js";

const inputLength = (d: Pool2dDims) => d.batch * d.inH * d.inW * d.channels;
const outputLength = (d: Pool2dDims) => d.batch * d.outH * d.outW * d.channels;

const SIZE_FIELDS = ["batch", "inH", "inW", "channels", "poolH", "poolW", "strideH", "strideW"] as const;
const WINDOW_FIELDS = ["inH", "inW", "poolH", "poolW"] as const;
const shapesDims = (d: Pool2dDims) => pool2dDims(d.batch, d.inH, d.inW, d.channels, d.poolH, d.poolW, d.strideH, d.strideW, d.padding);

/** Checks a pooling dims object (see {@link pool2dDims}); allocates nothing when it passes. */
function checkPool(op: string, d: Pool2dDims): void {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${String(d)}; expected an object from pool2dDims()`);
  checkWindowFields(op, d, SIZE_FIELDS, "pool window", WINDOW_FIELDS);
  checkWindowGeometry(op, d, d.poolH, d.poolW, shapesDims, "pool2dDims");
  checkSliceLength(op, "x", inputLength(d));
  checkSliceLength(op, "y", outputLength(d));
}

/** Calls pooling export `name` with d's dims and two or three pointers (the third may be absent). */
function callPool(core: WasmCore, name: string, d: Pool2dDims, p0: number, p1: number, p2?: number): number {
  const same = d.padding === "same" ? 1 : 0;
  const f = core.fn(name);
  return p2 === undefined
    ? f(d.batch, d.inH, d.inW, d.channels, d.poolH, d.poolW, d.strideH, d.strideW, same, p0, p1)
    : f(d.batch, d.inH, d.inW, d.channels, d.poolH, d.poolW, d.strideH, d.strideW, same, p0, p1, p2);
}

/**
 * Max-pooling forward: `y` (overwritten) holds each window's maximum and `argmax` (a "u32"
 * buffer of y's length, overwritten) the flat index in `x` of that maximum, the first
 * one in row-major window order on ties.
 */
export function maxPool2dForward(core: WasmCore, d: Pool2dDims, x: WasmBuffer, y: WasmBuffer, argmax: WasmBuffer): void {
  const op = "maxPool2dForward";
  checkPool(op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const yp = checkedBuffer(core, op, "y", y, outputLength(d), true);
  const ap = checkedBuffer(core, op, "argmax", argmax, outputLength(d), true, "u32");
  checkNoOverlap(op);
  callPool(core, "max_pool2d_forward", d, xp, yp, ap);
}

/**
 * Max-pooling backward: `dx` (overwritten) is 0 except `dx[argmax[i]] += dy[i]`, summed
 * where windows overlap. Throws, leaving `dx` untouched, when an `argmax` entry is not an
 * index of the input.
 */
export function maxPool2dBackward(core: WasmCore, d: Pool2dDims, dy: WasmBuffer, argmax: WasmBuffer, dx: WasmBuffer): void {
  const op = "maxPool2dBackward";
  checkPool(op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const ap = checkedBuffer(core, op, "argmax", argmax, outputLength(d), false, "u32");
  const dxp = checkedBuffer(core, op, "dx", dx, inputLength(d), true);
  checkNoOverlap(op);
  const bad = callPool(core, "max_pool2d_backward", d, dyp, ap, dxp);
  if (bad >= 0) {
    const value = core.u32(argmax)[bad];
    throw new Error(`${op}: argmax[${bad}] is ${value}, not an index of the input (${inputLength(d)} elements); pass the argmax written by maxPool2dForward`);
  }
}

/** Average-pooling forward: `y` (overwritten) is the mean of each window's real cells. */
export function avgPool2dForward(core: WasmCore, d: Pool2dDims, x: WasmBuffer, y: WasmBuffer): void {
  const op = "avgPool2dForward";
  checkPool(op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const yp = checkedBuffer(core, op, "y", y, outputLength(d), true);
  checkNoOverlap(op);
  callPool(core, "avg_pool2d_forward", d, xp, yp);
}

/**
 * Average-pooling backward: `dx` (overwritten) gets `dy[i] / count_i` in each of the
 * `count_i` real cells of window `i`, summed where windows overlap.
 */
export function avgPool2dBackward(core: WasmCore, d: Pool2dDims, dy: WasmBuffer, dx: WasmBuffer): void {
  const op = "avgPool2dBackward";
  checkPool(op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const dxp = checkedBuffer(core, op, "dx", dx, inputLength(d), true);
  checkNoOverlap(op);
  callPool(core, "avg_pool2d_backward", d, dyp, dxp);
}
