/**
 * Loss kernels over wasm buffers. Each returns the mean loss over the batch (as Keras
 * reduces) and writes the gradient of that mean. Labels are one-hot rows
 * `[batch, classes]`. Written buffers must not overlap any other argument.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkCounts, checkedPointers } from "./check.js";

/**
 * Softmax of `logits` fused with cross-entropy, stable for any finite logits
 * (log-sum-exp). Writes `probs = softmax(logits)` and `dlogits = (probs - labels) / batch`.
 */
export function softmaxCrossEntropy(
  core: WasmCore,
  batch: number,
  classes: number,
  logits: WasmBuffer,
  labels: WasmBuffer,
  probs: WasmBuffer,
  dlogits: WasmBuffer,
): number {
  const op = "softmaxCrossEntropy";
  checkCounts(op, { batch, classes });
  const n = batch * classes;
  const ptrs = checkedPointers(core, op, [
    ["logits", logits, n, false],
    ["labels", labels, n, false],
    ["probs", probs, n, true],
    ["dlogits", dlogits, n, true],
  ]);
  return core.fn("softmax_cross_entropy")(batch, classes, ...ptrs);
}

/**
 * Cross-entropy of probabilities, as Keras computes it: each row divided by its sum,
 * clipped to [1e-7, 1 - 1e-7], then `-sum labels * ln`. Writes `dprobs`, the gradient
 * through those same steps (zero where clipping is active).
 */
export function categoricalCrossEntropy(
  core: WasmCore,
  batch: number,
  classes: number,
  probs: WasmBuffer,
  labels: WasmBuffer,
  dprobs: WasmBuffer,
): number {
  const op = "categoricalCrossEntropy";
  checkCounts(op, { batch, classes });
  const n = batch * classes;
  const ptrs = checkedPointers(core, op, [
    ["probs", probs, n, false],
    ["labels", labels, n, false],
    ["dprobs", dprobs, n, true],
  ]);
  return core.fn("categorical_cross_entropy")(batch, classes, ...ptrs);
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
  checkCounts(op, { batch, width });
  const n = batch * width;
  const ptrs = checkedPointers(core, op, [
    ["pred", pred, n, false],
    ["target", target, n, false],
    ["dpred", dpred, n, true],
  ]);
  return core.fn("mean_squared_error")(batch, width, ...ptrs);
}

/** The number of rows whose arg-max in `scores` matches the label's (first index wins ties). */
export function countCorrect(core: WasmCore, batch: number, classes: number, scores: WasmBuffer, labels: WasmBuffer): number {
  const op = "countCorrect";
  checkCounts(op, { batch, classes });
  const ptrs = checkedPointers(core, op, [
    ["scores", scores, batch * classes, false],
    ["labels", labels, batch * classes, false],
  ]);
  return core.fn("count_correct")(batch, classes, ...ptrs) >>> 0;
}
