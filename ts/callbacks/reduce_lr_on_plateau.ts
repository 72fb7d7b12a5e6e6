/**
 * Keras's `ReduceLROnPlateau` (logic of Keras 3, keras/src/callbacks/reduce_lr_on_plateau.py):
 * multiply the learning rate by `factor` after `patience` epochs without improvement.
 *
 * At each epoch end: the current learning rate goes into `logs.learning_rate`; during a
 * cooldown the counter drops by one and the wait resets; an improvement (below best minus
 * minDelta, or above best plus minDelta in max mode) becomes the new best and resets the
 * wait; otherwise, outside a cooldown, the wait grows and on reaching `patience` the rate
 * becomes max(lr * factor, minLr) (only when lr, as float32, exceeds minLr as float32)
 * and a cooldown of `cooldown` epochs starts.
 */
import type { Callback, CallbackModel, Logs } from "./callback.js";
import { checkMonitorArgs, checkNumberArg, isCount, maximizes, missingMetricWarning, type MonitorMode } from "./monitor.js";

/** Arguments of {@link ReduceLROnPlateau}, with Keras's defaults. */
export interface ReduceLROnPlateauArgs {
  /** Logged quantity to watch. Default "val_loss". */
  monitor?: string;
  /** New rate = rate * factor; 0 < factor < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** 1 prints a line on each reduction. Default 0. */
  verbose?: number;
  /** "min", "max", or "auto" (max for names containing "acc"). Default "auto". */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which the wait stays at 0. Default 0. */
  cooldown?: number;
  /** Floor of the learning rate. Default 0. */
  minLr?: number;
}

const OWNER = "ReduceLROnPlateau";

/** Reduces the learning rate when the monitored quantity stops improving. */
export class ReduceLROnPlateau implements Callback {
  /** Logged quantity watched, e.g. "val_loss". */
  readonly monitor: string;
  /** Multiplier of the learning rate on each reduction, in (0, 1). */
  readonly factor: number;
  /** Epochs without improvement before a reduction. */
  readonly patience: number;
  /** 1 prints a line on each reduction, 0 is silent. */
  readonly verbose: number;
  /** "min", "max" or "auto", as given (see {@link ReduceLROnPlateauArgs.mode}). */
  readonly mode: MonitorMode;
  /** Smallest change that counts as an improvement (>= 0). */
  readonly minDelta: number;
  /** Epochs after a reduction during which the wait stays at 0. */
  readonly cooldown: number;
  /** Floor of the learning rate. */
  readonly minLr: number;

  /** Best monitored value so far. */
  best = Infinity;
  /** Epochs since the last improvement (outside cooldowns). */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;

  /** True when the monitored quantity should grow (from mode and monitor). */
  private readonly maximize: boolean;
  private model: CallbackModel | null = null;
  private warned = false;

  /** Checks `args` and fills in Keras's defaults. */
  constructor(args: ReduceLROnPlateauArgs = {}) {
    const { monitor, mode, verbose } = checkMonitorArgs(OWNER, args.monitor ?? "val_loss", args.mode ?? "auto", args.verbose ?? 0);
    this.monitor = monitor;
    this.mode = mode;
    this.verbose = verbose;
    this.maximize = maximizes(mode, monitor);
    this.factor = checkNumberArg(OWNER, "factor", args.factor ?? 0.1, (v) => v > 0 && v < 1, "a number with 0 < factor < 1 (new_lr = lr * factor)");
    this.patience = checkNumberArg(OWNER, "patience", args.patience ?? 10, isCount, "a whole number >= 0");
    this.minDelta = checkNumberArg(OWNER, "minDelta", args.minDelta ?? 1e-4, (v) => Number.isFinite(v) && v >= 0, "a finite number >= 0");
    this.cooldown = checkNumberArg(OWNER, "cooldown", args.cooldown ?? 0, isCount, "a whole number >= 0");
    this.minLr = checkNumberArg(OWNER, "minLr", args.minLr ?? 0, (v) => Number.isFinite(v) && v >= 0, "a finite number >= 0");
    this.reset();
  }

  private reset(): void {
    this.best = this.maximize ? -Infinity : Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  private improves(current: number): boolean {
    return this.maximize ? current > this.best + this.minDelta : current < this.best - this.minDelta;
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.reset();
    this.warned = false;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const model = this.requireModel();
    logs.learning_rate = model.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warned) console.warn(missingMetricWarning("Learning rate reduction", this.monitor, logs));
      this.warned = true;
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improves(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) this.reduce(model, epoch);
    }
  }

  private reduce(model: CallbackModel, epoch: number): void {
    const oldLr = model.learningRate;
    // Keras holds the rate in a float32 variable and compares it with float32(min_lr);
    // comparing the float32 values here makes a rate already at the floor stay put.
    if (!(Math.fround(oldLr) > Math.fround(this.minLr))) return;
    const newLr = Math.max(oldLr * this.factor, this.minLr);
    model.learningRate = newLr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
    this.cooldownCounter = this.cooldown;
    this.wait = 0;
  }

  private requireModel(): CallbackModel {
    if (!this.model) throw new Error(`${OWNER}: no model; fit calls setModel before training`);
    return this.model;
  }
}
