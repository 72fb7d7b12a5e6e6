/**
 * Loss kernels over wasm buffers. Each returns the mean loss over the batch (as Keras
 * reduces) and writes the gradient of that mean. Labels are one-hot rows
 * `[batch, classes]`. Written buffers must not overlap any other argument.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap, checkRange } from "./check.js";

/**
 * Softmax of `logits` fused with cross-entropy, stable for any finite logits
 * (log-sum-exp). Writes `probs = softmax(logits)` and `dlogits = (probs - labels) / batch`.
 * With `labelSmoothing` s (in [0, 1], default 0) the labels are first smoothed as Keras
 * does: `labels * (1 - s) + s / classes`.
 */
export function softmaxCrossEntropy(
  core: WasmCore,
  batch: number,
  classes: number,
  logits: WasmBuffer,
  labels: WasmBuffer,
  probs: WasmBuffer,
  dlogits: WasmBuffer,
  labelSmoothing = 0,
): number {
  const op = "softmaxCrossEntropy";
  checkCount(op, "batch", batch);
  checkCount(op, "classes", classes);
  checkRange(op, "labelSmoothing", labelSmoothing, 0, 1);
  const n = batch * classes;
  beginBuffers();
  const lp = checkedBuffer(core, op, "logits", logits, n, false);
  const tp = checkedBuffer(core, op, "labels", labels, n, false);
  const pp = checkedBuffer(core, op, "probs", probs, n, true);
  const gp = checkedBuffer(core, op, "dlogits", dlogits, n, true);
  checkNoOverlap(op);
  return core.fn("softmax_cross_entropy")(batch, classes, lp, tp, pp, gp, labelSmoothing);
}

/**
 * Cross-entropy of probabilities, as Keras computes it: each row divided by its sum,
 * clipped to [1e-7, 1 - 1e-7], then `-sum labels * ln`. Writes `dprobs`, the gradient
 * through those same steps (zero where clipping is active). `labelSmoothing` as in
 * {@link softmaxCrossEntropy}.
 */
export function categoricalCrossEntropy(
  core: WasmCore,
  batch: number,
  classes: number,
  probs: WasmBuffer,
  labels: WasmBuffer,
  dprobs: WasmBuffer,
  labelSmoothing = 0,
): number {
  const op = "categoricalCrossEntropy";
  checkCount(op, "batch", batch);
  checkCount(op, "classes", classes);
  checkRange(op, "labelSmoothing", labelSmoothing, 0, 1);
  const n = batch * classes;
  beginBuffers();
  const pp = checkedBuffer(core, op, "probs", probs, n, false);
  const tp = checkedBuffer(core, op, "labels", labels, n, false);
  const gp = checkedBuffer(core, op, "dprobs", dprobs, n, true);
  checkNoOverlap(op);
  return core.fn("categorical_cross_entropy")(batch, classes, pp, tp, gp, labelSmoothing);
}

/** Mean of `(pred - target)^2` over batch and width; writes `dpred = 2 (pred - target) / (batch width)`. */
export function meanSquaredError(
  core: WasmCore,
  batch: number,
  width: number,
  pred: WasmBuffer,
  target: WasmBuffer,
  dpred: WasmBuffer,
): number {
  const op = "meanSquaredError";
  checkCount(op, "batch", batch);
  checkCount(op, "width", width);
  const n = batch * width;
  beginBuffers();
  const pp = checkedBuffer(core, op, "pred", pred, n, false);
  const tp = checkedBuffer(core, op, "target", target, n, false);
  const gp = checkedBuffer(core, op, "dpred", dpred, n, true);
  checkNoOverlap(op);
  return core.fn("mean_squared_error")(batch, width, pp, tp, gp);
}

/** The number of rows whose arg-max in `scores` matches the label's (first index wins ties). */
export function countCorrect(core: WasmCore, batch: number, classes: number, scores: WasmBuffer, labels: WasmBuffer): number {
  const op = "countCorrect";
  checkCount(op, "batch", batch);
  checkCount(op, "classes", classes);
  beginBuffers();
  const sp = checkedBuffer(core, op, "scores", scores, batch * classes, false);
  const tp = checkedBuffer(core, op, "labels", labels, batch * classes, false);
  checkNoOverlap(op);
  return core.fn("count_correct")(batch, classes, sp, tp) >>> 0;
}
