/**
 * The record of a `fit` call, as Keras's `History`: which epochs ran and each logged
 * value per epoch. `fit` adds one as the last callback and returns it.
 */
import type { Callback, Logs } from "./callback.js";

/** Records every epoch's logs. */
export class History implements Callback {
  /** The epochs that ran (counting from 0). */
  epoch: number[] = [];
  /** Each logged quantity's value per epoch, e.g. `history.loss[2]`. */
  history: Record<string, number[]> = {};
  /** The settings fit passed through `setParams` (epochs, steps, verbose...). */
  params: Record<string, unknown> = {};

  setParams(params: Record<string, unknown>): void {
    this.params = params;
  }

  onTrainBegin(): void {
    this.epoch = [];
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs ?? {})) {
      (this.history[key] ??= []).push(value);
    }
  }
}
