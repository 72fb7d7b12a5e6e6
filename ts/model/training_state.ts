/**
 * A model's training progress beyond its weights: what a checkpoint saves so that
 * training can resume exactly where it stopped.
 */
import type { Tensor } from "../tensor.js";
import type { LossName } from "../training/losses.js";
import type { MetricName } from "../training/metrics.js";

/** The optimizer's state and the counters of a compiled model. */
export interface TrainingState {
  /** Keras class name ("SGD", "Adam", "RMSprop") and config, as `getConfig` gives it. */
  optimizer: { className: string; config: Record<string, number | boolean> };
  loss: LossName;
  metrics: MetricName[];
  /** Optimizer steps taken so far (Adam's t, TF.js's `iter`). */
  step: number;
  /** Epochs completed (the next fit's `initialEpoch`). */
  epoch: number;
  /**
   * The optimizer's slots (Adam: m then v; SGD: the velocity; RMSprop: the mean square,
   * then the velocity): `slots[s][w]` is slot `s` of weight `w` in `getWeights` order,
   * with that weight's shape.
   */
  slots: Tensor[][];
}
