/**
 * Model: a graph of layers with Keras's API (compile, fit, evaluate, predict, summary,
 * weights, save), made with the functional API (`new Model({ inputs, outputs })`) or,
 * as a chain, by {@link Sequential} (sequential.ts), which extends it. The class is a
 * façade: the graph and its order are in graph.ts, wasm memory (weights, plan, runner)
 * in memory.ts, inference in inference.ts, the optimizer slots of checkpoints in
 * training_state.ts, a fit call in ../training/fit_call.ts and saving in ../io/. What it
 * keeps is the model's own state: its graph, compile settings, the step and epoch
 * counters, and whether it is training or disposed.
 */
import type { CallbackModel } from "../callbacks/callback.js";
import type { History } from "../callbacks/history.js";
import { isBatchSource, type BatchSource } from "../data/batch_source.js";
import type { GraphDescription, LayerDescriptor } from "../io/topology.js";
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
import { batchOption, emptyBatch, inferInChunks, type BatchArgs } from "./inference.js";
import { describeGraph, describeLayers, graphFromTensors, type ModelGraph } from "./graph.js";
import { gradientsInWeightOrder, setAllWeights, trainableShapes } from "./layer_stack.js";
import { ModelMemory, type MemorySnapshot } from "./memory.js";
import { applyGraph } from "./inline.js";
import type { Runner } from "./runner.js";
import { printSummary, type SummaryArgs } from "./model_summary.js";
import { checkTrainingState, readSlots, writeSlots, type TrainingState } from "./training_state.js";
import { saveModel, type SaveOptions, type SavedModel } from "../io/handlers.js";
import { checkKnownKeys } from "../options.js";
import { checkClassNames } from "../io/class_names.js";
import { adoptClassNames, predictSource, sourceFeeder } from "../training/evaluate.js";
import type { SymbolicTensor } from "./symbolic.js";

export type { BatchArgs } from "./inference.js";
export type { LayerDescriptor } from "../io/topology.js";
export type { SymbolicTensor } from "./symbolic.js";
export type { SummaryArgs } from "./model_summary.js";

/** Options of the {@link Model} constructor. */
export interface ModelArgs {
  /** The model's input, from `input({ shape })` (one; several are not supported yet). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's output, from a layer's `apply` (one; several are not supported yet). */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** Model name (default "functional", as Keras 3). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
}

/** @internal How {@link Sequential} makes its (empty) chain: not part of the public API. */
export const CHAIN = Symbol("chain");

/** @internal The constructor argument of a chain model (Sequential). */
export interface ChainArgs {
  readonly [CHAIN]: true;
  readonly name: string;
  readonly seed: number | undefined;
}

/** Options of {@link Model.compile}. */
export interface CompileArgs {
  /** An optimizer object or name ("adam", "sgd", "rmsprop"). */
  optimizer: string | Optimizer;
  /** "categoricalCrossentropy", "sparseCategoricalCrossentropy", "meanSquaredError", or a loss from `losses` (with options). */
  loss: LossArg;
  /** ["accuracy"] (or "acc"). */
  metrics?: string | string[];
}

/** Result of {@link Model.evaluate}: mean loss, and accuracy when compiled with it. */
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

/**
 * A graph of layers with one input and one output (Keras's functional `Model`):
 *
 * ```ts
 * const x0 = input({ shape: [28, 28, 1] });
 * const h = layers.conv2d({ filters: 8, kernelSize: 3, activation: "relu" }).apply(x0);
 * const y = layers.dense({ units: 10, activation: "softmax" }).apply(layers.flatten().apply(h));
 * const model = new Model({ inputs: x0, outputs: y });
 * ```
 */
export class Model {
  /** The layers in Keras's `model.layers` order (the run order; the InputLayer is not listed). */
  readonly layers: Layer[];
  /** Model name; saved in model.json. */
  readonly name: string;
  /** Set by a callback to end `fit` after the current batch. */
  stopTraining = false;
  /** @internal Per layer, the values it reads (see graph.ts); a chain for a Sequential. */
  protected readonly inbound: number[][];
  /** @internal The input's name and (for a functional model) shape. */
  protected readonly input: { name: string; shape: readonly number[] | null };
  /** @internal Draws each layer's initializer seed. */
  protected readonly seedStream: Random;
  /** @internal Per layer, the seed of its weight initializers. */
  protected readonly layerSeeds: number[] = [];
  /** @internal The model's wasm memory. */
  protected readonly memory: ModelMemory;
  private compiled: Compiled | null = null;
  private names: readonly string[] | null = null;
  private steps = 0;
  private epochs = 0;
  /** @internal True while fit runs. */
  protected training = false;
  /** @internal True once disposed. */
  protected disposed = false;

  /**
   * A model from `inputs` to `outputs` (see {@link ModelArgs}); the graph is walked and
   * checked once, here. Throws naming the layer and the shapes when it cannot be built.
   */
  constructor(options: ModelArgs) {
    const chain = typeof options === "object" && options !== null && (options as unknown as ChainArgs)[CHAIN] === true;
    const where = "Model";
    if (!chain) {
      if (typeof options !== "object" || options === null) throw new Error(`${where}: expected { inputs, outputs, name?, seed? }, received ${String(options)}`);
      checkKnownKeys(where, options, ["inputs", "outputs", "name", "seed"]);
    }
    const { name, seed } = options as { name?: unknown; seed?: unknown };
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) throw new Error(`${where}: name must be a non-empty string, received ${String(name)}`);
    if (seed !== undefined && (typeof seed !== "number" || !Number.isSafeInteger(seed))) throw new Error(`${where}: seed must be a whole number, received ${String(seed)}`);
    this.seedStream = new Random((seed as number | undefined) ?? randomSeed());
    this.memory = new ModelMemory(() => this.graph(), this.layerSeeds);
    if (chain) {
      this.name = (name as string | undefined) ?? "sequential";
      this.layers = [];
      this.inbound = [];
      this.input = { name: "input_layer", shape: null };
      return;
    }
    const g = graphFromTensors(where, options.inputs, options.outputs);
    this.name = (name as string | undefined) ?? "functional";
    this.layers = [...g.layers];
    this.inbound = g.inbound.map((ins) => [...ins]);
    this.input = { name: g.inputName, shape: g.inputShape };
    for (const layer of this.layers) {
      this.layerSeeds.push(this.seedStream.seed());
      layer.weights.materialize = () => this.placeWeights();
    }
  }

  /** Per-sample input shape, or null for a Sequential with no layers. */
  get inputShape(): readonly number[] | null {
    return this.input.shape ?? this.layers[0]?.inputShape ?? null;
  }

  /** Per-sample output shape of the last layer, or null with no layers. */
  get outputShape(): readonly number[] | null {
    return this.layers[this.layers.length - 1]?.outputShape ?? null;
  }

  /** @internal The graph as data (graph.ts); valid once the model has layers. */
  graph(): ModelGraph {
    return { inputName: this.input.name, inputShape: this.inputShape!, layers: this.layers, inbound: this.inbound };
  }

  /**
   * True unless every layer is frozen. Setting it sets every layer's `trainable` (Keras's
   * `model.trainable = false` for fine-tuning). As in Keras, a change takes effect for
   * the optimizer at the next `compile`; a frozen BatchNormalization runs in inference
   * mode from the next pass.
   */
  get trainable(): boolean {
    return this.layers.some((l) => l.trainable);
  }

  set trainable(value: boolean) {
    if (typeof value !== "boolean") throw new Error(`trainable: expected true or false, received ${String(value)}`);
    for (const l of this.layers) l.trainable = value;
  }

  /**
   * The name of each class the model outputs (class i is `classNames[i]`), or null.
   * Saved and loaded with the model (.keras, .h5 and model.json); set by `fit` on a
   * source that names its classes (`datasets.imageFolder`) when null. Setting checks one
   * name per output unit (two for a single sigmoid unit), non-empty and distinct.
   */
  get classNames(): readonly string[] | null {
    return this.names;
  }

  set classNames(value: readonly string[] | null) {
    if (value !== null && !this.outputShape) throw new Error("classNames: the model has no layers; add some first");
    this.names = checkClassNames("classNames", value, this.outputShape);
  }

  /** The layer called `name` (Keras's `get_layer`, TensorFlow.js's `getLayer`); throws naming the layers there are. */
  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`getLayer: no layer named ${JSON.stringify(name)}; the model has ${this.layers.map((l) => l.name).join(", ") || "no layers"}`);
    return layer;
  }

  /** Total number of weights (no wasm needed). */
  countParams(): number {
    return this.layers.reduce((n, l) => n + l.weights.count, 0);
  }

  /**
   * Transfer learning: copies of this model's layers, with their current weights and
   * `trainable` flags, connected after `x` (a symbolic tensor of another graph), as Keras's
   * `base_model(x)`. Returns the copy of this model's output, to build a new head on:
   *
   * ```ts
   * base.trainable = false;
   * const x0 = input({ shape: [96, 96, 3] });
   * const features = base.apply(layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(x0));
   * const y = layers.dense({ units: 5, activation: "softmax" }).apply(layers.globalAveragePooling2d().apply(features));
   * const model = new Model({ inputs: x0, outputs: y });
   * ```
   *
   * Unlike Keras, the new model does not nest this one: the copies are its own layers,
   * under the same names (freeze or unfreeze them there), and this model is unchanged.
   * See docs/transfer_learning.md.
   */
  apply(x: SymbolicTensor): SymbolicTensor {
    this.checkAlive("apply");
    return applyGraph("apply", this.graph(), (l) => l.getWeights(), x);
  }

  /**
   * The Keras-format summary table: printed with `print` (default console.log) and
   * returned. `explain` adds, under each layer, the arithmetic of its shape and size.
   */
  summary(options: SummaryArgs = {}): string {
    this.checkAlive("summary");
    // Keras builds the optimizer's variables at the first step: its slots, the iteration
    // counter and the learning rate.
    const built = this.compiled !== null && this.steps > 0;
    return printSummary({
      name: this.name, graph: this.graph(), sequential: this.isSequential(),
      optimizerParams: built ? this.compiled!.optimizer.stateSlots() * this.memory.store.trainableCount + 2 : null,
    }, options);
  }

  /** Sets the optimizer, the loss and the metrics; resets the optimizer's state. */
  compile(options: CompileArgs): void {
    this.checkIdle("compile");
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
    // Layers frozen or unfrozen since the weights were placed take effect now, as in Keras.
    this.memory.relayout();
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
    // Planned for min(batchSize, samples), refused (naming the largest that fits) before anything changes.
    const core = this.ensurePlaced();
    const runner = this.memory.trainingRunner(fit.settings.batchSize, fit.train.length, c.loss, isBatchSource(x) ? "the BatchSource's batchSize" : "batchSize");
    const snapshot = this.snapshot();
    this.stopTraining = false;
    this.training = true;
    try {
      const history = await runFit(this.trainee(core, runner, c), fit, {
        layers: this.describeLayers(), inbound: this.inbound, trainable: this.layers.map((l) => l.trainable), inputShape: this.inputShape!, loss: c.loss,
      });
      if (this.names === null) this.names = adoptClassNames(x, this.outputShape!);
      return history;
    } catch (e) {
      this.restore(snapshot);
      throw e;
    } finally {
      this.training = false;
    }
  }

  /**
   * Mean loss (and accuracy if compiled with it) over `x`, `y`, or over one epoch of a
   * {@link BatchSource} (in its batch size unless told), without training.
   */
  evaluate(x: Tensor, y: Tensor, options?: BatchArgs): EvaluateResult;
  evaluate(source: BatchSource, options?: BatchArgs): EvaluateResult;
  evaluate(x: Tensor | BatchSource, y?: Tensor | BatchArgs, options: BatchArgs = {}): EvaluateResult {
    this.checkAlive("evaluate");
    const c = this.requireCompiled("evaluate");
    const { feeder, batchSize } = isBatchSource(x)
      ? sourceFeeder("evaluate", x, y, options, c.loss, this.inputShape!, this.outputShape!)
      : { batchSize: batchOption("evaluate", options), feeder: checkedArrayFeeder("evaluate", "x", "y", x, y, c.loss, this.inputShape!, this.outputShape!) };
    if (feeder.length === 0) throw new Error("evaluate: x holds no samples");
    const { core, runner } = this.inferenceReady("evaluate", batchSize, feeder.length);
    const logs = evaluateFeeder(core, runner, feeder, batchSize, c.metrics);
    return logs.accuracy === undefined ? { loss: logs.loss! } : { loss: logs.loss!, accuracy: logs.accuracy };
  }

  /**
   * The model's outputs for `x`, as a tensor [n, ...outputShape]; or for one epoch of a
   * labelled {@link BatchSource}, in the order its epoch 0 gives (shuffled if it
   * shuffles, as in Keras). Needs no compile.
   */
  predict(x: Tensor | BatchSource, options: BatchArgs = {}): Tensor {
    if (isBatchSource(x)) return predictSource(x, options, this.inputShape, (chunk) => this.predict(chunk, { batchSize: chunk.shape[0]! }));
    const { n, batchSize } = this.inferenceArgs("predict", x, options);
    const out = emptyBatch(n, this.outputShape!);
    if (n > 0) {
      const { core, runner } = this.inferenceReady("predict", batchSize, n);
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
      const { core, runner } = this.inferenceReady("activations", batchSize, n, true);
      // Each layer writes its own window of the plan (flatten shares its input's window),
      // copied right after the layer runs: the plan may reuse it once no layer reads it.
      inferInChunks(core, runner, x, batchSize, outs.map((out, i) => ({ window: runner.plan.layers[i]!.y, out, layer: i })));
    }
    return outs;
  }

  /**
   * @internal For gradient tests: the training loss of one batch `x`, `y` (dropout on,
   * masks fixed by `seed` and `step`) and a copy of the weight gradients, in
   * `getWeights` order, without updating anything.
   */
  lossAndGradients(x: Tensor, y: Tensor, seed: number, step: number): { loss: number; grads: Float32Array } {
    this.checkIdle("lossAndGradients");
    const c = this.requireCompiled("lossAndGradients");
    const feeder = checkedArrayFeeder("lossAndGradients", "x", "y", x, y, c.loss, this.inputShape!, this.outputShape!);
    const n = feeder.length;
    const { core, runner } = this.ready(n, true);
    runner.seeds.fill(seed);
    feeder.fill(core, runner.plan, 0, n);
    runner.forward(n, true, step, true);
    const loss = runner.lossAndGradient(n);
    runner.backward(n, step);
    return { loss, grads: gradientsInWeightOrder(core, this.layers) };
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

  /**
   * Each layer as { className, name, config, trainable } (for saving and workers). A
   * functional model's layers carry no inputShape (the input has it, see
   * {@link describeGraph}).
   */
  describeLayers(): LayerDescriptor[] {
    return describeLayers(this.layers, !this.isSequential());
  }

  /**
   * How the layers connect, for saving a functional model (Keras's `inbound_nodes`,
   * `input_layers`, `output_layers`); null for a Sequential, saved as a plain list.
   */
  describeGraph(): GraphDescription | null {
    return this.isSequential() ? null : describeGraph(this.graph());
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
    const { state, trainableCount: count } = this.memory.store;
    const slots = readSlots(state ? core.f32(state) : null, optimizer.stateSlots(), count, trainableShapes(this.layers, this.memory.store.trainable));
    return { optimizer: { className: optimizer.className, config: optimizer.getConfig() }, loss: serializeLoss(loss), metrics: [...metrics], step: this.steps, epoch: this.epochs, slots };
  }

  /**
   * @internal For loading checkpoints: restores the optimizer's slots and the step and
   * epoch counters saved by {@link getTrainingState}. The model must be compiled with
   * the same kind of optimizer; everything is checked before anything is written.
   */
  setTrainingState(state: TrainingState): void {
    const where = "setTrainingState";
    this.checkIdle(where);
    const { optimizer } = this.requireCompiled(where);
    const core = this.ensurePlaced();
    checkTrainingState(where, state, optimizer.className, optimizer.stateSlots(), trainableShapes(this.layers, this.memory.store.trainable));
    const store = this.memory.store;
    if (store.state) writeSlots(core.f32(store.state), state.slots, store.trainableCount);
    this.steps = state.step;
    this.epochs = state.epoch;
  }

  /**
   * Frees the model's wasm memory; the model cannot be used afterwards. Refused while
   * `fit` runs (set `stopTraining` from a callback and dispose once fit resolves).
   */
  dispose(): void {
    if (this.disposed) return;
    this.checkIdle("dispose");
    this.memory.release();
    for (const l of this.layers) l.weights.materialize = null;
    this.disposed = true;
  }

  // ---- internals ----

  /** @internal Throws when the model has been disposed. */
  protected checkAlive(op: string): void {
    if (this.disposed) throw new Error(`${op}: the model has been disposed`);
  }

  /** @internal For calls that change the model's state: refused while fit runs. */
  protected checkIdle(op: string): void {
    this.checkAlive(op);
    if (this.training) {
      throw new Error(`${op}: the model is training (a fit call is running); call ${op} after fit resolves, or set model.stopTraining = true from a callback to end it`);
    }
  }

  /** @internal True for a Sequential (saved and summarized as a plain list of layers). */
  protected isSequential(): boolean {
    return false;
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
  protected ensurePlaced(): WasmCore {
    return this.memory.placed ? this.memory.core : this.placeWeights();
  }

  /**
   * Places the weights (see ModelMemory.place). Every caller has checked that the model
   * is alive and has layers; a disposed model's layers have no `materialize` hook.
   */
  protected placeWeights(keep: (Tensor[] | null)[] = []): WasmCore {
    return this.memory.place(this.compiled?.optimizer.stateSlots() ?? 0, keep);
  }

  /**
   * The core and a runner for batches of up to `batch` samples, weights placed, with
   * gradients (and every activation kept) when `training`. During fit the plan does not
   * grow (a callback's evaluate then runs in the fit's chunks).
   */
  private ready(batch: number, training = false): { core: WasmCore; runner: Runner } {
    const core = this.ensurePlaced();
    return { core, runner: this.memory.runnerFor(batch, this.compiled?.loss ?? null, !this.training, training) };
  }

  /**
   * The core and a runner for `op`'s inference over `n` samples in batches of `batchSize`:
   * a plan of a bounded chunk, not of every sample (see ModelMemory.inferenceRunner); with
   * every activation kept when `training`. During fit, the fit's plan.
   */
  private inferenceReady(op: string, batchSize: number, n: number, training = false): { core: WasmCore; runner: Runner } {
    const core = this.ensurePlaced();
    return { core, runner: this.memory.inferenceRunner(op, batchSize, n, this.compiled?.loss ?? null, !this.training, training) };
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
