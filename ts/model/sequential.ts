/**
 * Sequential: a stack of layers with Keras's API (add, compile, fit, evaluate, predict,
 * summary, weights). The class is a façade: layer rules are in layer_stack.ts, wasm
 * memory (weights, plan, runner) in memory.ts, inference in inference.ts, the optimizer
 * slots of checkpoints in training_state.ts, a fit call in ../training/fit_call.ts and
 * saving in ../io/. What it keeps is the model's own state: layers, compile settings,
 * the step and epoch counters, and whether it is training or disposed.
 */
import type { CallbackModel } from "../callbacks/callback.js";
import type { History } from "../callbacks/history.js";
import type { BatchSource } from "../data/batch_source.js";
import type { LayerDescriptor } from "../io/topology.js";
import type { Layer } from "../layers/layer.js";
import { getOptimizer, type Optimizer } from "../optimizers/index.js";
import { Random, randomSeed } from "../random.js";
import { formatShape, type Tensor } from "../tensor.js";
import { checkedArrayFeeder, checkInputs } from "../training/data.js";
import { evaluateFeeder } from "../training/evaluate.js";
import type { FitArgs, Trainee } from "../training/fit.js";
import { prepareFit, runFit } from "../training/fit_call.js";
import { getLoss, serializeLoss, type Loss, type LossArg } from "../training/losses.js";
import { getMetrics, type MetricName } from "../training/metrics.js";
import type { WasmCore } from "../wasm/core.js";
import { summaryRows } from "./describe.js";
import { batchOption, emptyBatch, inferInChunks, type BatchArgs } from "./inference.js";
import { appendShape, setAllWeights, uniqueLayerName, weightShapes } from "./layer_stack.js";
import { ModelMemory, type MemorySnapshot } from "./memory.js";
import type { Runner } from "./runner.js";
import { formatSummary } from "./summary.js";
import { checkTrainingState, readSlots, writeSlots, type TrainingState } from "./training_state.js";
import { saveModel, type SaveOptions, type SavedModel } from "../io/handlers.js";

export type { BatchArgs } from "./inference.js";
export type { LayerDescriptor } from "../io/topology.js";

/** Options of the {@link Sequential} constructor. */
export interface SequentialArgs {
  /** Model name (default "sequential"). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
  /** Layers to add, in order. */
  layers?: Layer[];
}

/** Options of {@link Sequential.compile}. */
export interface CompileArgs {
  /** An optimizer object or name ("adam", "sgd", "rmsprop"). */
  optimizer: string | Optimizer;
  /** "categoricalCrossentropy", "sparseCategoricalCrossentropy", "meanSquaredError", or a loss from `losses` (with options). */
  loss: LossArg;
  /** ["accuracy"] (or "acc"). */
  metrics?: string | string[];
}

/** Result of {@link Sequential.evaluate}: mean loss, and accuracy when compiled with it. */
export interface EvaluateResult {
  /** Mean loss over the samples. */
  loss: number;
  /** Fraction of samples classified right; present when compiled with metrics ["accuracy"]. */
  accuracy?: number;
}

interface Compiled {
  optimizer: Optimizer;
  loss: Loss;
  metrics: MetricName[];
}

/** What a failed `fit` puts back. */
interface FitSnapshot {
  memory: MemorySnapshot;
  steps: number;
  epochs: number;
  lr: number;
}

/** A linear stack of layers (Keras's `Sequential`). */
export class Sequential {
  /** The layers, in order. */
  readonly layers: Layer[] = [];
  /** Model name (default "sequential"); saved in model.json. */
  readonly name: string;
  /** Set by a callback to end `fit` after the current batch. */
  stopTraining = false;
  private readonly seedStream: Random;
  /** Per layer, the seed of its weight initializers. */
  private readonly layerSeeds: number[] = [];
  private readonly memory = new ModelMemory(this.layers, this.layerSeeds);
  private compiled: Compiled | null = null;
  private steps = 0;
  private epochs = 0;
  private training = false;
  private disposed = false;

  /** An empty model, or one with `options.layers` added in order (checked as {@link add} does). */
  constructor(options: SequentialArgs = {}) {
    if (typeof options !== "object" || options === null) throw new Error(`Sequential: options must be an object, received ${String(options)}`);
    const { name, seed, layers } = options;
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) throw new Error(`Sequential: name must be a non-empty string, received ${String(name)}`);
    if (seed !== undefined && (typeof seed !== "number" || !Number.isSafeInteger(seed))) throw new Error(`Sequential: seed must be a whole number, received ${String(seed)}`);
    this.name = name ?? "sequential";
    this.seedStream = new Random(seed ?? randomSeed());
    for (const layer of layers ?? []) this.add(layer);
  }

  /** Per-sample input shape (from the first layer's inputShape), or null with no layers. */
  get inputShape(): readonly number[] | null {
    return this.layers[0]?.inputShape ?? null;
  }

  /** Per-sample output shape of the last layer, or null with no layers. */
  get outputShape(): readonly number[] | null {
    return this.layers[this.layers.length - 1]?.outputShape ?? null;
  }

  /**
   * Appends a layer and builds it on the previous layer's output shape (the first layer
   * needs `inputShape`). Nothing changes when it throws.
   */
  add(layer: Layer): void {
    this.checkAlive("add");
    const inputShape = appendShape(this.layers, layer);
    const given = layer.name;
    layer.name = given || uniqueLayerName(this.layers, layer.className);
    try {
      layer.build(inputShape);
    } catch (e) {
      layer.name = given;
      throw e;
    }
    // Adding after the weights exist keeps them: read them out, then re-place all.
    const keep = this.memory.placed ? this.layers.map((l) => l.getWeights()) : null;
    this.layers.push(layer);
    this.layerSeeds.push(this.seedStream.seed());
    layer.weights.materialize = () => this.placeWeights();
    if (keep) {
      this.memory.release();
      this.placeWeights(keep);
    } else {
      this.memory.dropPlan();
    }
  }

  /** Total number of weights (no wasm needed). */
  countParams(): number {
    return this.layers.reduce((n, l) => n + l.weights.count, 0);
  }

  /**
   * The Keras-format summary table: printed with `print` (default console.log) and
   * returned. `explain` adds, under each layer, the arithmetic of its shape and size.
   */
  summary(
    options: {
      /** Add each layer's shape and parameter arithmetic under it (default false). */
      explain?: boolean;
      /** Called with each line of the table (default console.log). */
      print?: (line: string) => void;
    } = {},
  ): string {
    this.checkAlive("summary");
    const explain = options.explain ?? false;
    const text = formatSummary(this.name, summaryRows(this.layers, explain), { explain });
    const print = options.print ?? ((line: string) => console.log(line));
    for (const line of text.split("\n")) print(line);
    return text;
  }

  /** Sets the optimizer, the loss and the metrics; resets the optimizer's state. */
  compile(options: CompileArgs): void {
    this.checkAlive("compile");
    if (typeof options !== "object" || options === null) throw new Error(`compile: expected { optimizer, loss, metrics }, received ${String(options)}`);
    const out = this.outputShape;
    if (!out) throw new Error("compile: the model has no layers; add some first");
    if (options.optimizer === undefined) throw new Error('compile: optimizer is required, e.g. "adam"');
    let optimizer: Optimizer;
    try {
      optimizer = getOptimizer(options.optimizer);
    } catch (e) {
      throw new Error(`compile: ${(e as Error).message}`);
    }
    const loss = getLoss(options.loss);
    const metrics = getMetrics(options.metrics);
    if (loss.crossEntropy && out.length !== 1) {
      throw new Error(`compile: ${loss.name} needs a flat output [classes], but the last layer outputs ${formatShape(out)}`);
    }
    this.compiled = { optimizer, loss, metrics };
    this.steps = 0;
    this.epochs = 0;
    this.memory.resetState(optimizer.stateSlots());
  }

  /**
   * Epochs completed by the last `fit` (its last finished epoch + 1, counting
   * `initialEpoch`), restored when a checkpoint is loaded: pass it to `fit` as
   * `initialEpoch` to resume. 0 after compile.
   */
  get epochsTrained(): number {
    return this.epochs;
  }

  /** The optimizer set by compile, or null. */
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /**
   * Trains on `x` and `y` (or on a {@link BatchSource}) and returns the History.
   * Everything is checked before training starts; if training fails midway (e.g. a
   * callback throws) the weights and optimizer state are restored as they were.
   */
  fit(x: Tensor, y: Tensor, options?: FitArgs): Promise<History>;
  fit(source: BatchSource, options?: FitArgs): Promise<History>;
  async fit(x: Tensor | BatchSource, y?: Tensor | FitArgs, options?: FitArgs): Promise<History> {
    this.checkAlive("fit");
    if (this.training) throw new Error("fit: the model is already training (fit is not re-entrant)");
    const c = this.requireCompiled("fit");
    const fit = prepareFit(x, y, options, c.loss, this.inputShape!, this.outputShape!);
    const { core, runner } = this.ready(fit.settings.batchSize);
    const snapshot = this.snapshot();
    this.stopTraining = false;
    this.training = true;
    try {
      return await runFit(this.trainee(core, runner, c), fit, { layers: this.describeLayers(), inputShape: this.inputShape!, loss: c.loss });
    } catch (e) {
      this.restore(snapshot);
      throw e;
    } finally {
      this.training = false;
    }
  }

  /** Mean loss (and accuracy if compiled with it) over `x`, `y`, without training. */
  evaluate(x: Tensor, y: Tensor, options: BatchArgs = {}): EvaluateResult {
    this.checkAlive("evaluate");
    const c = this.requireCompiled("evaluate");
    const batchSize = batchOption("evaluate", options);
    const feeder = checkedArrayFeeder("evaluate", "x", "y", x, y, c.loss, this.inputShape!, this.outputShape!);
    if (feeder.length === 0) throw new Error("evaluate: x holds no samples");
    const { core, runner } = this.ready(batchSize);
    const logs = evaluateFeeder(core, runner, feeder, batchSize, c.metrics);
    return logs.accuracy === undefined ? { loss: logs.loss! } : { loss: logs.loss!, accuracy: logs.accuracy };
  }

  /** The model's outputs for `x`, as a tensor [n, ...outputShape]. Needs no compile. */
  predict(x: Tensor, options: BatchArgs = {}): Tensor {
    const { n, batchSize } = this.inferenceArgs("predict", x, options);
    const out = emptyBatch(n, this.outputShape!);
    if (n > 0) {
      const { core, runner } = this.ready(batchSize);
      inferInChunks(core, runner, x, batchSize, [{ window: runner.plan.output, out }]);
    }
    return out;
  }

  /**
   * Every layer's output for `x`, from one forward pass in inference mode (as `predict`):
   * entry i is `layers[i]`'s output, [n, ...layers[i].outputShape], so the last entry
   * equals `predict(x)`. For looking inside a model, e.g. drawing feature maps. Needs no
   * compile.
   */
  activations(x: Tensor, options: BatchArgs = {}): Tensor[] {
    const { n, batchSize } = this.inferenceArgs("activations", x, options);
    const outs = this.layers.map((l) => emptyBatch(n, l.outputShape!));
    if (n > 0) {
      const { core, runner } = this.ready(batchSize);
      // Each layer writes its own window of the plan (flatten shares its input's window).
      inferInChunks(core, runner, x, batchSize, outs.map((out, i) => ({ window: runner.plan.layers[i]!.y, out })));
    }
    return outs;
  }

  /**
   * @internal For gradient tests: the training loss of one batch `x`, `y` (dropout on,
   * masks fixed by `seed` and `step`) and a copy of the weight gradients, in
   * `getWeights` order, without updating anything.
   */
  lossAndGradients(x: Tensor, y: Tensor, seed: number, step: number): { loss: number; grads: Float32Array } {
    this.checkAlive("lossAndGradients");
    const c = this.requireCompiled("lossAndGradients");
    const feeder = checkedArrayFeeder("lossAndGradients", "x", "y", x, y, c.loss, this.inputShape!, this.outputShape!);
    const n = feeder.length;
    const { core, runner } = this.ready(n);
    runner.seeds.fill(seed);
    feeder.fill(core, runner.plan, 0, n);
    runner.forward(n, true, step, true);
    const loss = runner.lossAndGradient(n);
    runner.backward(n, step);
    return { loss, grads: core.read(this.memory.store.grads!) };
  }

  /** Copies of all weights in Keras order (kernel, bias per layer). */
  getWeights(): Tensor[] {
    this.checkAlive("getWeights");
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Replaces all weights (Keras order); all are checked before any is written. */
  setWeights(weights: Tensor[]): void {
    this.checkAlive("setWeights");
    setAllWeights("setWeights", this.layers, weights);
  }

  /** Each layer as { className, name, config } (for saving). */
  describeLayers(): LayerDescriptor[] {
    return this.layers.map((l) => ({ className: l.className, name: l.name, config: { ...l.config } }));
  }

  /**
   * Saves the model in the TensorFlow.js layers format: to `"file://<directory>"` in
   * Node (model.json + weights.bin, written aside then renamed), or in memory when no
   * destination is given (the returned artifacts can be passed to `loadModel`).
   */
  save(destination?: string, options?: SaveOptions): Promise<SavedModel> {
    return saveModel(this, destination, options);
  }

  /**
   * @internal For saving checkpoints: the optimizer's state and counters, or null when
   * the model is not compiled.
   */
  getTrainingState(): TrainingState | null {
    this.checkAlive("getTrainingState");
    if (!this.compiled) return null;
    const core = this.ensurePlaced();
    const { optimizer, loss, metrics } = this.compiled;
    const { state, count } = this.memory.store;
    const slots = readSlots(state ? core.f32(state) : null, optimizer.stateSlots(), count, weightShapes(this.layers));
    return { optimizer: { className: optimizer.className, config: optimizer.getConfig() }, loss: serializeLoss(loss), metrics: [...metrics], step: this.steps, epoch: this.epochs, slots };
  }

  /**
   * @internal For loading checkpoints: restores the optimizer's slots and the step and
   * epoch counters saved by {@link getTrainingState}. The model must be compiled with
   * the same kind of optimizer; everything is checked before anything is written.
   */
  setTrainingState(state: TrainingState): void {
    const where = "setTrainingState";
    this.checkAlive(where);
    const { optimizer } = this.requireCompiled(where);
    checkTrainingState(where, state, optimizer.className, optimizer.stateSlots(), weightShapes(this.layers));
    const core = this.ensurePlaced();
    const store = this.memory.store;
    if (store.state) writeSlots(core.f32(store.state), state.slots, store.count);
    this.steps = state.step;
    this.epochs = state.epoch;
  }

  /** Frees the model's wasm memory; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.memory.release();
    for (const l of this.layers) l.weights.materialize = null;
    this.disposed = true;
  }

  // ---- internals ----

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`${op}: the model has been disposed`);
  }

  private requireCompiled(op: string): Compiled {
    // compile needs layers and layers are never removed, so a compiled model has some.
    // Saying why helps the common case: a model from loadModel, saved without includeOptimizer.
    if (!this.compiled) {
      throw new Error(`${op}: call compile({ optimizer, loss }) first (loadModel returns a compiled model only if it was saved with { includeOptimizer: true })`);
    }
    return this.compiled;
  }

  /** `predict`'s and `activations`' checks: returns the sample count and batch size. */
  private inferenceArgs(op: string, x: Tensor, options: BatchArgs): { n: number; batchSize: number } {
    this.checkAlive(op);
    if (this.layers.length === 0) throw new Error(`${op}: the model has no layers; add some first`);
    const batchSize = batchOption(op, options);
    return { n: checkInputs(op, "x", x, this.inputShape!), batchSize };
  }

  /** Places the weights in wasm memory if not yet done; returns the core. */
  private ensurePlaced(): WasmCore {
    return this.memory.placed ? this.memory.core : this.placeWeights();
  }

  /**
   * Places the weights (see ModelMemory.place). Every caller has checked that the model
   * is alive and has layers; a disposed model's layers have no `materialize` hook.
   */
  private placeWeights(keep: (Tensor[] | null)[] = []): WasmCore {
    return this.memory.place(this.compiled?.optimizer.stateSlots() ?? 0, keep);
  }

  /**
   * The core and a runner for batches of up to `batch` samples, weights placed. During
   * fit the plan does not grow (a callback's evaluate then runs in the fit's chunks).
   */
  private ready(batch: number): { core: WasmCore; runner: Runner } {
    const core = this.ensurePlaced();
    return { core, runner: this.memory.runnerFor(batch, this.compiled?.loss ?? null, !this.training) };
  }

  private trainee(core: WasmCore, runner: Runner, c: Compiled): Trainee {
    return {
      core, runner, optimizer: c.optimizer, store: this.memory.store, metrics: c.metrics,
      callbackModel: this.callbackModel(c.optimizer),
      nextStep: () => ++this.steps,
      epochDone: (epoch: number) => {
        this.epochs = epoch + 1;
      },
    };
  }

  private callbackModel(optimizer: Optimizer): CallbackModel {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const model = this;
    return {
      get stopTraining() { return model.stopTraining; },
      set stopTraining(v: boolean) { model.stopTraining = v; },
      get learningRate() { return optimizer.learningRate; },
      set learningRate(v: number) { optimizer.learningRate = v; },
      getWeights: () => model.getWeights(),
      setWeights: (w: Tensor[]) => model.setWeights(w),
      save: (destination: string, options?: SaveOptions) => model.save(destination, options),
    };
  }

  private snapshot(): FitSnapshot {
    return { memory: this.memory.snapshot(), steps: this.steps, epochs: this.epochs, lr: this.compiled!.optimizer.learningRate };
  }

  private restore(s: FitSnapshot): void {
    this.memory.restore(s.memory);
    this.steps = s.steps;
    this.epochs = s.epochs;
    // A scheduled rate is not settable (as in Keras) and depends only on the step count.
    if (!this.compiled!.optimizer.schedule) this.compiled!.optimizer.learningRate = s.lr;
  }
}
