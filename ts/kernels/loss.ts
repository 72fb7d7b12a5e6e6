/**
 * Loss kernels over wasm buffers. Each returns the mean loss over the batch (as Keras
 * reduces) and writes the gradient of that mean. Labels are one-hot rows
 * `[batch, classes]`.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

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
  const n = matrixSize(op, "classes", batch, classes);
  return core.fn("softmax_cross_entropy")(
    batch,
    classes,
    core.check(op, "logits", logits, n),
    core.check(op, "labels", labels, n),
    core.check(op, "probs", probs, n),
    core.check(op, "dlogits", dlogits, n),
  );
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
  const n = matrixSize(op, "classes", batch, classes);
  return core.fn("categorical_cross_entropy")(
    batch,
    classes,
    core.check(op, "probs", probs, n),
    core.check(op, "labels", labels, n),
    core.check(op, "dprobs", dprobs, n),
  );
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
  const n = matrixSize(op, "width", batch, width);
  return core.fn("mean_squared_error")(
    batch,
    width,
    core.check(op, "pred", pred, n),
    core.check(op, "target", target, n),
    core.check(op, "dpred", dpred, n),
  );
}

/** The number of rows whose arg-max in `scores` matches the label's (first index wins ties). */
export function countCorrect(core: WasmCore, batch: number, classes: number, scores: WasmBuffer, labels: WasmBuffer): number {
  const op = "countCorrect";
  const n = matrixSize(op, "classes", batch, classes);
  const count = core.fn("count_correct")(batch, classes, core.check(op, "scores", scores, n), core.check(op, "labels", labels, n));
  return count >>> 0;
}

function matrixSize(op: string, widthName: string, batch: number, width: number): number {
  for (const [name, value] of [["batch", batch], [widthName, width]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${op}: ${name} must be a whole number >= 1, received ${value}`);
    }
  }
  return batch * width;
}
