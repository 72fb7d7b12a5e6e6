/**
 * Keras's `ModelCheckpoint`, reduced to what resuming needs: at the end of every epoch
 * the model is saved to one directory (model.json + weights.bin, each written aside and
 * then renamed, so a crash mid-save never leaves a half-written file; after a crash between
 * the two renames, `loadModel` completes that checkpoint from its `weights.bin.tmp-*` file
 * when exactly one matches the weights' checksum in model.json, warning that it did, and
 * otherwise refuses the pair rather than mixing two epochs; the next save removes such
 * leftovers), by default with the optimizer's state, the step count and the epoch number.
 *
 * ```ts
 * await model.fit(x, y, { epochs: 10, seed: 1, callbacks: [callbacks.modelCheckpoint({ path: "file://ckpt" })] });
 * // ... the process dies after epoch 4 ...
 * const again = await loadModel("file://ckpt/model.json");   // compiled, optimizer state restored
 * await again.fit(x, y, { epochs: 10, seed: 1, initialEpoch: again.epochsTrained });
 * ```
 */
import type { Callback, CallbackModel, Logs } from "./callback.js";
import { checkKnownKeys } from "../options.js";

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointArgs {
  /** Where to save: "file://<directory>" (Node). */
  path: string;
  /** Save the optimizer's state, step and epoch counts too, to resume training (default true). */
  saveOptimizer?: boolean;
}

const KEYS = ["path", "saveOptimizer"];

/** Saves the model at the end of each epoch (see the module comment). */
export class ModelCheckpoint implements Callback {
  /** The checkpoint directory, as "file://<directory>". */
  readonly path: string;
  /** Whether each save includes the optimizer's state and the step and epoch counts. */
  readonly saveOptimizer: boolean;
  /** Epochs (from 0) whose end was saved by this callback, in order. */
  readonly saved: number[] = [];
  private model: CallbackModel | null = null;

  /** Checks `args`; `saveOptimizer` defaults to true. */
  constructor(args: ModelCheckpointArgs) {
    const where = "callbacks.modelCheckpoint";
    if (typeof args !== "object" || args === null) throw new Error(`${where}: expected { path: "file://<directory>" }, received ${String(args)}`);
    checkKnownKeys(where, args, KEYS);
    if (typeof args.path !== "string" || !args.path.startsWith("file://") || args.path.length === "file://".length) {
      throw new Error(`${where}: path must be "file://<directory>", received ${JSON.stringify(args.path) ?? String(args.path)}`);
    }
    const saveOptimizer = args.saveOptimizer ?? true;
    if (typeof saveOptimizer !== "boolean") throw new Error(`${where}: saveOptimizer must be true or false, received ${String(saveOptimizer)}`);
    this.path = args.path;
    this.saveOptimizer = saveOptimizer;
  }

  setModel(model: CallbackModel): void {
    if (typeof model.save !== "function") throw new Error("callbacks.modelCheckpoint: this model cannot be saved");
    this.model = model;
  }

  /**
   * Saves the model as it is at the end of `epoch`. An epoch whose loss is not finite
   * (training diverged), or whose weights are not all finite, is not saved, so the last
   * checkpoint stays a usable one.
   */
  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.model) throw new Error("callbacks.modelCheckpoint: used outside fit (no model was set)");
    if (logs.loss !== undefined && !Number.isFinite(logs.loss)) return;
    // Never save non-finite weights (an optimizer that does not check its steps can write
    // them): warn and keep the last good checkpoint.
    const bad = firstNonFinite(this.model.getWeights());
    if (bad) {
      console.warn(`callbacks.modelCheckpoint: epoch ${epoch + 1} not saved: weight ${bad.weight} is ${bad.value} at index ${bad.index}; the last checkpoint saved is kept`);
      return;
    }
    await this.model.save!(this.path, { includeOptimizer: this.saveOptimizer });
    this.saved.push(epoch);
  }
}

/** The first NaN or infinite value of `weights` (in getWeights order), or null. */
function firstNonFinite(weights: readonly { data: Float32Array }[]): { weight: number; index: number; value: number } | null {
  for (let w = 0; w < weights.length; w++) {
    const data = weights[w]!.data;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return { weight: w, index: i, value: data[i]! };
  }
  return null;
}
