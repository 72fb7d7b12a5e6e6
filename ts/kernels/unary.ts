/**
 * Keras 3's activations beyond relu/sigmoid/tanh/softmax, over wasm buffers: forward in
 * place, backward from the forward *input* `x` (swish and gelu cannot be inverted from
 * their output), turning dL/dy into dL/dx in place.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap, describe } from "./check.js";

/**
 * One activation with its parameters:
 * - `relu`: `y = min(x, maxValue)` where `x > threshold`, else `negativeSlope * (x - threshold)`
 *   (Keras's `ReLU` layer; relu6 is `{ maxValue: 6, negativeSlope: 0, threshold: 0 }`,
 *   `LeakyReLU(a)` is `{ maxValue: Infinity, negativeSlope: a, threshold: 0 }`);
 * - `elu`: `x` for `x > 0`, else `alpha * (exp(x) - 1)`; `selu`: `1.0507 * elu` with alpha 1.6733;
 * - `swish`: `x * sigmoid(x)` (Keras's `silu`);
 * - `gelu`: `x * Phi(x)` exact (erf), or the tanh form when `approximate`;
 * - `hardSigmoid`: `relu6(x + 3) / 6` (Keras 3's, not TensorFlow.js's 0.2x + 0.5).
 */
export type UnaryFn =
  | { readonly kind: "relu"; readonly maxValue: number; readonly negativeSlope: number; readonly threshold: number }
  | { readonly kind: "elu"; readonly alpha: number }
  | { readonly kind: "selu" }
  | { readonly kind: "swish" }
  | { readonly kind: "gelu"; readonly approximate: boolean }
  | { readonly kind: "hardSigmoid" };

/** selu's alpha and scale (Klambauer et al. 2017), as Keras 3 and TensorFlow use them. */
export const SELU = { alpha: 1.6732632423543772, scale: 1.0507009873554805 } as const;

function checkFn(op: string, f: UnaryFn): void {
  const fields = f as unknown as Record<string, unknown>;
  const num = (name: string, allowInfinity: boolean) => {
    const v = fields[name];
    const ok = typeof v === "number" && !Number.isNaN(v) && (allowInfinity ? v !== -Infinity : Number.isFinite(v));
    if (!ok) throw new Error(`${op}: fn.${name} must be a ${allowInfinity ? "number (Infinity for none)" : "finite number"}, received ${describe(v)}`);
  };
  switch (f?.kind) {
    case "relu":
      num("maxValue", true);
      num("negativeSlope", false);
      num("threshold", false);
      return;
    case "elu":
      num("alpha", false);
      return;
    case "gelu":
      if (typeof f.approximate !== "boolean") throw new Error(`${op}: fn.approximate must be a boolean, received ${describe(f.approximate)}`);
      return;
    case "selu":
    case "swish":
    case "hardSigmoid":
      return;
    default:
      throw new Error(`${op}: fn.kind must be one of "relu", "elu", "selu", "swish", "gelu", "hardSigmoid", received ${describe((f as { kind?: unknown } | null)?.kind)}`);
  }
}

/** Applies `f` in place to the first `n` floats of `xy`. */
export function unaryForward(core: WasmCore, f: UnaryFn, n: number, xy: WasmBuffer): void {
  const op = "unaryForward";
  checkFn(op, f);
  checkCount(op, "n", n);
  const p = core.check(op, "xy", xy, n);
  switch (f.kind) {
    case "relu": return void core.fn("relu_general_forward")(n, f.maxValue, f.negativeSlope, f.threshold, p);
    case "elu": return void core.fn("elu_forward")(n, f.alpha, 1, p);
    case "selu": return void core.fn("elu_forward")(n, SELU.alpha, SELU.scale, p);
    case "swish": return void core.fn("swish_forward")(n, p);
    case "gelu": return void core.fn("gelu_forward")(n, f.approximate ? 1 : 0, p);
    case "hardSigmoid": return void core.fn("hard_sigmoid_forward")(n, p);
  }
}

/**
 * Turns `dxy` (the first `n` floats: dL/dy) into dL/dx = dL/dy * f'(x), given the
 * forward input `x`. `dxy` must not overlap `x`. At a kink the ReLU family takes the
 * slope of the side below (1 strictly between threshold and maxValue).
 */
export function unaryBackward(core: WasmCore, f: UnaryFn, n: number, x: WasmBuffer, dxy: WasmBuffer): void {
  const op = "unaryBackward";
  checkFn(op, f);
  checkCount(op, "n", n);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, n, false);
  const dp = checkedBuffer(core, op, "dxy", dxy, n, true);
  checkNoOverlap(op);
  switch (f.kind) {
    case "relu": return void core.fn("relu_general_backward")(n, f.maxValue, f.negativeSlope, f.threshold, xp, dp);
    case "elu": return void core.fn("elu_backward")(n, f.alpha, 1, xp, dp);
    case "selu": return void core.fn("elu_backward")(n, SELU.alpha, SELU.scale, xp, dp);
    case "swish": return void core.fn("swish_backward")(n, xp, dp);
    case "gelu": return void core.fn("gelu_backward")(n, f.approximate ? 1 : 0, xp, dp);
    case "hardSigmoid": return void core.fn("hard_sigmoid_backward")(n, xp, dp);
  }
}

/**
 * `y = x * scale + offset` over the first `n` floats (Keras's `Rescaling`; its backward is
 * `dx = dy * scale`, the same call with offset 0). `y` must not overlap `x`.
 */
export function scaleOffset(core: WasmCore, n: number, scale: number, offset: number, x: WasmBuffer, y: WasmBuffer): void {
  const op = "scaleOffset";
  checkCount(op, "n", n);
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new Error(`${op}: scale must be a finite number, received ${describe(scale)}`);
  if (typeof offset !== "number" || !Number.isFinite(offset)) throw new Error(`${op}: offset must be a finite number, received ${describe(offset)}`);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, n, false);
  const yp = checkedBuffer(core, op, "y", y, n, true);
  checkNoOverlap(op);
  core.fn("scale_offset")(n, scale, offset, xp, yp);
}

function checkRelu(op: string, f: UnaryFn): asserts f is Extract<UnaryFn, { kind: "relu" }> {
  checkFn(op, f);
  if (f.kind !== "relu") throw new Error(`${op}: fn.kind must be "relu", received ${describe(f.kind)}`);
}

/**
 * The ReLU family out of place, one pass: `y = f(x)` over the first `n` floats. `y` may be
 * `x` itself (the same buffer: in place) but must not otherwise overlap it.
 */
export function reluForwardInto(core: WasmCore, f: UnaryFn, n: number, x: WasmBuffer, y: WasmBuffer): void {
  const op = "reluForwardInto";
  checkRelu(op, f);
  checkCount(op, "n", n);
  beginBuffers();
  const same = x.ptr === y.ptr;
  const xp = same ? core.check(op, "x", x, n) : checkedBuffer(core, op, "x", x, n, false);
  const yp = checkedBuffer(core, op, "y", y, n, true);
  checkNoOverlap(op);
  core.fn("relu_general_forward_into")(n, f.maxValue, f.negativeSlope, f.threshold, xp, yp);
}

/**
 * The ReLU family's backward out of place, one pass: `dx = dy * f'(.)` over the first `n`
 * floats. With `fromOutput` the slope is read off the forward output `v = y` (allowed only
 * for `negativeSlope` 0, where it is 1 exactly when `0 < y < maxValue`), else off the
 * forward input `v = x`. `dx` may be `dy` itself (in place) but must not otherwise
 * overlap `dy` or `v`.
 */
export function reluBackwardInto(core: WasmCore, f: UnaryFn, n: number, fromOutput: boolean, v: WasmBuffer, dy: WasmBuffer, dx: WasmBuffer): void {
  const op = "reluBackwardInto";
  checkRelu(op, f);
  checkCount(op, "n", n);
  if (typeof fromOutput !== "boolean") throw new Error(`${op}: fromOutput must be a boolean, received ${describe(fromOutput)}`);
  if (fromOutput && f.negativeSlope !== 0) throw new Error(`${op}: fromOutput needs fn.negativeSlope 0 (a leaky slope cannot be read off the output), received ${f.negativeSlope}`);
  beginBuffers();
  const vp = checkedBuffer(core, op, "v", v, n, false);
  const same = dy.ptr === dx.ptr;
  const dyp = same ? core.check(op, "dy", dy, n) : checkedBuffer(core, op, "dy", dy, n, false);
  const dxp = checkedBuffer(core, op, "dx", dx, n, true);
  checkNoOverlap(op);
  core.fn("relu_general_backward_into")(n, f.maxValue, f.negativeSlope, f.threshold, fromOutput ? 1 : 0, vp, dyp, dxp);
}

/**
 * `y = a + b` over the first `n` floats (Keras's `Add`, and gradients summed where a
 * tensor feeds several layers). `y` may be `a` itself (then `y += b`) but must not
 * otherwise overlap `a` or `b`.
 */
export function addInto(core: WasmCore, n: number, a: WasmBuffer, b: WasmBuffer, y: WasmBuffer): void {
  const op = "addInto";
  checkCount(op, "n", n);
  beginBuffers();
  const same = a.ptr === y.ptr;
  const ap = same ? core.check(op, "a", a, n) : checkedBuffer(core, op, "a", a, n, false);
  const bp = checkedBuffer(core, op, "b", b, n, false);
  const yp = checkedBuffer(core, op, "y", y, n, true);
  checkNoOverlap(op);
  core.fn("add_into")(n, ap, bp, yp);
}
