/** A scripted stand-in for a model, to drive callbacks epoch by epoch. */
import type { Callback, CallbackModel, Logs } from "../../ts/callbacks/callback.js";
import type { Tensor } from "../../ts/tensor.js";

/** Records learning-rate changes; its one weight tensor holds the current epoch number. */
export class FakeModel implements CallbackModel {
  stopTraining = false;
  /** [epoch, new learning rate] for every assignment. */
  readonly lrChanges: [number, number][] = [];
  epoch = -1;
  /** The live weights; mutated in place each epoch so that kept references would change. */
  readonly weights: Tensor[] = [{ data: new Float32Array([-1, -1]), shape: [2] }];
  restoredFrom: number | null = null;
  private lr: number;

  constructor(learningRate = 0.1) {
    this.lr = learningRate;
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lrChanges.push([this.epoch, value]);
    this.lr = value;
  }

  getWeights(): Tensor[] {
    return this.weights;
  }

  setWeights(weights: Tensor[]): void {
    this.restoredFrom = weights[0]!.data[0]!;
    this.weights[0]!.data.set(weights[0]!.data);
  }
}

/**
 * Runs a fit-like loop over scripted epoch logs (each epoch's logs are copied), stopping
 * when the model asks; returns the epochs that ran and the logs each callback saw.
 */
export function runEpochs(callback: Callback, model: FakeModel, script: Logs[]): { epochs: number[]; logs: Logs[] } {
  callback.setModel?.(model);
  callback.onTrainBegin?.({});
  model.stopTraining = false;
  const epochs: number[] = [];
  const logs: Logs[] = [];
  for (let epoch = 0; epoch < script.length; epoch++) {
    model.epoch = epoch;
    model.weights[0]!.data.fill(epoch);
    const epochLogs = { ...script[epoch]! };
    callback.onEpochEnd?.(epoch, epochLogs);
    epochs.push(epoch);
    logs.push(epochLogs);
    if (model.stopTraining) break;
  }
  callback.onTrainEnd?.({});
  return { epochs, logs };
}

/** Logs with one key holding each value in turn. */
export function series(key: string, values: number[]): Logs[] {
  return values.map((v) => ({ [key]: v }));
}
