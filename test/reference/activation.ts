/** Plain references for the activations, in double precision. */
import type { ActivationKind } from "../../ts/kernels/activation.js";

/** `f(x)` for a `[rows, cols]` matrix (softmax per row, max subtracted). */
export function activationReference(kind: ActivationKind, cols: number, x: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(x);
  switch (kind) {
    case "linear":
      return y;
    case "relu":
      return y.map((v) => (v > 0 ? v : 0));
    case "sigmoid":
      return y.map((v) => 1 / (1 + Math.exp(-v)));
    case "tanh":
      return y.map(Math.tanh);
    case "softmax":
      for (let r = 0; r < y.length / cols; r++) {
        const row = y.subarray(r * cols, (r + 1) * cols);
        const max = Math.max(...row);
        let sum = 0;
        for (let j = 0; j < cols; j++) sum += row[j] = Math.exp(row[j]! - max);
        for (let j = 0; j < cols; j++) row[j]! /= sum;
      }
      return y;
  }
}

/**
 * dL/dx from dL/dy through the derivative written in terms of x (softmax through its
 * full Jacobian `dy_j/dx_k = y_j (delta_jk - y_k)`), independent of the kernels' forms.
 */
export function activationBackwardReference(kind: ActivationKind, cols: number, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(x.length);
  if (kind === "softmax") {
    const y = activationReference("softmax", cols, x);
    for (let r = 0; r < x.length / cols; r++) {
      for (let k = 0; k < cols; k++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += dy[r * cols + j]! * y[r * cols + j]! * ((j === k ? 1 : 0) - y[r * cols + k]!);
        dx[r * cols + k] = s;
      }
    }
    return dx;
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const slope =
      kind === "relu" ? (v > 0 ? 1 : 0)
      : kind === "sigmoid" ? Math.exp(-v) / (1 + Math.exp(-v)) ** 2
      : kind === "tanh" ? 1 / Math.cosh(v) ** 2
      : 1;
    dx[i] = dy[i]! * slope;
  }
  return dx;
}
