/**
 * Batch normalization over the last axis of a `[rows, channels]` buffer (NHWC images: the
 * rows are the batch's pixels), Keras 3's `BatchNormalization(axis=-1)`:
 *
 *   training   y = (x - mean) / sqrt(var + epsilon) * gamma + beta, with the batch's mean
 *              and biased variance, kept in `stats` = [mean | var] for backward
 *   moving     moving = moving * momentum + batch * (1 - momentum)
 *   inference  the same normalization with the moving mean and variance
 *
 * `gamma` null means scale 1 (Keras `scale: false`), `beta` null shift 0 (`center: false`).
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkFraction, checkNoOverlap, checkRange, checkSliceLength } from "./check.js";

function checkShape(op: string, rows: number, channels: number, epsilon: number): void {
  checkCount(op, "rows", rows);
  checkCount(op, "channels", channels);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  checkSliceLength(op, "x", rows * channels);
}

/**
 * Training forward: writes the batch statistics to `stats` (`2 * channels` floats:
 * mean, then biased variance) and the normalized `y`.
 */
export function batchNormForwardTrain(
  core: WasmCore, rows: number, channels: number, epsilon: number,
  x: WasmBuffer, gamma: WasmBuffer | null, beta: WasmBuffer | null, y: WasmBuffer, stats: WasmBuffer,
): void {
  const op = "batchNormForwardTrain";
  checkShape(op, rows, channels, epsilon);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, rows * channels, false);
  const gp = checkedBuffer(core, op, "gamma", gamma, channels, false);
  const bp = checkedBuffer(core, op, "beta", beta, channels, false);
  const yp = checkedBuffer(core, op, "y", y, rows * channels, true);
  const sp = checkedBuffer(core, op, "stats", stats, 2 * channels, true);
  checkNoOverlap(op);
  core.fn("batch_norm_forward_train")(rows, channels, epsilon, xp, gp, bp, yp, sp);
}

/** Inference forward: `y` normalized with `movingMean` and `movingVar`. */
export function batchNormForwardInference(
  core: WasmCore, rows: number, channels: number, epsilon: number,
  x: WasmBuffer, gamma: WasmBuffer | null, beta: WasmBuffer | null, movingMean: WasmBuffer, movingVar: WasmBuffer, y: WasmBuffer,
): void {
  const op = "batchNormForwardInference";
  checkShape(op, rows, channels, epsilon);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, rows * channels, false);
  const gp = checkedBuffer(core, op, "gamma", gamma, channels, false);
  const bp = checkedBuffer(core, op, "beta", beta, channels, false);
  const mp = checkedBuffer(core, op, "movingMean", movingMean, channels, false);
  const vp = checkedBuffer(core, op, "movingVar", movingVar, channels, false);
  const yp = checkedBuffer(core, op, "y", y, rows * channels, true);
  checkNoOverlap(op);
  core.fn("batch_norm_forward_inference")(rows, channels, epsilon, xp, gp, bp, mp, vp, yp);
}

/** Moves the moving statistics toward `stats` (from {@link batchNormForwardTrain}); `momentum` in [0, 1). */
export function batchNormUpdateMoving(
  core: WasmCore, channels: number, momentum: number, stats: WasmBuffer, movingMean: WasmBuffer, movingVar: WasmBuffer,
): void {
  const op = "batchNormUpdateMoving";
  checkCount(op, "channels", channels);
  checkFraction(op, "momentum", momentum);
  beginBuffers();
  const sp = checkedBuffer(core, op, "stats", stats, 2 * channels, false);
  const mp = checkedBuffer(core, op, "movingMean", movingMean, channels, true);
  const vp = checkedBuffer(core, op, "movingVar", movingVar, channels, true);
  checkNoOverlap(op);
  core.fn("batch_norm_update_moving")(channels, momentum, sp, mp, vp);
}

/**
 * Backward of the training forward pass: `dbeta = sum dy`, `dgamma = sum dy * xhat`
 * (both always written: pass scratch for a weight the layer lacks), and, unless `dx` is
 * null, `dx = gamma / std / R * (R dy - dbeta - xhat dgamma)`.
 */
export function batchNormBackward(
  core: WasmCore, rows: number, channels: number, epsilon: number,
  x: WasmBuffer, dy: WasmBuffer, gamma: WasmBuffer | null, stats: WasmBuffer,
  dx: WasmBuffer | null, dgamma: WasmBuffer, dbeta: WasmBuffer,
): void {
  const op = "batchNormBackward";
  checkShape(op, rows, channels, epsilon);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, rows * channels, false);
  const dyp = checkedBuffer(core, op, "dy", dy, rows * channels, false);
  const gp = checkedBuffer(core, op, "gamma", gamma, channels, false);
  const sp = checkedBuffer(core, op, "stats", stats, 2 * channels, false);
  const dxp = checkedBuffer(core, op, "dx", dx, rows * channels, true);
  const dgp = checkedBuffer(core, op, "dgamma", dgamma, channels, true);
  const dbp = checkedBuffer(core, op, "dbeta", dbeta, channels, true);
  checkNoOverlap(op);
  core.fn("batch_norm_backward")(rows, channels, epsilon, xp, dyp, gp, sp, dxp, dgp, dbp);
}

/** Backward of the inference forward pass: `dx = dy * gamma / sqrt(movingVar + epsilon)`. */
export function batchNormBackwardInference(
  core: WasmCore, rows: number, channels: number, epsilon: number,
  dy: WasmBuffer, gamma: WasmBuffer | null, movingVar: WasmBuffer, dx: WasmBuffer,
): void {
  const op = "batchNormBackwardInference";
  checkShape(op, rows, channels, epsilon);
  beginBuffers();
  const dyp = checkedBuffer(core, op, "dy", dy, rows * channels, false);
  const gp = checkedBuffer(core, op, "gamma", gamma, channels, false);
  const vp = checkedBuffer(core, op, "movingVar", movingVar, channels, false);
  const dxp = checkedBuffer(core, op, "dx", dx, rows * channels, true);
  checkNoOverlap(op);
  core.fn("batch_norm_backward_inference")(rows, channels, epsilon, dyp, gp, vp, dxp);
}
