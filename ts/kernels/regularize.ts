/**
 * The L1/L2 weight penalty over wasm buffers, as Keras 3's regularizers define it.
 * Arguments are checked before the kernel runs, so a bad call throws and changes nothing.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap, checkRange } from "./check.js";

/**
 * Returns `l1 * sum|x| + l2 * sum x^2` over the first `n` floats of `params`; when
 * `grads` is given, ADDS the penalty's gradient `l1 * sign(x) + 2 l2 x` to it (sign(0)
 * is 0, as TensorFlow's). `grads` must not overlap `params`.
 */
export function l1l2Penalty(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer | null, l1: number, l2: number): number {
  const op = "l1l2Penalty";
  checkCount(op, "n", n);
  checkRange(op, "l1", l1, 0, Infinity);
  checkRange(op, "l2", l2, 0, Infinity);
  beginBuffers();
  const pp = checkedBuffer(core, op, "params", params, n, false);
  const gp = checkedBuffer(core, op, "grads", grads, n, true);
  checkNoOverlap(op);
  return core.fn("l1l2_penalty")(n, pp, gp, l1, l2);
}
