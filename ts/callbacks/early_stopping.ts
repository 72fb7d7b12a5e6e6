/**
 * Keras's `EarlyStopping` (logic of Keras 3, keras/src/callbacks/early_stopping.py):
 * stop training once the monitored quantity has not improved for `patience` epochs.
 *
 * At each epoch end from `startFromEpoch` on: the wait grows by one; an improvement
 * (current - minDelta beats the best, in the mode's direction) becomes the best and
 * resets the wait, unless a `baseline` is set and not beaten; otherwise, once the wait
 * reaches `patience` (and never at epoch 0), training stops. With `restoreBestWeights`,
 * the weights of the best epoch are put back when training ends.
 */
import type { Tensor } from "../tensor.js";
import type { Callback, CallbackModel, Logs } from "./callback.js";
import { checkMonitorArgs, checkNumberArg, isCount, maximizes, missingMetricWarning, type MonitorMode } from "./monitor.js";

/** Arguments of {@link EarlyStopping}, with Keras's defaults. */
export interface EarlyStoppingArgs {
  /** Logged quantity to watch. Default "val_loss". */
  monitor?: string;
  /** Smallest change that counts as an improvement (its sign is ignored). Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 1 prints when training stops and when weights are restored. Default 0. */
  verbose?: number;
  /** "min", "max", or "auto" (max for names containing "acc"). Default "auto". */
  mode?: MonitorMode;
  /** A value the quantity must beat for the wait to reset. Default none. */
  baseline?: number | null;
  /** Put back the best epoch's weights when training ends. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to ignore at the start (warm-up). Default 0. */
  startFromEpoch?: number;
}

const OWNER = "EarlyStopping";

function copyWeights(weights: readonly Tensor[]): Tensor[] {
  return weights.map((w) => ({ data: w.data.slice(), shape: [...w.shape] }));
}

/** Stops training when the monitored quantity stops improving. */
export class EarlyStopping implements Callback {
  /** Logged quantity watched, e.g. "val_loss". */
  readonly monitor: string;
  /** Smallest change that counts as an improvement (the absolute value of the argument). */
  readonly minDelta: number;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** 1 prints when training stops and when weights are restored, 0 is silent. */
  readonly verbose: number;
  /** "min", "max" or "auto", as given (see {@link EarlyStoppingArgs.mode}). */
  readonly mode: MonitorMode;
  /** A value the quantity must beat for the wait to reset, or null for none. */
  readonly baseline: number | null;
  /** Whether the best epoch's weights are put back when training ends. */
  readonly restoreBestWeights: boolean;
  /** Epochs ignored at the start (warm-up). */
  readonly startFromEpoch: number;

  /** Best monitored value so far. */
  best = Infinity;
  /** Epoch of the best value (0 until one is seen). */
  bestEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which training was stopped, 0 when it was not. */
  stoppedEpoch = 0;

  /** True when the monitored quantity should grow (from mode and monitor). */
  private readonly maximize: boolean;
  private model: CallbackModel | null = null;
  private bestWeights: Tensor[] | null = null;
  private warned = false;

  /** Checks `args` and fills in Keras's defaults. */
  constructor(args: EarlyStoppingArgs = {}) {
    const { monitor, mode, verbose } = checkMonitorArgs(OWNER, args.monitor ?? "val_loss", args.mode ?? "auto", args.verbose ?? 0);
    this.monitor = monitor;
    this.mode = mode;
    this.verbose = verbose;
    this.maximize = maximizes(mode, monitor);
    this.minDelta = Math.abs(checkNumberArg(OWNER, "minDelta", args.minDelta ?? 0, Number.isFinite, "a finite number"));
    this.patience = checkNumberArg(OWNER, "patience", args.patience ?? 0, isCount, "a whole number >= 0");
    const baseline = args.baseline ?? null;
    this.baseline = baseline === null ? null : checkNumberArg(OWNER, "baseline", baseline, Number.isFinite, "a finite number or null");
    if (typeof (args.restoreBestWeights ?? false) !== "boolean") {
      throw new Error(`${OWNER}: restoreBestWeights must be true or false, received ${String(args.restoreBestWeights)}`);
    }
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = checkNumberArg(OWNER, "startFromEpoch", args.startFromEpoch ?? 0, isCount, "a whole number >= 0");
    this.best = this.maximize ? -Infinity : Infinity;
  }

  /** True when `value` beats `reference` by more than minDelta in the mode's direction. */
  private improves(value: number, reference: number): boolean {
    return this.maximize ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    // Reset everything so that one instance can serve several fit calls.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = null;
    this.bestEpoch = 0;
    this.best = this.maximize ? -Infinity : Infinity;
    this.warned = false;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const model = this.requireModel();
    const current = logs?.[this.monitor];
    if (current === undefined) {
      if (!this.warned) console.warn(missingMetricWarning("Early stopping", this.monitor, logs));
      this.warned = true;
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Until something improves, the first monitored epoch's weights are the best.
      this.bestWeights = copyWeights(model.getWeights());
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = copyWeights(model.getWeights());
      if (this.baseline === null || this.improves(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.requireModel().setWeights(this.bestWeights);
    }
  }

  private requireModel(): CallbackModel {
    if (!this.model) throw new Error(`${OWNER}: no model; fit calls setModel before training`);
    return this.model;
  }
}
