/**
 * Typed, checked wrappers of the conv2d exports (NHWC f32; kernel `[kH, kW, inC, outC]`).
 *
 * Each wrapper validates the dims object and every buffer before the call, so that no
 * call can read or write out of bounds (a Rust panic in wasm is an opaque trap). Scratch
 * is sized by {@link conv2dScratchLength}; it is bounded whatever the batch size.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { conv2dDims, dilatedSpan, type Conv2dDims } from "../shapes.js";
import {
  beginBuffers, checkDilatedWindow, checkedBuffer, checkNoOverlap, checkSliceLength, checkWindowFields, checkWindowGeometry, describe,
} from "./check.js";

export { MAX_KERNEL_DIM } from "./check.js";

/** Floats in `x`, `y` and `w` for conv2d dims `d`. */
export const inputLength = (d: Conv2dDims) => d.batch * d.inH * d.inW * d.inC;
export const outputLength = (d: Conv2dDims) => d.batch * d.outH * d.outW * d.outC;
export const kernelLength = (d: Conv2dDims) => d.kH * d.kW * d.inC * d.outC;

const SIZE_FIELDS = ["batch", "inH", "inW", "inC", "kH", "kW", "outC", "strideH", "strideW", "dilationH", "dilationW"] as const;
const WINDOW_FIELDS = ["inH", "inW", "kH", "kW"] as const;
const shapesDims = (d: Conv2dDims) =>
  conv2dDims(d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.padding, d.dilationH, d.dilationW);

/**
 * Checks a conv2d dims object (see {@link conv2dDims}) and the lengths it implies for the
 * call named `op`, and returns the scratch length the kernels need (the fused forward of
 * epilogue.ts checks its dims here too). Allocates nothing when the checks pass (it runs
 * on every call).
 */
export function checkConv2d(core: WasmCore, op: string, d: Conv2dDims): number {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${describe(d)}; expected an object from conv2dDims()`);
  checkWindowFields(op, d, SIZE_FIELDS, "kernel", WINDOW_FIELDS);
  checkDilatedWindow(op, d, d.kH, d.kW);
  checkWindowGeometry(op, d, dilatedSpan(d.kH, d.dilationH), dilatedSpan(d.kW, d.dilationW), shapesDims, "conv2dDims");
  checkSliceLength(op, "x", inputLength(d));
  checkSliceLength(op, "y", outputLength(d));
  checkSliceLength(op, "w", kernelLength(d));
  const scratchLength = core.fn("conv2d_scratch_len")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same(d),
  ) >>> 0;
  const pointwise = d.kH === 1 && d.kW === 1 && d.strideH === 1 && d.strideW === 1;
  // The export answers 0 for dims it rejects; past the checks above only scratch remains.
  if (scratchLength === 0 && !pointwise) {
    throw new Error(`${op}: the scratch for these shapes would be over the 2 GiB a wasm32 kernel can address`);
  }
  return scratchLength;
}

const same = (d: Conv2dDims) => (d.padding === "same" ? 1 : 0);

/**
 * Floats of scratch that every conv2d kernel with dims `d` needs (0 for a 1x1 kernel
 * with stride 1). At most max(2^20, 32 * kH * kW * inC), whatever the batch size.
 */
export function conv2dScratchLength(core: WasmCore, d: Conv2dDims): number {
  return checkConv2d(core, "conv2dScratchLength", d);
}

/**
 * Forward pass: `y[n, oh, ow, co] = bias[co] + sum over kh, kw, ci of
 * x[n, oh*strideH + kh*dilationH - padTop, ow*strideW + kw*dilationW - padLeft, ci] * w[kh, kw, ci, co]`
 * (x read as 0 in the padding). `x`: `[batch, inH, inW, inC]`, `w`: `[kH, kW, inC, outC]`,
 * `bias`: `[outC]` or null, `y`: `[batch, outH, outW, outC]` (overwritten),
 * `scratch`: {@link conv2dScratchLength} floats.
 */
export function conv2dForward(
  core: WasmCore, d: Conv2dDims, x: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, y: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dForward";
  const scratchLength = checkConv2d(core, op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const wp = checkedBuffer(core, op, "w", w, kernelLength(d), false);
  const yp = checkedBuffer(core, op, "y", y, outputLength(d), true);
  const sp = checkedBuffer(core, op, "scratch", scratch, scratchLength, true);
  // bias is checked last, as it always was, so the first error named stays the same.
  const bp = checkedBuffer(core, op, "bias", bias, d.outC, false); // 0 when null: no bias
  checkNoOverlap(op);
  core.fn("conv2d_forward")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same(d), xp, wp, bp, yp, sp,
  );
}

/**
 * Input gradient: `dx[n, ih, iw, ci] = sum of dy[n, oh, ow, co] * w[kh, kw, ci, co]` over
 * every `(oh, ow, kh, kw)` whose tap lands on `(ih, iw)`, and every `co` (the transpose of
 * the forward map). `dy`: `[batch, outH, outW, outC]`, `dx`: `[batch, inH, inW, inC]`
 * (overwritten).
 */
export function conv2dBackwardInput(
  core: WasmCore, d: Conv2dDims, dy: WasmBuffer, w: WasmBuffer, dx: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dBackwardInput";
  const scratchLength = checkConv2d(core, op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const wp = checkedBuffer(core, op, "w", w, kernelLength(d), false);
  const dxp = checkedBuffer(core, op, "dx", dx, inputLength(d), true);
  const sp = checkedBuffer(core, op, "scratch", scratch, scratchLength, true);
  checkNoOverlap(op);
  core.fn("conv2d_backward_input")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same(d), dyp, wp, dxp, sp,
  );
}

/**
 * Filter gradient: `dw[kh, kw, ci, co] = sum over n, oh, ow of
 * x[n, oh*strideH + kh - padTop, ow*strideW + kw - padLeft, ci] * dy[n, oh, ow, co]`.
 * `dw`: `[kH, kW, inC, outC]` (overwritten).
 */
export function conv2dBackwardFilter(
  core: WasmCore, d: Conv2dDims, x: WasmBuffer, dy: WasmBuffer, dw: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dBackwardFilter";
  const scratchLength = checkConv2d(core, op, d);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inputLength(d), false);
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const dwp = checkedBuffer(core, op, "dw", dw, kernelLength(d), true);
  const sp = checkedBuffer(core, op, "scratch", scratch, scratchLength, true);
  checkNoOverlap(op);
  core.fn("conv2d_backward_filter")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same(d), xp, dyp, dwp, sp,
  );
}

/** Bias gradient: `db[co] = sum over n, oh, ow of dy[n, oh, ow, co]`; `db`: `[outC]` (overwritten). */
export function conv2dBackwardBias(core: WasmCore, d: Conv2dDims, dy: WasmBuffer, db: WasmBuffer): void {
  const op = "conv2dBackwardBias";
  checkConv2d(core, op, d);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, outputLength(d), false);
  const dbp = checkedBuffer(core, op, "db", db, d.outC, true);
  checkNoOverlap(op);
  core.fn("conv2d_backward_bias")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same(d), dyp, dbp,
  );
}
