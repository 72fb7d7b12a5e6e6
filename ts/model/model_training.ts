/**
 * A model's training side, kept apart from its graph and weights (model.ts): what
 * `compile` sets (optimizer, loss, metrics), the step and epoch counters `fit` advances,
 * whether a fit is running, and the glue around a fit call (the snapshot it restores on
 * failure, the trainee the loop drives, the callbacks' view of the model) and around
 * checkpoints (the optimizer's slots and counters).
 */
import type { CallbackModel } from "../callbacks/callback.js";
import type { History } from "../callbacks/history.js";
import type { Layer } from "../layers/layer.js";
import { getOptimizer, type Optimizer } from "../optimizers/index.js";
import { formatShape, type Tensor } from "../tensor.js";
import { runFit, type FitModel, type PreparedFit } from "../training/fit_call.js";
import { getLoss, serializeLoss, type Loss } from "../training/losses.js";
import { getMetrics, type MetricName } from "../training/metrics.js";
import type { WasmCore } from "../wasm/core.js";
import { trainableShapes } from "./layer_stack.js";
import type { ModelMemory } from "./memory.js";
import type { CompileArgs } from "./model_args.js";
import type { Runner } from "./runner.js";
import { checkTrainingState, readSlots, writeSlots, type TrainingState } from "./training_state.js";

/** What `compile` set. */
export interface Compiled {
  /** The optimizer, made from a name or given. */
  optimizer: Optimizer;
  /** The loss. */
  loss: Loss;
  /** The metrics fit and evaluate report. */
  metrics: MetricName[];
}

/** The model as fit's callbacks see it (its public methods). */
export type CallbackTarget = Pick<CallbackModel, "stopTraining" | "getWeights" | "setWeights"> & Required<Pick<CallbackModel, "save">>;

/** Compile settings, counters and the fit and checkpoint glue of one model. */
export class ModelTraining {
  /** Set by compile, or null. */
  compiled: Compiled | null = null;
  /** Training steps taken since compile (or restored from a checkpoint). */
  steps = 0;
  /** Epochs completed by the last fit (its last finished epoch + 1). */
  epochs = 0;
  /** True while fit runs. */
  running = false;

  /** `memory` is the model's: compile resets its optimizer state, fit restores it on failure. */
  constructor(private readonly memory: ModelMemory) {}

  /** `compile`'s work once the model is known idle: checks `options`, sets them, resets the counters and the optimizer state. */
  compile(options: CompileArgs, outputShape: readonly number[] | null): void {
    if (typeof options !== "object" || options === null) throw new Error(`compile: expected { optimizer, loss, metrics }, received ${String(options)}`);
    if (!outputShape) throw new Error("compile: the model has no layers; add some first");
    if (options.optimizer === undefined) throw new Error('compile: optimizer is required, e.g. "adam"');
    let optimizer: Optimizer;
    try {
      optimizer = getOptimizer(options.optimizer);
    } catch (e) {
      throw new Error(`compile: ${(e as Error).message}`);
    }
    const loss = getLoss(options.loss);
    const metrics = getMetrics(options.metrics);
    if (loss.crossEntropy && outputShape.length !== 1) {
      throw new Error(`compile: ${loss.name} needs a flat output [classes], but the last layer outputs ${formatShape(outputShape)}`);
    }
    this.compiled = { optimizer, loss, metrics };
    this.steps = 0;
    this.epochs = 0;
    // Layers frozen or unfrozen since the weights were placed take effect now, as in Keras.
    this.memory.relayout();
    this.memory.resetState(optimizer.stateSlots());
  }

  /** The compile settings, or an error telling `op`'s caller to compile. */
  require(op: string): Compiled {
    // compile needs layers and layers are never removed, so a compiled model has some.
    // Saying why helps the common case: a model from loadModel, saved without includeOptimizer.
    if (!this.compiled) {
      throw new Error(`${op}: call compile({ optimizer, loss }) first (loadModel returns a compiled model only if it was saved with { includeOptimizer: true })`);
    }
    return this.compiled;
  }

  /**
   * The optimizer's variables for the summary, once Keras would have built them (at the
   * first step): its slots, the iteration counter and the learning rate; else null.
   */
  optimizerParams(): number | null {
    if (this.compiled === null || this.steps === 0) return null;
    return this.compiled.optimizer.stateSlots() * this.memory.store.trainableCount + 2;
  }

  /**
   * Runs a prepared fit on `runner` and returns its History; when it fails midway the
   * weights, optimizer state, counters and learning rate are put back as they were.
   */
  async fit(model: CallbackTarget, core: WasmCore, runner: Runner, fit: PreparedFit, described: FitModel): Promise<History> {
    const c = this.compiled!;
    const snapshot = { memory: this.memory.snapshot(), steps: this.steps, epochs: this.epochs, lr: c.optimizer.learningRate };
    model.stopTraining = false;
    this.running = true;
    try {
      const trainee = {
        core, runner, optimizer: c.optimizer, store: this.memory.store, metrics: c.metrics,
        callbackModel: callbackModel(model, c.optimizer),
        nextStep: () => ++this.steps,
        epochDone: (epoch: number) => {
          this.epochs = epoch + 1;
        },
      };
      return await runFit(trainee, fit, described);
    } catch (e) {
      this.memory.restore(snapshot.memory);
      this.steps = snapshot.steps;
      this.epochs = snapshot.epochs;
      // A scheduled rate is not settable (as in Keras) and depends only on the step count.
      if (!c.optimizer.schedule) c.optimizer.learningRate = snapshot.lr;
      throw e;
    } finally {
      this.running = false;
    }
  }

  /** The optimizer's state and counters for a checkpoint, or null when not compiled. */
  state(core: WasmCore, layers: readonly Layer[]): TrainingState | null {
    if (!this.compiled) return null;
    const { optimizer, loss, metrics } = this.compiled;
    const { state, trainableCount: count, trainable } = this.memory.store;
    const slots = readSlots(state ? core.f32(state) : null, optimizer.stateSlots(), count, trainableShapes(layers, trainable));
    return { optimizer: { className: optimizer.className, config: optimizer.getConfig() }, loss: serializeLoss(loss), metrics: [...metrics], step: this.steps, epoch: this.epochs, slots };
  }

  /** Restores a checkpoint's slots and counters; everything is checked before anything is written. */
  setState(where: string, core: WasmCore, layers: readonly Layer[], state: TrainingState): void {
    const { optimizer } = this.require(where);
    const store = this.memory.store;
    checkTrainingState(where, state, optimizer.className, optimizer.stateSlots(), trainableShapes(layers, store.trainable));
    if (store.state) writeSlots(core.f32(store.state), state.slots, store.trainableCount);
    this.steps = state.step;
    this.epochs = state.epoch;
  }
}

/** The callbacks' view of `model` during a fit with `optimizer`. */
function callbackModel(model: CallbackTarget, optimizer: Optimizer): CallbackModel {
  return {
    get stopTraining() { return model.stopTraining; },
    set stopTraining(v: boolean) { model.stopTraining = v; },
    get learningRate() { return optimizer.learningRate; },
    set learningRate(v: number) { optimizer.learningRate = v; },
    getWeights: () => model.getWeights(),
    setWeights: (w: Tensor[]) => model.setWeights(w),
    save: (destination, options) => model.save(destination, options),
  };
}
