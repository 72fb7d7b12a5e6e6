/**
 * Typed, checked wrappers of the depthwise conv2d exports (NHWC f32; kernel
 * `[kH, kW, channels, multiplier]` as Keras; output channel `c * multiplier + m` comes
 * from input channel `c`), and of zero padding. Each validates the dims and every buffer
 * first, so no call can trap.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { depthwiseDims, dilatedSpan, type DepthwiseDims } from "../shapes.js";
import {
  beginBuffers, checkCount, checkDilatedWindow, checkedBuffer, checkNoOverlap, checkSliceLength, checkWhole, checkWindowFields,
  checkWindowGeometry, describe, MAX_KERNEL_DIM,
} from "./check.js";

/** Floats in `x`, `y` and `w` for depthwise dims `d`. */
export const inputLength = (d: DepthwiseDims) => d.batch * d.inH * d.inW * d.channels;
export const outputLength = (d: DepthwiseDims) => d.batch * d.outH * d.outW * d.channels * d.multiplier;
export const kernelLength = (d: DepthwiseDims) => d.kH * d.kW * d.channels * d.multiplier;

const SIZE_FIELDS = ["batch", "inH", "inW", "channels", "kH", "kW", "multiplier", "strideH", "strideW", "dilationH", "dilationW"] as const;
const WINDOW_FIELDS = ["inH", "inW", "kH", "kW"] as const;
const shapesDims = (d: DepthwiseDims) =>
  depthwiseDims(d.batch, d.inH, d.inW, d.channels, d.kH, d.kW, d.multiplier, d.strideH, d.strideW, d.padding, d.dilationH, d.dilationW);

/** Checks a depthwise dims object and the lengths it implies for the call named `op` (the fused forward of epilogue.ts too). */
export function checkDepthwiseDims(op: string, d: DepthwiseDims): void {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${describe(d)}; expected an object from depthwiseDims()`);
  checkWindowFields(op, d, SIZE_FIELDS, "kernel", WINDOW_FIELDS);
  checkDilatedWindow(op, d, d.kH, d.kW);
  checkWindowGeometry(op, d, dilatedSpan(d.kH, d.dilationH), dilatedSpan(d.kW, d.dilationW), shapesDims, "depthwiseDims");
  checkSliceLength(op, "x", inputLength(d));
  checkSliceLength(op, "y", outputLength(d));
  checkSliceLength(op, "w", kernelLength(d));
}

/** Calls depthwise export `name` with d's twelve dims and two to four pointers (extra zeros are ignored by a shorter export; no rest array: calls run every step). */
function call(core: WasmCore, name: string, d: DepthwiseDims, p0: number, p1: number, p2 = 0, p3 = 0): void {
  const same = d.padding === "same" ? 1 : 0;
  core.fn(name)(d.batch, d.inH, d.inW, d.channels, d.kH, d.kW, d.multiplier, d.strideH, d.strideW, d.dilationH, d.dilationW, same, p0, p1, p2, p3);
}

/**
 * Forward: `y[n, oh, ow, c*M + m] = bias[c*M + m] + sum over kh, kw of
 * x[n, oh*strideH + kh*dilationH - padTop, ow*strideW + kw*dilationW - padLeft, c] * w[kh, kw, c, m]`
 * (x read as 0 in the padding). `bias` may be null; `y` is overwritten.
 */
export function depthwiseForward(core: WasmCore, d: DepthwiseDims, x: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, y: WasmBuffer): void {
  const op = "depthwiseForward";
  checkDepthwiseDims(op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const wp = checkedBuffer(core, op, "w", w, kernelLength(d), false);
  const bp = checkedBuffer(core, op, "bias", bias, d.channels * d.multiplier, false);
  const yp = checkedBuffer(core, op, "y", y, outputLength(d), true);
  checkNoOverlap(op);
  call(core, "depthwise_forward", d, xp, wp, bp, yp);
}

/** Input gradient (the transpose of the forward map); `dx` is overwritten. */
export function depthwiseBackwardInput(core: WasmCore, d: DepthwiseDims, dy: WasmBuffer, w: WasmBuffer, dx: WasmBuffer): void {
  const op = "depthwiseBackwardInput";
  checkDepthwiseDims(op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const wp = checkedBuffer(core, op, "w", w, kernelLength(d), false);
  const dxp = checkedBuffer(core, op, "dx", dx, inputLength(d), true);
  checkNoOverlap(op);
  call(core, "depthwise_backward_input", d, dyp, wp, dxp);
}

/** Filter gradient `[kH, kW, channels, multiplier]`; `dw` is overwritten. */
export function depthwiseBackwardFilter(core: WasmCore, d: DepthwiseDims, x: WasmBuffer, dy: WasmBuffer, dw: WasmBuffer): void {
  const op = "depthwiseBackwardFilter";
  checkDepthwiseDims(op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const dwp = checkedBuffer(core, op, "dw", dw, kernelLength(d), true);
  checkNoOverlap(op);
  call(core, "depthwise_backward_filter", d, xp, dyp, dwp);
}

/** Bias gradient: the sum of `dy` over every output pixel; `db` is overwritten. */
export function depthwiseBackwardBias(core: WasmCore, d: DepthwiseDims, dy: WasmBuffer, db: WasmBuffer): void {
  const op = "depthwiseBackwardBias";
  checkDepthwiseDims(op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const dbp = checkedBuffer(core, op, "db", db, d.channels * d.multiplier, true);
  checkNoOverlap(op);
  call(core, "depthwise_backward_bias", d, dyp, dbp);
}

/** Shapes of a zero-padding call: `[batch, h, w, c]` in, `[batch, top + h + bottom, left + w + right, c]` out. */
export interface Pad2dDims {
  batch: number;
  h: number;
  w: number;
  c: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function checkPad(op: string, d: Pad2dDims): [number, number] {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${describe(d)}; expected { batch, h, w, c, top, bottom, left, right }`);
  checkCount(op, "dims.batch", d.batch);
  checkCount(op, "dims.h", d.h);
  checkCount(op, "dims.w", d.w);
  checkCount(op, "dims.c", d.c);
  checkWhole(op, "dims.top", d.top, 0, MAX_KERNEL_DIM);
  checkWhole(op, "dims.bottom", d.bottom, 0, MAX_KERNEL_DIM);
  checkWhole(op, "dims.left", d.left, 0, MAX_KERNEL_DIM);
  checkWhole(op, "dims.right", d.right, 0, MAX_KERNEL_DIM);
  const inner = d.batch * d.h * d.w * d.c;
  const outer = d.batch * (d.top + d.h + d.bottom) * (d.left + d.w + d.right) * d.c;
  checkSliceLength(op, "x", inner);
  checkSliceLength(op, "y", outer);
  return [inner, outer];
}

/** Zero padding: `y` (overwritten) is `x` surrounded by zeros. */
export function pad2dForward(core: WasmCore, d: Pad2dDims, x: WasmBuffer, y: WasmBuffer): void {
  const op = "pad2dForward";
  const [inner, outer] = checkPad(op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inner, false);
  const yp = checkedBuffer(core, op, "y", y, outer, true);
  checkNoOverlap(op);
  core.fn("pad2d")(d.batch, d.h, d.w, d.c, d.top, d.bottom, d.left, d.right, 0, xp, yp);
}

/** Backward of zero padding: `dx` (overwritten) is the interior of `dy`. */
export function pad2dBackward(core: WasmCore, d: Pad2dDims, dy: WasmBuffer, dx: WasmBuffer): void {
  const op = "pad2dBackward";
  const [inner, outer] = checkPad(op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outer, false);
  const dxp = checkedBuffer(core, op, "dx", dx, inner, true);
  checkNoOverlap(op);
  core.fn("pad2d")(d.batch, d.h, d.w, d.c, d.top, d.bottom, d.left, d.right, 1, dyp, dxp);
}
