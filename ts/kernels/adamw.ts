/**
 * Decoupled weight decay over a wasm buffer: the step AdamW takes before Adam's update.
 * Arguments are checked before the kernel runs, so a bad call throws and changes nothing.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap, checkRange } from "./check.js";

/**
 * `p -= p * weightDecay * lr` for the first `n` floats of `params`, in f32 and in that
 * order, as Keras 3's `_apply_weight_decay` computes it.
 */
export function decayWeights(core: WasmCore, n: number, params: WasmBuffer, weightDecay: number, lr: number): void {
  const op = "decayWeights";
  checkCount(op, "n", n);
  checkRange(op, "weightDecay", weightDecay, 0, Infinity);
  checkRange(op, "lr", lr, 0, Infinity);
  beginBuffers();
  const pp = checkedBuffer(core, op, "params", params, n, true);
  checkNoOverlap(op);
  core.fn("decay_weights")(n, pp, weightDecay, lr);
}
