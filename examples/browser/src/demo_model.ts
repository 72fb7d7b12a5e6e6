/**
 * The part of a simdnet `Sequential` (SPEC.md) that the demo's worker uses. Written as
 * an interface so that the worker does not care which implementation trains: simdnet's
 * `lenet5()` once its model API is on this branch, the plain TypeScript stand-in
 * (plain_lenet5.ts) until then.
 */
import type { Tensor } from "../../../ts/tensor.js";

/** Logs passed to callbacks, named as Keras names them. */
export interface Logs {
  loss?: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
}

/** The callbacks the demo passes to fit (plain objects, as in Keras). */
export interface Callbacks {
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
}

/** Options of {@link DemoModel.fit} that the demo uses. */
export interface FitOptions {
  epochs: number;
  batchSize: number;
  validationSplit: number;
  shuffle: boolean;
  callbacks: Callbacks[];
}

/** A compiled LeNet-5 taking [n, 28, 28, 1] images and sparse labels [n]. */
export interface DemoModel {
  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  stopTraining: boolean;
  fit(x: Tensor, y: Tensor, options: FitOptions): Promise<unknown>;
  /** Class probabilities, [n, 10]. */
  predict(x: Tensor): Tensor;
  /** Each layer's output for `x`, in layer order. */
  activations(x: Tensor): Tensor[];
  /** Kernels and biases in Keras order: conv1 kernel [5, 5, 1, 6] first. */
  getWeights(): Tensor[];
  /** The Keras-format table; with `explain`, the arithmetic behind each row. */
  summary(options: { explain: boolean }): string;
}
