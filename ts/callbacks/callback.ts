/**
 * The callback protocol of `fit`, as in Keras: the training loop calls these hooks in
 * order, and callbacks read the logs, change the learning rate, stop training or swap
 * weights through a small view of the model.
 */
import type { Tensor } from "../tensor.js";

/** Metric values by name, e.g. `{ loss: 0.31, accuracy: 0.9, val_loss: 0.35 }`. */
export type Logs = Record<string, number>;

/** What a callback may see and change of the model being trained. */
export interface CallbackModel {
  /** Set to true to end `fit` after the current batch (Keras checks it after each batch too). */
  stopTraining: boolean;
  /** The optimizer's learning rate; a new value applies from the next step. */
  learningRate: number;
  /** The weights in Keras order (kernel, bias per layer). */
  getWeights(): Tensor[];
  /** Replaces the weights (same count, order and shapes as {@link getWeights}). */
  setWeights(weights: Tensor[]): void;
  /** Saves the model as `model.save` does (used by ModelCheckpoint); absent on models that cannot save. */
  save?(
    destination: string,
    options?: {
      /** Also save the optimizer's state and the step and epoch counts, to resume training. */
      includeOptimizer?: boolean;
    },
  ): Promise<unknown>;
}

/**
 * A training callback: any subset of these hooks, each possibly async (fit awaits a
 * returned promise before calling the next callback). Epoch and batch numbers count
 * from 0. `logs` passed to `onEpochEnd` is shared by all callbacks of the call, so a
 * value one callback writes (e.g. "learning_rate") is seen by those after it.
 */
export interface Callback {
  /** Called by fit before training with the model being trained. */
  setModel?(model: CallbackModel): void;
  /** Called by fit before training with its settings (epochs, steps, verbose...), as Keras's `set_params`. */
  setParams?(params: Record<string, unknown>): void;
  /** Called once before the first epoch. */
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  /** Called once after the last epoch (also after an early stop). */
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  /** Called before each epoch; `epoch` counts from 0. */
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Called after each epoch with its mean loss and metrics (and val_ ones when validating). */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  /** Called before each batch; `batch` counts from 0 within the epoch. */
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called after each batch with the epoch's running mean loss and metrics so far. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}
