/** Plain reference for the dense kernels: the defining sums in double precision. */

/** `y[b][u] = bias[u] + sum_i x[b][i] w[i][u]`. */
export function denseForwardReference(
  batch: number,
  inputs: number,
  units: number,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
): Float64Array {
  const y = new Float64Array(batch * units);
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < units; u++) {
      let s = bias ? bias[u]! : 0;
      for (let i = 0; i < inputs; i++) s += x[b * inputs + i]! * w[i * units + u]!;
      y[b * units + u] = s;
    }
  }
  return y;
}

/** `{ dx = dy w^T, dw = x^T dy, db = column sums of dy }`. */
export function denseBackwardReference(
  batch: number,
  inputs: number,
  units: number,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(batch * inputs);
  const dw = new Float64Array(inputs * units);
  const db = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < units; u++) {
      const g = dy[b * units + u]!;
      db[u]! += g;
      for (let i = 0; i < inputs; i++) {
        dx[b * inputs + i]! += g * w[i * units + u]!;
        dw[i * units + u]! += x[b * inputs + i]! * g;
      }
    }
  }
  return { dx, dw, db };
}
