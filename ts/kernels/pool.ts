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
import { checkAddressable, checkDerivedFields, checkedPointers, checkWindowFields } from "./check.js";

const inputLength = (d: Pool2dDims) => d.batch * d.inH * d.inW * d.channels;
const outputLength = (d: Pool2dDims) => d.batch * d.outH * d.outW * d.channels;

/** Checks a pooling dims object (see {@link pool2dDims}) and returns the export's dims arguments. */
function poolArgs(op: string, d: Pool2dDims): number[] {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${String(d)}; expected an object from pool2dDims()`);
  const sizes = ["batch", "inH", "inW", "channels", "poolH", "poolW", "strideH", "strideW"];
  checkWindowFields(op, d, sizes, "pool window", ["inH", "inW", "poolH", "poolW"]);
  const want = pool2dDims(d.batch, d.inH, d.inW, d.channels, d.poolH, d.poolW, d.strideH, d.strideW, d.padding);
  checkDerivedFields(op, d, want, "pool2dDims");
  checkAddressable(op, { x: inputLength(d), y: outputLength(d) });
  return [d.batch, d.inH, d.inW, d.channels, d.poolH, d.poolW, d.strideH, d.strideW, d.padding === "same" ? 1 : 0];
}

/**
 * Max-pooling forward: `y` (overwritten) holds each window's maximum and `argmax` (a "u32"
 * buffer of y's length, overwritten) the flat index in `x` of that maximum, the first
 * one in row-major window order on ties.
 */
export function maxPool2dForward(core: WasmCore, d: Pool2dDims, x: WasmBuffer, y: WasmBuffer, argmax: WasmBuffer): void {
  const op = "maxPool2dForward";
  const args = poolArgs(op, d);
  const ptrs = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["y", y, outputLength(d), true],
    ["argmax", argmax, outputLength(d), true, "u32"],
  ]);
  core.fn("max_pool2d_forward")(...args, ...ptrs);
}

/**
 * Max-pooling backward: `dx` (overwritten) is 0 except `dx[argmax[i]] += dy[i]`, summed
 * where windows overlap. Throws, leaving `dx` untouched, when an `argmax` entry is not an
 * index of the input.
 */
export function maxPool2dBackward(core: WasmCore, d: Pool2dDims, dy: WasmBuffer, argmax: WasmBuffer, dx: WasmBuffer): void {
  const op = "maxPool2dBackward";
  const args = poolArgs(op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["argmax", argmax, outputLength(d), false, "u32"],
    ["dx", dx, inputLength(d), true],
  ]);
  const bad = core.fn("max_pool2d_backward")(...args, ...ptrs);
  if (bad >= 0) {
    const value = core.u32(argmax)[bad];
    throw new Error(`${op}: argmax[${bad}] is ${value}, not an index of the input (${inputLength(d)} elements); pass the argmax written by maxPool2dForward`);
  }
}

/** Average-pooling forward: `y` (overwritten) is the mean of each window's real cells. */
export function avgPool2dForward(core: WasmCore, d: Pool2dDims, x: WasmBuffer, y: WasmBuffer): void {
  const op = "avgPool2dForward";
  const args = poolArgs(op, d);
  const ptrs = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["y", y, outputLength(d), true],
  ]);
  core.fn("avg_pool2d_forward")(...args, ...ptrs);
}

/**
 * Average-pooling backward: `dx` (overwritten) gets `dy[i] / count_i` in each of the
 * `count_i` real cells of window `i`, summed where windows overlap.
 */
export function avgPool2dBackward(core: WasmCore, d: Pool2dDims, dy: WasmBuffer, dx: WasmBuffer): void {
  const op = "avgPool2dBackward";
  const args = poolArgs(op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["dx", dx, inputLength(d), true],
  ]);
  core.fn("avg_pool2d_backward")(...args, ...ptrs);
}
