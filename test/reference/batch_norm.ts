/** Plain float64 references of batch normalization over the last axis of `[rows, channels]`. */

/** Two-pass batch mean and biased variance per channel. */
export function batchStats(rows: number, c: number, x: ArrayLike<number>): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j] += x[r * c + j]! / rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) variance[j] += (x[r * c + j]! - mean[j]!) ** 2 / rows;
  return { mean, variance };
}

/** `(x - mean) / sqrt(var + eps) * gamma + beta` (gamma 1 and beta 0 when null). */
export function normalizeReference(
  rows: number, c: number, eps: number, x: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>,
  gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null,
): Float64Array {
  const y = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      y[r * c + j] = ((x[r * c + j]! - mean[j]!) / Math.sqrt(variance[j]! + eps)) * (gamma ? gamma[j]! : 1) + (beta ? beta[j]! : 0);
    }
  }
  return y;
}
