/**
 * Typed, checked wrappers of the inference epilogue exports (crates/kernels/src/epilogue.rs):
 * a per-channel scale and shift, an optional residual and a clip applied to a layer's
 * `[rows, channels]` output while it is in cache, and a batch normalization folded into
 * that scale and shift. Used by the inference plans' fused layers (ts/model/fuse.ts).
 *
 * ```text
 * y[r, c] = min(max(y[r, c] * scale[c] + shift[c] + residual[r, c], lo), hi)
 * ```
 *
 * Each wrapper validates counts, dims and every buffer first, so no call can trap.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import type { Conv2dDims, DepthwiseDims } from "../shapes.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap, checkRange, checkSliceLength, describe } from "./check.js";
import * as conv2d from "./conv2d.js";
import * as depthwise from "./depthwise.js";

/**
 * What follows a layer's product at inference: `scale` and `shift` (`[channels]`, null:
 * 1 and 0), `residual` (the whole `[rows, channels]` output's worth, null: none), then a
 * clip to [`lo`, `hi`] (-Infinity and Infinity: none; 0 and Infinity: ReLU; 0 and 6: ReLU6).
 */
export interface Epilogue {
  scale: WasmBuffer | null;
  shift: WasmBuffer | null;
  residual: WasmBuffer | null;
  lo: number;
  hi: number;
}

/** Checks the clip bounds: numbers, not NaN, lo <= hi (infinities allowed). */
function checkClip(op: string, e: Epilogue): void {
  if (typeof e !== "object" || e === null) throw new Error(`${op}: epilogue is ${describe(e)}; expected { scale, shift, residual, lo, hi }`);
  if (typeof e.lo !== "number" || Number.isNaN(e.lo) || e.lo === Infinity) {
    throw new Error(`${op}: epilogue.lo must be a number below Infinity (-Infinity: no lower clip), received ${describe(e.lo)}`);
  }
  if (typeof e.hi !== "number" || Number.isNaN(e.hi) || e.hi === -Infinity || e.hi < e.lo) {
    throw new Error(`${op}: epilogue.hi must be a number >= epilogue.lo (${e.lo}; Infinity: no upper clip), received ${describe(e.hi)}`);
  }
}

/** Checks the epilogue's buffers (after the caller's own, before its output). */
function epilogueBuffers(core: WasmCore, op: string, e: Epilogue, channels: number, len: number): [number, number, number] {
  return [
    checkedBuffer(core, op, "scale", e.scale, channels, false),
    checkedBuffer(core, op, "shift", e.shift, channels, false),
    checkedBuffer(core, op, "residual", e.residual, len, false),
  ];
}

/**
 * The scale and shift of a batch normalization at inference after a layer with `bias`:
 * `scale = gamma / sqrt(variance + epsilon)`, `shift = bias * scale + beta - mean * scale`
 * (`gamma` null: 1; `beta`, `bias` null: 0). Overwrites `scale` and `shift`
 * (`channels` floats each).
 */
export function epilogueFoldBatchNorm(
  core: WasmCore, channels: number, epsilon: number, gamma: WasmBuffer | null, beta: WasmBuffer | null, mean: WasmBuffer,
  variance: WasmBuffer, bias: WasmBuffer | null, scale: WasmBuffer, shift: WasmBuffer,
): void {
  const op = "epilogueFoldBatchNorm";
  checkCount(op, "channels", channels);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  beginBuffers();
  const gp = checkedBuffer(core, op, "gamma", gamma, channels, false);
  const bp = checkedBuffer(core, op, "beta", beta, channels, false);
  const mp = checkedBuffer(core, op, "mean", mean, channels, false);
  const vp = checkedBuffer(core, op, "variance", variance, channels, false);
  const biasp = checkedBuffer(core, op, "bias", bias, channels, false);
  const sp = checkedBuffer(core, op, "scale", scale, channels, true);
  const tp = checkedBuffer(core, op, "shift", shift, channels, true);
  checkNoOverlap(op);
  core.fn("epilogue_fold_batch_norm")(channels, epsilon, gp, bp, mp, vp, biasp, sp, tp);
}

/** Applies `e` in place to `y`, a `[rows, channels]` output. */
export function epilogueApply(core: WasmCore, rows: number, channels: number, e: Epilogue, y: WasmBuffer): void {
  const op = "epilogueApply";
  checkCount(op, "rows", rows);
  checkCount(op, "channels", channels);
  checkClip(op, e);
  const len = rows * channels;
  checkSliceLength(op, "y", len);
  beginBuffers();
  const [sp, tp, rp] = epilogueBuffers(core, op, e, channels, len);
  const yp = checkedBuffer(core, op, "y", y, len, true);
  checkNoOverlap(op);
  core.fn("epilogue_apply")(rows, channels, sp, tp, rp, e.lo, e.hi, yp);
}


/**
 * `conv2dForward` without a bias, then `e` (its `shift` carries the bias), block by block
 * of images while each block is in cache. `x`: `[batch, inH, inW, inC]`, `w`:
 * `[kH, kW, inC, outC]`, `y`: `[batch, outH, outW, outC]` (overwritten), `scratch`:
 * `conv2dScratchLength(d)` floats.
 */
export function conv2dForwardFused(core: WasmCore, d: Conv2dDims, x: WasmBuffer, w: WasmBuffer, e: Epilogue, y: WasmBuffer, scratch: WasmBuffer): void {
  const op = "conv2dForwardFused";
  const scratchLength = conv2d.checkConv2d(core, op, d);
  checkClip(op, e);
  const [inLen, outLen, wLen] = [conv2d.inputLength(d), conv2d.outputLength(d), conv2d.kernelLength(d)];
  const same = d.padding === "same" ? 1 : 0;
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inLen, false);
  const wp = checkedBuffer(core, op, "w", w, wLen, false);
  const [sp, tp, rp] = epilogueBuffers(core, op, e, d.outC, outLen);
  const yp = checkedBuffer(core, op, "y", y, outLen, true);
  const scp = checkedBuffer(core, op, "scratch", scratch, scratchLength, true);
  checkNoOverlap(op);
  core.fn("conv2d_forward_fused")(
    d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.dilationH, d.dilationW, same, xp, wp, sp, tp, rp, e.lo, e.hi, yp, scp,
  );
}

/**
 * `depthwiseForward` without a bias, then `e` (its `shift` carries the bias), block by
 * block of images. `x`: `[batch, inH, inW, channels]`, `w`: `[kH, kW, channels,
 * multiplier]`, `y`: `[batch, outH, outW, channels * multiplier]` (overwritten).
 */
export function depthwiseForwardFused(core: WasmCore, d: DepthwiseDims, x: WasmBuffer, w: WasmBuffer, e: Epilogue, y: WasmBuffer): void {
  const op = "depthwiseForwardFused";
  depthwise.checkDepthwiseDims(op, d);
  checkClip(op, e);
  const oc = d.channels * d.multiplier;
  const [inLen, outLen, wLen] = [depthwise.inputLength(d), depthwise.outputLength(d), depthwise.kernelLength(d)];
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, inLen, false);
  const wp = checkedBuffer(core, op, "w", w, wLen, false);
  const [sp, tp, rp] = epilogueBuffers(core, op, e, oc, outLen);
  const yp = checkedBuffer(core, op, "y", y, outLen, true);
  checkNoOverlap(op);
  const same = d.padding === "same" ? 1 : 0;
  core.fn("depthwise_forward_fused")(
    d.batch, d.inH, d.inW, d.channels, d.kH, d.kW, d.multiplier, d.strideH, d.strideW, d.dilationH, d.dilationW, same, xp, wp, sp, tp, rp, e.lo, e.hi, yp,
  );
}

/** `y = x w` then `e` (its `shift` carries the bias): `x` `[batch, inputs]`, `w` `[inputs, units]`, `y` `[batch, units]` (overwritten). */
export function denseForwardFused(core: WasmCore, batch: number, inputs: number, units: number, x: WasmBuffer, w: WasmBuffer, e: Epilogue, y: WasmBuffer): void {
  const op = "denseForwardFused";
  checkCount(op, "batch", batch);
  checkCount(op, "inputs", inputs);
  checkCount(op, "units", units);
  checkClip(op, e);
  checkSliceLength(op, "x", batch * inputs);
  checkSliceLength(op, "w", inputs * units);
  checkSliceLength(op, "y", batch * units);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, batch * inputs, false);
  const wp = checkedBuffer(core, op, "w", w, inputs * units, false);
  const [sp, tp, rp] = epilogueBuffers(core, op, e, units, batch * units);
  const yp = checkedBuffer(core, op, "y", y, batch * units, true);
  checkNoOverlap(op);
  core.fn("dense_forward_fused")(batch, inputs, units, xp, wp, sp, tp, rp, e.lo, e.hi, yp);
}
