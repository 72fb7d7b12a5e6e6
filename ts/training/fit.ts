/**
 * The training loop of `fit`: epochs of shuffled batches, one optimizer update per
 * batch, validation after each epoch, and the callback hooks in Keras's order
 * (train begin, then per epoch: epoch begin, per batch: batch begin/end, epoch end,
 * then train end). Logs carry "loss", "accuracy", "val_loss" and "val_accuracy".
 */
import type { Callback, CallbackModel, Logs } from "../callbacks/callback.js";
import { CallbackList } from "../callbacks/callback_list.js";
import type { Runner } from "../model/runner.js";
import type { WeightStore } from "../model/weights.js";
import type { Optimizer } from "../optimizers/index.js";
import { checkKnownKeys } from "../options.js";
import type { Random } from "../random.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import type { Feeder } from "./data.js";
import { applyUpdate } from "./divergence.js";
import { evaluateFeeder } from "./evaluate.js";
import { meanLogs, type MetricName } from "./metrics.js";

/** Options of `model.fit`. */
export interface FitArgs {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32; a BatchSource's own by default). */
  batchSize?: number;
  /** Fraction of the samples, taken from the END before shuffling, kept for validation. */
  validationSplit?: number;
  /** Validation samples `[x, y]` (instead of a split). */
  validationData?: [Tensor, Tensor];
  /** Reshuffle the training samples each epoch (default true). */
  shuffle?: boolean;
  /** Seed of shuffling and dropout masks (default: a random one). */
  seed?: number;
  /** Hooks called during training (EarlyStopping, ModelCheckpoint, ...), in order. */
  callbacks?: Callback[];
  /** 0 silent, 1 (default) one line per epoch. */
  verbose?: 0 | 1;
  /**
   * Epoch to start at, counting from 0 (default 0), as Keras's `initial_epoch`: training
   * runs epochs `initialEpoch .. epochs - 1`. To resume from a checkpoint pass the loaded
   * model's `epochsTrained` and the same seed: the shuffles of the skipped epochs are
   * replayed, so the run continues exactly as an uninterrupted one.
   */
  initialEpoch?: number;
  /**
   * Threads computing each batch's gradient, the calling thread included (default 1):
   * with N > 1, N - 1 worker threads (Web Workers in browsers) each train on a shard of
   * every batch; results match one-worker training up to float rounding.
   */
  workers?: number;
}

/** Fit options with defaults filled and checked. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  validationSplit: number;
  validationData: [Tensor, Tensor] | null;
  shuffle: boolean;
  seed: number | null;
  callbacks: Callback[];
  verbose: 0 | 1;
  initialEpoch: number;
  workers: number;
}

const KEYS = ["epochs", "batchSize", "validationSplit", "validationData", "shuffle", "seed", "callbacks", "verbose", "initialEpoch", "workers"];

/** Checks `fit`'s options; `defaultBatch` is 32 or a BatchSource's batch size. */
export function fitSettings(options: FitArgs | undefined, defaultBatch: number): FitSettings {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new Error(`fit: options must be an object, received ${String(options)}`);
  checkKnownKeys("fit", o, KEYS);
  const whole = (name: string, v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new Error(`fit: ${name} must be a whole number > 0, received ${String(v)}`);
    return v;
  };
  const split = o.validationSplit ?? 0;
  if (typeof split !== "number" || !(split >= 0 && split < 1)) {
    throw new Error(`fit: validationSplit must be a number in [0, 1), received ${String(split)}`);
  }
  const vd = o.validationData;
  if (vd !== undefined && (!Array.isArray(vd) || vd.length !== 2)) {
    throw new Error(`fit: validationData must be [x, y], received ${Array.isArray(vd) ? `an array of ${vd.length}` : typeof vd}`);
  }
  if (vd !== undefined && split > 0) throw new Error("fit: give validationData or validationSplit, not both");
  if (o.shuffle !== undefined && typeof o.shuffle !== "boolean") throw new Error(`fit: shuffle must be true or false, received ${String(o.shuffle)}`);
  if (o.seed !== undefined && (typeof o.seed !== "number" || !Number.isSafeInteger(o.seed))) {
    throw new Error(`fit: seed must be a whole number, received ${String(o.seed)}`);
  }
  const cbs = o.callbacks ?? [];
  if (!Array.isArray(cbs)) throw new Error(`fit: callbacks must be an array, received ${typeof cbs}`);
  const verbose = o.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1) throw new Error(`fit: verbose must be 0 or 1, received ${String(verbose)}`);
  const epochs = whole("epochs", o.epochs, 1);
  const initialEpoch = o.initialEpoch ?? 0;
  if (typeof initialEpoch !== "number" || !Number.isSafeInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
    throw new Error(`fit: initialEpoch must be a whole number in [0, epochs) = [0, ${epochs}), received ${String(initialEpoch)}; epochs counts up to the final epoch, as in Keras`);
  }
  return {
    epochs,
    batchSize: whole("batchSize", o.batchSize, defaultBatch),
    validationSplit: split,
    validationData: (vd as [Tensor, Tensor] | undefined) ?? null,
    shuffle: (o.shuffle as boolean | undefined) ?? true,
    seed: (o.seed as number | undefined) ?? null,
    callbacks: cbs as Callback[],
    verbose,
    initialEpoch,
    workers: whole("workers", o.workers, 1),
  };
}

/**
 * Computes a batch's gradient other than by one forward and backward pass on the model
 * (data-parallel training, ts/parallel/): from the first `count` samples filled into the
 * runner's plan, it writes the gradient of their mean loss to the model's gradient
 * buffer and returns that mean loss and the number of correctly classified samples.
 */
export interface GradientStep {
  gradients(count: number, step: number): Promise<{ loss: number; correct: number }>;
}

/** What the loop needs of the model being trained. */
export interface Trainee {
  readonly core: WasmCore;
  readonly runner: Runner;
  readonly optimizer: Optimizer;
  readonly store: WeightStore;
  readonly metrics: readonly MetricName[];
  /** The view of the model callbacks get (stopTraining, learningRate, weights). */
  readonly callbackModel: CallbackModel;
  /** Counts optimizer steps; returns the new count (1 for the first step). */
  nextStep(): number;
  /** Records that epoch `epoch` (from 0) has completed. */
  epochDone(epoch: number): void;
  /** When set, computes each batch's gradient instead of the runner (see {@link GradientStep}). */
  readonly parallel?: GradientStep | null;
}

/**
 * Runs the epochs; resolves with the logs of the last epoch.
 *
 * Divergence: at the first batch whose loss is NaN or infinite, that batch's update is
 * not applied, the epoch ends there (its logs, and so the History, carry the non-finite
 * loss), training stops and a warning saying where is printed with `console.warn`
 * whatever `verbose` is. Like Keras's TerminateOnNaN, the call then resolves normally.
 */
export async function trainLoop(t: Trainee, train: Feeder, validation: Feeder | null, s: FitSettings, random: Random, list: CallbackList, print: (line: string) => void): Promise<Logs> {
  const { core, runner, optimizer, metrics } = t;
  const n = train.length;
  const batch = Math.min(s.batchSize, runner.plan.batch);
  const steps = Math.ceil(n / batch);
  const accuracy = metrics.includes("accuracy");
  list.setModel(t.callbackModel);
  list.setParams({ epochs: s.epochs, steps, samples: n, batchSize: batch, verbose: s.verbose });
  await list.onTrainBegin({});
  let last: Logs = {};
  // Replay the skipped epochs' shuffles so the random stream is where it would be.
  for (let epoch = 0; epoch < s.initialEpoch; epoch++) train.startEpoch(epoch, s.shuffle ? random : null);
  let diverged = false;
  for (let epoch = s.initialEpoch; epoch < s.epochs; epoch++) {
    const began = performance.now();
    await list.onEpochBegin(epoch, {});
    train.startEpoch(epoch, s.shuffle ? random : null);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < steps; b++) {
      const start = b * batch;
      const count = Math.min(batch, n - start);
      const begin = list.onBatchBegin(b, { batch: b, size: count });
      if (begin) await begin;
      const ready = train.prepare?.(start, count); // a source's asynchronous reading, e.g. decoding in a browser
      if (ready) await ready;
      train.fill(core, runner.plan, start, count);
      const step = t.nextStep();
      let batchLoss: number;
      if (t.parallel) {
        // Computes the whole gradient (backward included) before the loss can be checked.
        const r = await t.parallel.gradients(count, step);
        batchLoss = r.loss;
        correct += r.correct;
      } else {
        runner.forward(count, true, step, true);
        batchLoss = runner.lossAndGradient(count);
        if (metrics.length > 0) correct += runner.correct(count);
      }
      lossSum += batchLoss * count;
      seen += count;
      if (!Number.isFinite(batchLoss)) {
        diverged = true;
        t.callbackModel.stopTraining = true;
        console.warn(`fit: the loss became ${batchLoss} at epoch ${epoch + 1}/${s.epochs}, batch ${b + 1}/${steps}; training stopped without applying that batch. `
          + `The learning rate (${optimizer.learningRate}) is probably too high, or the inputs are too large.`);
        break;
      }
      if (!t.parallel) runner.backward(count, step);
      // Only the trainable weights, placed first (see ../model/weights.ts); none when all are frozen.
      // The kernels refuse a step that would make a weight non-finite (divergence.ts); the
      // epoch's loss is then logged as NaN, so History and ModelCheckpoint see the divergence.
      if (t.store.trainableCount > 0 && !applyUpdate(t, step, epoch, s.epochs, b, steps)) {
        diverged = true;
        lossSum = NaN;
        break;
      }
      const end = list.onBatchEnd(b, batchEndLogs(b, count, lossSum, correct, seen, accuracy));
      if (end) await end;
      if (t.callbackModel.stopTraining) break;
    }
    const logs = meanLogs(lossSum, correct, seen, metrics);
    if (!diverged) t.epochDone(epoch);
    if (validation) {
      const v = evaluateFeeder(core, runner, validation, batch, metrics);
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    await list.onEpochEnd(epoch, logs);
    if (s.verbose === 1) print(epochLine(epoch, s.epochs, performance.now() - began, logs));
    last = logs;
    if (t.callbackModel.stopTraining) break;
  }
  await list.onTrainEnd(last);
  return last;
}

/**
 * The logs of one batch's end: its index and size, then the epoch's running means, as
 * `{ batch, size, ...meanLogs(...) }` would give but built as one object (this runs every
 * step). Each call returns a fresh object, as Keras hands each callback a fresh dict, so a
 * callback may keep it.
 */
function batchEndLogs(batch: number, size: number, lossSum: number, correct: number, seen: number, accuracy: boolean): Logs {
  return accuracy ? { batch, size, loss: lossSum / seen, accuracy: correct / seen } : { batch, size, loss: lossSum / seen };
}

/** "Epoch 2/5 - 1.3s - loss: 0.1234 - accuracy: 0.9612". */
export function epochLine(epoch: number, epochs: number, ms: number, logs: Logs): string {
  const parts = Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`);
  return [`Epoch ${epoch + 1}/${epochs}`, `${(ms / 1000).toFixed(1)}s`, ...parts].join(" - ");
}
