/**
 * Optimizer updates (SGD, Adam, RMSprop) over wasm buffers, as Keras 3 computes them.
 *
 * One call updates `n` parameters in place from their gradients. State buffers
 * (velocity, moments, mean squares) start zeroed and stay with their parameter tensor.
 * Every argument is checked before the kernel runs, so a bad call throws and changes
 * nothing; the buffers of one call must not overlap each other.
 *
 * Divergence guard: each update returns true when it was applied, and false when it wrote
 * nothing at all because some new parameter or state value would not be finite (NaN or
 * infinite). The kernel checks every value it would write before writing any, so a
 * diverging step never poisons the weights or the optimizer state.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkBoolean, checkCount, checkedBuffer, checkFraction, checkNoOverlap, checkRange, checkWhole } from "./check.js";

/**
 * One SGD step: `p -= lr g`; with a `velocity` buffer, `vel = momentum vel - lr g` and
 * `p += vel` (or, with `nesterov`, `p += momentum vel - lr g`). A non-zero momentum
 * needs a velocity buffer; without momentum, `velocity` may be null and `nesterov` has
 * no effect (as in Keras). Returns false, writing nothing, when the step would make a
 * parameter or the velocity non-finite.
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
): boolean {
  const op = "sgdUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkRange(op, "momentum", momentum, 0, 1);
  checkBoolean(op, "nesterov", nesterov);
  if (momentum !== 0 && velocity === null) {
    throw new Error(`${op}: momentum ${momentum} needs a velocity buffer, received null`);
  }
  beginBuffers();
  const pp = checkedBuffer(core, op, "params", params, n, true);
  const gp = checkedBuffer(core, op, "grads", grads, n, false);
  const vp = checkedBuffer(core, op, "velocity", velocity, n, true);
  checkNoOverlap(op);
  return core.fn("sgd_update")(
    n,
    pp,
    gp,
    vp,
    lr,
    momentum,
    nesterov ? 1 : 0,
  ) === 1;
}

/**
 * One Adam step (`step` counts updates from 1): `m = b1 m + (1 - b1) g`,
 * `v = b2 v + (1 - b2) g^2`, `p -= alpha m / (sqrt(v) + epsilon)` with
 * `alpha = lr sqrt(1 - b2^step) / (1 - b1^step)`. Keras defaults: lr 0.001,
 * beta1 0.9, beta2 0.999, epsilon 1e-7. Returns false, writing nothing, when the step
 * would make a parameter or a moment non-finite.
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
): boolean {
  const op = "adamUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkFraction(op, "beta1", beta1);
  checkFraction(op, "beta2", beta2);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  checkWhole(op, "step", step, 1, 0xffff_ffff);
  beginBuffers();
  const pp = checkedBuffer(core, op, "params", params, n, true);
  const gp = checkedBuffer(core, op, "grads", grads, n, false);
  const mp = checkedBuffer(core, op, "m", m, n, true);
  const vp = checkedBuffer(core, op, "v", v, n, true);
  checkNoOverlap(op);
  return core.fn("adam_update")(
    n,
    pp,
    gp,
    mp,
    vp,
    lr,
    beta1,
    beta2,
    epsilon,
    step,
  ) === 1;
}

/**
 * One RMSprop step: `ms = rho ms + (1 - rho) g^2`, `inc = lr g / sqrt(ms + epsilon)`;
 * with a `velocity` buffer `vel = momentum vel + inc` and `p -= vel`, else `p -= inc`.
 * A non-zero momentum needs a velocity buffer. Keras defaults: lr 0.001, rho 0.9,
 * momentum 0, epsilon 1e-7. Returns false, writing nothing, when the step would make a
 * parameter or the state non-finite.
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
): boolean {
  const op = "rmspropUpdate";
  checkCount(op, "n", n);
  checkRange(op, "lr", lr, 0, Infinity);
  checkRange(op, "rho", rho, 0, 1);
  checkRange(op, "momentum", momentum, 0, 1);
  checkRange(op, "epsilon", epsilon, 0, Infinity);
  if (momentum !== 0 && velocity === null) {
    throw new Error(`${op}: momentum ${momentum} needs a velocity buffer, received null`);
  }
  beginBuffers();
  const pp = checkedBuffer(core, op, "params", params, n, true);
  const gp = checkedBuffer(core, op, "grads", grads, n, false);
  const msp = checkedBuffer(core, op, "meanSquare", meanSquare, n, true);
  const vp = checkedBuffer(core, op, "velocity", velocity, n, true);
  checkNoOverlap(op);
  return core.fn("rmsprop_update")(
    n,
    pp,
    gp,
    msp,
    vp,
    lr,
    rho,
    momentum,
    epsilon,
  ) === 1;
}
