/**
 * Optimizer updates (SGD, Adam, RMSprop) over wasm buffers, as Keras 3 computes them.
 *
 * One call updates `n` parameters in place from their gradients. State buffers
 * (velocity, moments, mean squares) start zeroed and stay with their parameter tensor.
 * Every argument is checked before the kernel runs, so a bad call throws and changes
 * nothing.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/**
 * One SGD step: `p -= lr g`; with a `velocity` buffer, `vel = momentum vel - lr g` and
 * `p += vel` (or, with `nesterov`, `p += momentum vel - lr g`). A non-zero momentum
 * needs a velocity buffer; without momentum, `velocity` may be null and `nesterov` has
 * no effect (as in Keras).
 */
export function sgdUpdate(
  core: WasmCore,
  n: number,
  params: WasmBuffer,
  grads: WasmBuffer,
  velocity: WasmBuffer | null,
  lr: number,
  momentum: number,
  nesterov: boolean,
): void {
  const op = "sgdUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkRange(op, "momentum", momentum, 0, 1);
  if (typeof nesterov !== "boolean") throw new Error(`${op}: nesterov must be a boolean, received ${String(nesterov)}`);
  if (momentum !== 0 && velocity === null) {
    throw new Error(`${op}: momentum ${momentum} needs a velocity buffer, received null`);
  }
  core.fn("sgd_update")(
    n,
    core.check(op, "params", params, n),
    core.check(op, "grads", grads, n),
    velocity === null ? 0 : core.check(op, "velocity", velocity, n),
    lr,
    momentum,
    nesterov ? 1 : 0,
  );
}

/**
 * One Adam step (`step` counts updates from 1): `m = b1 m + (1 - b1) g`,
 * `v = b2 v + (1 - b2) g^2`, `p -= alpha m / (sqrt(v) + epsilon)` with
 * `alpha = lr sqrt(1 - b2^step) / (1 - b1^step)`. Keras defaults: lr 0.001,
 * beta1 0.9, beta2 0.999, epsilon 1e-7.
 */
export function adamUpdate(
  core: WasmCore,
  n: number,
  params: WasmBuffer,
  grads: WasmBuffer,
  m: WasmBuffer,
  v: WasmBuffer,
  lr: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  step: number,
): void {
  const op = "adamUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkBeta(op, "beta1", beta1);
  checkBeta(op, "beta2", beta2);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  if (!Number.isInteger(step) || step < 1 || step > 0xffff_ffff) {
    throw new Error(`${op}: step must be a whole number from 1 to 4294967295, received ${step}`);
  }
  core.fn("adam_update")(
    n,
    core.check(op, "params", params, n),
    core.check(op, "grads", grads, n),
    core.check(op, "m", m, n),
    core.check(op, "v", v, n),
    lr,
    beta1,
    beta2,
    epsilon,
    step,
  );
}

/**
 * One RMSprop step: `ms = rho ms + (1 - rho) g^2`, `inc = lr g / sqrt(ms + epsilon)`;
 * with a `velocity` buffer `vel = momentum vel + inc` and `p -= vel`, else `p -= inc`.
 * A non-zero momentum needs a velocity buffer. Keras defaults: lr 0.001, rho 0.9,
 * momentum 0, epsilon 1e-7.
 */
export function rmspropUpdate(
  core: WasmCore,
  n: number,
  params: WasmBuffer,
  grads: WasmBuffer,
  meanSquare: WasmBuffer,
  velocity: WasmBuffer | null,
  lr: number,
  rho: number,
  momentum: number,
  epsilon: number,
): void {
  const op = "rmspropUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkRange(op, "rho", rho, 0, 1);
  checkRange(op, "momentum", momentum, 0, 1);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  if (momentum !== 0 && velocity === null) {
    throw new Error(`${op}: momentum ${momentum} needs a velocity buffer, received null`);
  }
  core.fn("rmsprop_update")(
    n,
    core.check(op, "params", params, n),
    core.check(op, "grads", grads, n),
    core.check(op, "meanSquare", meanSquare, n),
    velocity === null ? 0 : core.check(op, "velocity", velocity, n),
    lr,
    rho,
    momentum,
    epsilon,
  );
}

function checkCount(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${op}: ${name} must be a whole number >= 1, received ${value}`);
  }
}

/** A finite number in [lo, hi] (hi may be Infinity, meaning no upper bound). */
function checkRange(op: string, name: string, value: number, lo: number, hi: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new Error(`${op}: ${name} must be a finite number ${range}, received ${value}`);
  }
}

/** Adam's decay rates lie in [0, 1): at 1 the bias correction divides by zero. */
function checkBeta(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new Error(`${op}: ${name} must be a number in [0, 1), received ${value}`);
  }
}
