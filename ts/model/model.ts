/**
 * Model: a graph of layers with Keras's API (compile, fit, evaluate, predict, summary,
 * weights, save), made with the functional API (`new Model({ inputs, outputs })`) or,
 * as a chain, by {@link Sequential} (sequential.ts), which extends it. The class is a
 * façade: the graph and its order are in graph.ts, wasm memory (weights, plan, runner)
 * in memory.ts, inference in inference.ts, compile settings, counters and the glue of fit
 * and checkpoints in model_training.ts (the slots' format in training_state.ts), a fit
 * call in ../training/fit_call.ts, saving in ../io/, and the option types in
 * model_args.ts. What it keeps is the model's own state: its graph and whether it is
 * disposed.
 */
import type { History } from "../callbacks/history.js";
import { isBatchSource, type BatchSource } from "../data/batch_source.js";
import type { GraphDescription, LayerDescriptor } from "../io/topology.js";
import type { Layer } from "../layers/layer.js";
import type { Optimizer } from "../optimizers/index.js";
import { Random, randomSeed } from "../random.js";
import type { Tensor } from "../tensor.js";
import { checkedArrayFeeder, checkInputs } from "../training/data.js";
import { adoptClassNames, evaluateFeeder, predictSource, sourceFeeder } from "../training/evaluate.js";
import type { FitArgs } from "../training/fit.js";
import { prepareFit } from "../training/fit_call.js";
import type { WasmCore } from "../wasm/core.js";
import { batchOption, emptyBatch, inferInChunks, type BatchArgs } from "./inference.js";
import { describeGraph, describeLayers, graphFromTensors, type ModelGraph } from "./graph.js";
import { gradientsInWeightOrder, setAllWeights } from "./layer_stack.js";
import { ModelMemory } from "./memory.js";
import { applyGraph } from "./inline.js";
import { CHAIN, type ChainArgs, type CompileArgs, type EvaluateResult, type ModelArgs } from "./model_args.js";
import { ModelTraining } from "./model_training.js";
import type { Runner } from "./runner.js";
import { printSummary, type SummaryArgs } from "./model_summary.js";
import type { TrainingState } from "./training_state.js";
import { saveModel, type SaveOptions, type SavedModel } from "../io/handlers.js";
import { checkKnownKeys } from "../options.js";
import { checkClassNames } from "../io/class_names.js";
import type { SymbolicTensor } from "./symbolic.js";

export type { BatchArgs } from "./inference.js";
export type { LayerDescriptor } from "../io/topology.js";
export type { SymbolicTensor } from "./symbolic.js";
export type { SummaryArgs } from "./model_summary.js";

export { CHAIN, type ChainArgs, type CompileArgs, type EvaluateResult, type ModelArgs } from "./model_args.js";

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
  /** Compile settings, counters and the fit and checkpoint glue (model_training.ts). */
  private readonly run: ModelTraining;
  private names: readonly string[] | null = null;
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
    this.run = new ModelTraining(this.memory);
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
    return printSummary({ name: this.name, graph: this.graph(), sequential: this.isSequential(), optimizerParams: this.run.optimizerParams() }, options);
  }

  /** Sets the optimizer, the loss and the metrics; resets the optimizer's state. */
  compile(options: CompileArgs): void {
    this.checkIdle("compile");
    this.run.compile(options, this.outputShape);
  }

  /**
   * Epochs completed by the last `fit` (its last finished epoch + 1, counting
   * `initialEpoch`), restored when a checkpoint is loaded: pass it to `fit` as
   * `initialEpoch` to resume. 0 after compile.
   */
  get epochsTrained(): number {
    return this.run.epochs;
  }

  /** The optimizer set by compile, or null. */
  get optimizer(): Optimizer | null {
    return this.run.compiled?.optimizer ?? null;
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
    if (this.run.running) throw new Error("fit: the model is already training (fit is not re-entrant)");
    const c = this.run.require("fit");
    const fit = prepareFit(x, y, options, c.loss, this.inputShape!, this.outputShape!);
    // Planned for min(batchSize, samples), refused (naming the largest that fits) before anything changes.
    const core = this.ensurePlaced();
    const runner = this.memory.trainingRunner(fit.settings.batchSize, fit.train.length, c.loss, isBatchSource(x) ? "the BatchSource's batchSize" : "batchSize");
    const history = await this.run.fit(this, core, runner, fit, {
      layers: this.describeLayers(), inbound: this.inbound, trainable: this.layers.map((l) => l.trainable), inputShape: this.inputShape!, loss: c.loss,
    });
    if (this.names === null) this.names = adoptClassNames(x, this.outputShape!);
    return history;
  }

  /**
   * Mean loss (and accuracy if compiled with it) over `x`, `y`, or over one epoch of a
   * {@link BatchSource} (in its batch size unless told), without training.
   */
  evaluate(x: Tensor, y: Tensor, options?: BatchArgs): EvaluateResult;
  evaluate(source: BatchSource, options?: BatchArgs): EvaluateResult;
  evaluate(x: Tensor | BatchSource, y?: Tensor | BatchArgs, options: BatchArgs = {}): EvaluateResult {
    this.checkAlive("evaluate");
    const c = this.run.require("evaluate");
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
    const c = this.run.require("lossAndGradients");
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
    return this.run.compiled ? this.run.state(this.ensurePlaced(), this.layers) : null;
  }

  /**
   * @internal For loading checkpoints: restores the optimizer's slots and the step and
   * epoch counters saved by {@link getTrainingState}. The model must be compiled with
   * the same kind of optimizer; everything is checked before anything is written.
   */
  setTrainingState(state: TrainingState): void {
    const where = "setTrainingState";
    this.checkIdle(where);
    this.run.require(where);
    this.run.setState(where, this.ensurePlaced(), this.layers, state);
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
    if (this.run.running) {
      throw new Error(`${op}: the model is training (a fit call is running); call ${op} after fit resolves, or set model.stopTraining = true from a callback to end it`);
    }
  }

  /** @internal True for a Sequential (saved and summarized as a plain list of layers). */
  protected isSequential(): boolean {
    return false;
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
    return this.memory.place(this.run.compiled?.optimizer.stateSlots() ?? 0, keep);
  }

  /**
   * The core and a runner for batches of up to `batch` samples, weights placed, with
   * gradients (and every activation kept) when `training`. During fit the plan does not
   * grow (a callback's evaluate then runs in the fit's chunks).
   */
  private ready(batch: number, training = false): { core: WasmCore; runner: Runner } {
    const core = this.ensurePlaced();
    return { core, runner: this.memory.runnerFor(batch, this.run.compiled?.loss ?? null, !this.run.running, training) };
  }

  /**
   * The core and a runner for `op`'s inference over `n` samples in batches of `batchSize`:
   * a plan of a bounded chunk, not of every sample (see ModelMemory.inferenceRunner); with
   * every activation kept when `training`. During fit, the fit's plan.
   */
  private inferenceReady(op: string, batchSize: number, n: number, training = false): { core: WasmCore; runner: Runner } {
    const core = this.ensurePlaced();
    return { core, runner: this.memory.inferenceRunner(op, batchSize, n, this.run.compiled?.loss ?? null, !this.run.running, training) };
  }
}
