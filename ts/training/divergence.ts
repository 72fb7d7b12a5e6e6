/**
 * The divergence guard on the weights (the loss has its own, in fit.ts): the built-in
 * optimizers' kernels check every parameter and state value a step would write and
 * refuse the step, writing nothing, when any would be NaN or infinite. Training then
 * stops with the weights and optimizer state of before that batch, so a diverged run
 * never leaves poisoned weights behind (nor a checkpoint of them).
 */
import type { Trainee } from "./fit.js";

/**
 * Applies the optimizer's update of step `step` to `t`'s weights. When the optimizer
 * refuses it (it would make a value non-finite), sets `stopTraining`, warns with
 * `console.warn` (whatever `verbose` is) and returns false; the weights and optimizer
 * state are then exactly as before the call. `epoch` and `batch` (from 0, of `epochs` and
 * `steps`) say where, for the warning; flat arguments, so that a step allocates nothing.
 */
export function applyUpdate(t: Trainee, step: number, epoch: number, epochs: number, batch: number, steps: number): boolean {
  const { core, optimizer, store } = t;
  if (optimizer.apply(core, store.trainableCount, store.params!, store.grads!, store.state, step) !== false) return true;
  t.callbackModel.stopTraining = true;
  console.warn(
    `fit: the update of epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${steps} would have made weights or optimizer state NaN or infinite; `
      + `training stopped without applying it (the weights are those from before that batch). The learning rate (${optimizer.learningRate}) is probably too high, or the inputs are too large.`,
  );
  return false;
}
