/**
 * Typed, checked wrappers of the conv2d exports (NHWC f32; kernel `[kH, kW, inC, outC]`).
 *
 * Each wrapper validates the dims object and every buffer before the call, so that no
 * call can read or write out of bounds (a Rust panic in wasm is an opaque trap). Scratch
 * is sized by {@link conv2dScratchLength}; it is bounded whatever the batch size.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { conv2dDims, type Conv2dDims } from "../shapes.js";
import { checkAddressable, checkDerivedFields, checkedPointers, checkWindowFields, describe } from "./check.js";

export { MAX_KERNEL_DIM } from "./check.js";

const inputLength = (d: Conv2dDims) => d.batch * d.inH * d.inW * d.inC;
const outputLength = (d: Conv2dDims) => d.batch * d.outH * d.outW * d.outC;
const kernelLength = (d: Conv2dDims) => d.kH * d.kW * d.inC * d.outC;

/**
 * Checks a conv2d dims object (see {@link conv2dDims}) and returns the export's dims
 * arguments and the scratch length the kernels need.
 */
function convArgs(core: WasmCore, op: string, d: Conv2dDims): { args: number[]; scratchLength: number } {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${describe(d)}; expected an object from conv2dDims()`);
  const sizes = ["batch", "inH", "inW", "inC", "kH", "kW", "outC", "strideH", "strideW"];
  checkWindowFields(op, d, sizes, "kernel", ["inH", "inW", "kH", "kW"]);
  const want = conv2dDims(d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.padding);
  checkDerivedFields(op, d, want, "conv2dDims");
  checkAddressable(op, { x: inputLength(d), y: outputLength(d), w: kernelLength(d) });
  const args = [d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.padding === "same" ? 1 : 0];
  const scratchLength = core.fn("conv2d_scratch_len")(...args) >>> 0;
  const pointwise = d.kH === 1 && d.kW === 1 && d.strideH === 1 && d.strideW === 1;
  // The export answers 0 for dims it rejects; past the checks above only scratch remains.
  if (scratchLength === 0 && !pointwise) {
    throw new Error(`${op}: the scratch for these shapes would be over the 2 GiB a wasm32 kernel can address`);
  }
  return { args, scratchLength };
}

/**
 * Floats of scratch that every conv2d kernel with dims `d` needs (0 for a 1x1 kernel
 * with stride 1). At most max(2^20, 32 * kH * kW * inC), whatever the batch size.
 */
export function conv2dScratchLength(core: WasmCore, d: Conv2dDims): number {
  return convArgs(core, "conv2dScratchLength", d).scratchLength;
}

/**
 * Forward pass: `y[n, oh, ow, co] = bias[co] + sum over kh, kw, ci of
 * x[n, oh*strideH + kh - padTop, ow*strideW + kw - padLeft, ci] * w[kh, kw, ci, co]`
 * (x read as 0 in the padding). `x`: `[batch, inH, inW, inC]`, `w`: `[kH, kW, inC, outC]`,
 * `bias`: `[outC]` or null, `y`: `[batch, outH, outW, outC]` (overwritten),
 * `scratch`: {@link conv2dScratchLength} floats.
 */
export function conv2dForward(
  core: WasmCore, d: Conv2dDims, x: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, y: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dForward";
  const { args, scratchLength } = convArgs(core, op, d);
  // bias is checked last, as it always was, so the first error named stays the same.
  const [xp, wp, yp, sp, bp] = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["w", w, kernelLength(d), false],
    ["y", y, outputLength(d), true],
    ["scratch", scratch, scratchLength, true],
    ["bias", bias, d.outC, false],
  ]);
  core.fn("conv2d_forward")(...args, xp!, wp!, bp!, yp!, sp!); // bias pointer 0: no bias
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
  const { args, scratchLength } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["w", w, kernelLength(d), false],
    ["dx", dx, inputLength(d), true],
    ["scratch", scratch, scratchLength, true],
  ]);
  core.fn("conv2d_backward_input")(...args, ...ptrs);
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
  const { args, scratchLength } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["dy", dy, outputLength(d), false],
    ["dw", dw, kernelLength(d), true],
    ["scratch", scratch, scratchLength, true],
  ]);
  core.fn("conv2d_backward_filter")(...args, ...ptrs);
}

/** Bias gradient: `db[co] = sum over n, oh, ow of dy[n, oh, ow, co]`; `db`: `[outC]` (overwritten). */
export function conv2dBackwardBias(core: WasmCore, d: Conv2dDims, dy: WasmBuffer, db: WasmBuffer): void {
  const op = "conv2dBackwardBias";
  const { args } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["db", db, d.outC, true],
  ]);
  core.fn("conv2d_backward_bias")(...args, ...ptrs);
}
