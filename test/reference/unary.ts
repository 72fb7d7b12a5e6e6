/**
 * Plain float64 references of Keras 3's extra activations, written from Keras's own
 * definitions (keras/src/activations, backend/tensorflow/nn.py), with derivatives by
 * central differences of these references (callers keep inputs off the kinks), so they
 * share no formula with the kernels.
 */
import type { UnaryFn } from "../../ts/kernels/unary.js";

/** erf: Taylor series below 3 in magnitude, else Simpson's rule on erfc's integral. */
export function erfReference(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let [sum, term] = [0, x];
    for (let n = 0; n < 120; n++) {
      sum += term / (2 * n + 1);
      term *= (-x * x) / (n + 1);
    }
    return (sum * 2) / Math.sqrt(Math.PI);
  }
  const [steps, h] = [4000, 8 / 4000];
  const g = (t: number) => Math.exp(-t * t);
  let s = g(a) + g(a + 8);
  for (let i = 1; i < steps; i++) s += g(a + i * h) * (i % 2 === 1 ? 4 : 2);
  return Math.sign(x) * (1 - ((s * h) / 3) * (2 / Math.sqrt(Math.PI)));
}

/** `f(x)` as Keras 3 computes it. */
export function unaryReference(f: UnaryFn, x: number): number {
  switch (f.kind) {
    case "relu": {
      // keras.activations.relu's static_call, step by step.
      let y = x > f.threshold ? x : 0;
      y = Math.min(Math.max(y, 0), f.maxValue);
      return y - f.negativeSlope * Math.max(f.threshold - x, 0);
    }
    case "elu":
      return x > 0 ? x : f.alpha * (Math.exp(x) - 1);
    case "selu":
      return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1));
    case "swish":
      return x / (1 + Math.exp(-x));
    case "gelu":
      if (f.approximate) return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      return 0.5 * x * (1 + erfReference(x / Math.SQRT2));
    case "hardSigmoid":
      return Math.min(Math.max(x + 3, 0), 6) / 6;
  }
}

/** `f'(x)`: a central difference of {@link unaryReference}, except exact gelu's `Phi(x) + x phi(x)`. */
export function unaryDerivativeReference(f: UnaryFn, x: number): number {
  if (f.kind === "gelu" && !f.approximate) {
    return 0.5 * (1 + erfReference(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  }
  const h = 1e-6;
  return (unaryReference(f, x + h) - unaryReference(f, x - h)) / (2 * h);
}
