/**
 * Plain references for the optimizer kernels: Keras's formulas in their textbook form,
 * one parameter at a time, in double precision. State arrays are updated in place.
 */

/** SGD; `velocity` null means plain `p -= lr g`. */
export function sgdReference(
  params: Float64Array,
  grads: ArrayLike<number>,
  velocity: Float64Array | null,
  lr: number,
  momentum: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]!;
    if (velocity === null) {
      params[i]! -= lr * g;
      continue;
    }
    const v = momentum * velocity[i]! - lr * g;
    velocity[i] = v;
    params[i]! += nesterov ? momentum * v - lr * g : v;
  }
}

/** Adam at `step` (from 1), with bias correction folded into the step size. */
export function adamReference(
  params: Float64Array,
  grads: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  step: number,
): void {
  const alpha = (lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    params[i]! -= (alpha * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
  }
}

/** RMSprop (not centered); `velocity` null means no momentum. */
export function rmspropReference(
  params: Float64Array,
  grads: ArrayLike<number>,
  meanSquare: Float64Array,
  velocity: Float64Array | null,
  lr: number,
  rho: number,
  momentum: number,
  epsilon: number,
): void {
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]!;
    meanSquare[i] = rho * meanSquare[i]! + (1 - rho) * g * g;
    const inc = (lr * g) / Math.sqrt(meanSquare[i]! + epsilon);
    if (velocity === null) {
      params[i]! -= inc;
    } else {
      velocity[i] = momentum * velocity[i]! + inc;
      params[i]! -= velocity[i]!;
    }
  }
}
