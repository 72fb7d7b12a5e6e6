/**
 * Sequential: a stack of layers with Keras's API (add, compile, fit, evaluate, predict,
 * summary, weights). The model owns all its wasm memory: one parameter buffer, one
 * gradient buffer and one optimizer-state buffer (see weights.ts), and one arena of
 * per-batch buffers planned for the largest batch size used so far (see plan.ts).
 */
import { CallbackList } from "../callbacks/callback_list.js";
import type { CallbackModel } from "../callbacks/callback.js";
import { History } from "../callbacks/history.js";
import { isBatchSource, type BatchSource } from "../data/batch_source.js";
import { LAYER_NAME_STEMS } from "../layers/index.js";
import type { Layer } from "../layers/layer.js";
import { getOptimizer, type Optimizer } from "../optimizers/index.js";
import { Random, randomSeed } from "../random.js";
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import { ArrayFeeder, checkInputs, checkLabels, fitFeeders, range } from "../training/data.js";
import { evaluateFeeder } from "../training/evaluate.js";
import { fitSettings, trainLoop, type FitArgs, type Trainee } from "../training/fit.js";
import { getLoss, type Loss } from "../training/losses.js";
import { getMetrics, type MetricName } from "../training/metrics.js";
import type { WasmCore } from "../wasm/core.js";
import { getCore } from "../wasm/loader.js";
import { summaryRows } from "./describe.js";
import { planBuffers, releasePlan, type Plan } from "./plan.js";
import { Runner } from "./runner.js";
import { formatSummary } from "./summary.js";
import { WeightStore } from "./weights.js";
import { saveModel, type SaveOptions, type SavedModel } from "../io/handlers.js";
import type { TrainingState } from "./training_state.js";
import { startDataParallel, type DataParallel } from "../parallel/data_parallel.js";

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
  /** "categoricalCrossentropy", "sparseCategoricalCrossentropy" or "meanSquaredError". */
  loss: string;
  /** ["accuracy"] (or "acc"). */
  metrics?: string | string[];
}

/** Options of {@link Sequential.evaluate} and {@link Sequential.predict}. */
export interface BatchArgs {
  /** Samples per chunk (default 32). */
  batchSize?: number;
}

/** Result of {@link Sequential.evaluate}: mean loss, and accuracy when compiled with it. */
export interface EvaluateResult {
  loss: number;
  accuracy?: number;
}

/** The neutral description of a layer that save/load uses. */
export interface LayerDescriptor {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

interface Compiled {
  optimizer: Optimizer;
  loss: Loss;
  metrics: MetricName[];
}

/** A linear stack of layers (Keras's `Sequential`). */
export class Sequential {
  /** The layers, in order. */
  readonly layers: Layer[] = [];
  readonly name: string;
  /** Set by a callback to end `fit` after the current batch. */
  stopTraining = false;
  private readonly seedStream: Random;
  private readonly layerSeeds: number[] = [];
  private readonly store = new WeightStore();
  private core: WasmCore | null = null;
  private plan: Plan | null = null;
  private runner: Runner | null = null;
  private compiled: Compiled | null = null;
  private steps = 0;
  private epochs = 0;
  private training = false;
  private disposed = false;

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
    if (typeof layer !== "object" || layer === null || typeof (layer as Layer).build !== "function") {
      throw new Error(`add: expected a layer (e.g. layers.dense({ units: 10 })), received ${layer === null ? "null" : typeof layer}`);
    }
    if (layer.weights.materialize || this.layers.includes(layer)) throw new Error(`add: layer "${layer.name}" already belongs to a model; make a new layer`);
    const first = this.layers.length === 0;
    if (first && !layer.declaredInputShape) {
      throw new Error(`add: the first layer (${layer.className}) needs an inputShape, e.g. { inputShape: [28, 28, 1] }`);
    }
    const prev = first ? layer.declaredInputShape! : this.outputShape!;
    if (!first && layer.declaredInputShape && formatShape(layer.declaredInputShape) !== formatShape(prev)) {
      throw new Error(`add: layer ${layer.className} declares inputShape ${formatShape(layer.declaredInputShape)} but the previous layer outputs ${formatShape(prev)}`);
    }
    const given = layer.name;
    if (given && this.layers.some((l) => l.name === given)) throw new Error(`add: the model already has a layer named "${given}"; layer names must be unique`);
    layer.name = given || this.uniqueName(layer.className);
    try {
      layer.build(prev);
    } catch (e) {
      layer.name = given;
      throw e;
    }
    // Adding after the weights exist keeps them: read them out, then re-place all.
    const keep = this.store.placed ? this.layers.map((l) => l.getWeights()) : null;
    this.layers.push(layer);
    this.layerSeeds.push(this.seedStream.seed());
    layer.weights.materialize = () => this.placeWeights();
    if (keep) {
      this.releaseMemory();
      this.placeWeights(keep);
    } else {
      this.dropPlan();
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
  summary(options: { explain?: boolean; print?: (line: string) => void } = {}): string {
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
    this.runner = null;
    this.steps = 0;
    this.epochs = 0;
    if (this.store.placed) this.store.resetState(this.core!, optimizer.stateSlots());
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
    const source = isBatchSource(x) ? x : null;
    const args = source ? (y as FitArgs | undefined) : options;
    if (source && args?.shuffle !== undefined) {
      throw new Error("fit: shuffle does not apply to a BatchSource, which decides its own order (pass shuffle to flow() or arraySource())");
    }
    const s = fitSettings(args, source ? source.batchSize : 32);
    const { train, validation } = fitFeeders(source ?? (x as Tensor), source ? null : (y as Tensor), s, c.loss, this.inputShape!, this.outputShape!);
    const list = new CallbackList(s.callbacks);
    const history = new History();
    list.append(history);

    const core = this.ensurePlaced();
    const runner = this.runnerFor(s.batchSize);
    const random = new Random(s.seed ?? randomSeed());
    for (let i = 0; i < runner.seeds.length; i++) runner.seeds[i] = random.seed();
    const snapshot = this.snapshot();
    this.stopTraining = false;
    this.training = true;
    let parallel: DataParallel | null = null;
    try {
      // workers > 1: data-parallel over worker threads (ts/parallel/data_parallel.ts).
      if (s.workers > 1) {
        parallel = await startDataParallel({
          workers: s.workers, layers: this.describeLayers(), inputShape: this.inputShape!, loss: c.loss, batch: s.batchSize, core, runner, store: this.store,
        });
      }
      await trainLoop({ ...this.trainee(core, runner, c), parallel }, train, validation, s, random, list, (line) => console.log(line));
    } catch (e) {
      this.restore(snapshot);
      throw e;
    } finally {
      await parallel?.close();
      this.training = false;
    }
    return history;
  }

  /** Mean loss (and accuracy if compiled with it) over `x`, `y`, without training. */
  evaluate(x: Tensor, y: Tensor, options: BatchArgs = {}): EvaluateResult {
    this.checkAlive("evaluate");
    const c = this.requireCompiled("evaluate");
    const batchSize = batchOption("evaluate", options);
    const n = checkInputs("evaluate", "x", x, this.inputShape!);
    checkLabels("evaluate", "y", y, n, c.loss, this.outputShape!);
    if (n === 0) throw new Error("evaluate: x holds no samples");
    const core = this.ensurePlaced();
    const runner = this.runnerFor(batchSize);
    const feeder = new ArrayFeeder(x, y, range(0, n), c.loss, sizeOf(this.outputShape!));
    const logs = evaluateFeeder(core, runner, feeder, batchSize, c.metrics);
    return logs.accuracy === undefined ? { loss: logs.loss! } : { loss: logs.loss!, accuracy: logs.accuracy };
  }

  /** The model's outputs for `x`, as a tensor [n, ...outputShape]. Needs no compile. */
  predict(x: Tensor, options: BatchArgs = {}): Tensor {
    this.checkAlive("predict");
    if (this.layers.length === 0) throw new Error("predict: the model has no layers; add some first");
    const batchSize = batchOption("predict", options);
    const n = checkInputs("predict", "x", x, this.inputShape!);
    const outShape = this.outputShape!;
    const width = sizeOf(outShape);
    const out = new Float32Array(n * width);
    if (n === 0) return { data: out, shape: [0, ...outShape] };
    const core = this.ensurePlaced();
    const runner = this.runnerFor(batchSize);
    const chunk = Math.min(batchSize, runner.plan.batch);
    const feeder = new ArrayFeeder(x, null, range(0, n), null, width);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      feeder.fill(core, runner.plan, start, count);
      runner.forward(count, false, 0, false);
      out.set(core.f32(runner.plan.output).subarray(0, count * width), start * width);
    }
    return { data: out, shape: [n, ...outShape] };
  }

  /**
   * Every layer's output for `x`, from one forward pass in inference mode (as `predict`):
   * entry i is `layers[i]`'s output, [n, ...layers[i].outputShape], so the last entry
   * equals `predict(x)`. For looking inside a model, e.g. drawing feature maps. Needs no
   * compile.
   */
  activations(x: Tensor, options: BatchArgs = {}): Tensor[] {
    this.checkAlive("activations");
    if (this.layers.length === 0) throw new Error("activations: the model has no layers; add some first");
    const batchSize = batchOption("activations", options);
    const n = checkInputs("activations", "x", x, this.inputShape!);
    const widths = this.layers.map((l) => sizeOf(l.outputShape!));
    const outs = this.layers.map((l, i) => ({ data: new Float32Array(n * widths[i]!), shape: [n, ...l.outputShape!] }));
    if (n === 0) return outs;
    const core = this.ensurePlaced();
    const runner = this.runnerFor(batchSize);
    const chunk = Math.min(batchSize, runner.plan.batch);
    const feeder = new ArrayFeeder(x, null, range(0, n), null, sizeOf(this.outputShape!));
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      feeder.fill(core, runner.plan, start, count);
      runner.forward(count, false, 0, false);
      // Each layer writes its own window of the plan (flatten shares its input's window).
      outs.forEach((out, i) => out.data.set(core.f32(runner.plan.layers[i]!.y).subarray(0, count * widths[i]!), start * widths[i]!));
    }
    return outs;
  }

  /**
   * @internal For gradient tests: the training loss of one batch `x`, `y` (dropout on,
   * masks fixed by `seed` and `step`) and a copy of the weight gradients, in
   * `getWeights` order, without updating anything.
   */
  lossAndGradients(x: Tensor, y: Tensor, seed: number, step: number): { loss: number; grads: Float32Array } {
    const c = this.requireCompiled("lossAndGradients");
    const n = checkInputs("lossAndGradients", "x", x, this.inputShape!);
    checkLabels("lossAndGradients", "y", y, n, c.loss, this.outputShape!);
    const core = this.ensurePlaced();
    const runner = this.runnerFor(n);
    runner.seeds.fill(seed);
    new ArrayFeeder(x, y, range(0, n), c.loss, sizeOf(this.outputShape!)).fill(core, runner.plan, 0, n);
    runner.forward(n, true, step, true);
    const loss = runner.lossAndGradient(n);
    runner.backward(n, step);
    return { loss, grads: core.read(this.store.grads!) };
  }

  /** Copies of all weights in Keras order (kernel, bias per layer). */
  getWeights(): Tensor[] {
    this.checkAlive("getWeights");
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Replaces all weights (Keras order); all are checked before any is written. */
  setWeights(weights: Tensor[]): void {
    this.checkAlive("setWeights");
    const where = "setWeights";
    if (!Array.isArray(weights)) throw new Error(`${where}: expected an array of tensors, received ${typeof weights}`);
    const expected = this.layers.reduce((n, l) => n + l.weights.specs.length, 0);
    if (weights.length !== expected) throw new Error(`${where}: expected ${expected} tensors (kernel and bias per layer, in order), received ${weights.length}`);
    let at = 0;
    for (const l of this.layers) {
      l.weights.check(where, weights, at);
      at += l.weights.specs.length;
    }
    at = 0;
    for (const l of this.layers) {
      l.weights.write(weights, at);
      at += l.weights.specs.length;
    }
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
    if (!this.compiled || this.layers.length === 0) return null;
    const core = this.ensurePlaced();
    const { optimizer, loss, metrics } = this.compiled;
    const state = this.store.state ? core.f32(this.store.state) : null;
    const weights = this.layers.flatMap((l) => l.weights.specs.map((spec) => spec.shape));
    const slots: Tensor[][] = [];
    for (let s = 0; s < optimizer.stateSlots(); s++) {
      let at = s * this.store.count;
      slots.push(weights.map((shape) => {
        const n = sizeOf(shape);
        const data = state!.slice(at, at + n);
        at += n;
        return { data, shape: [...shape] };
      }));
    }
    return { optimizer: { className: optimizer.className, config: optimizer.getConfig() }, loss: loss.name, metrics: [...metrics], step: this.steps, epoch: this.epochs, slots };
  }

  /**
   * @internal For loading checkpoints: restores the optimizer's slots and the step and
   * epoch counters saved by {@link getTrainingState}. The model must be compiled with
   * the same kind of optimizer; everything is checked before anything is written.
   */
  setTrainingState(state: TrainingState): void {
    const where = "setTrainingState";
    this.checkAlive(where);
    const c = this.requireCompiled(where);
    for (const [key, value] of [["step", state.step], ["epoch", state.epoch]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${where}: ${key} must be a whole number >= 0, received ${value}`);
    }
    const slots = c.optimizer.stateSlots();
    if (state.slots.length !== slots) {
      throw new Error(`${where}: ${c.optimizer.className} keeps ${slots} state slot(s) per weight, received ${state.slots.length}`);
    }
    const shapes = this.layers.flatMap((l) => l.weights.specs.map((spec) => spec.shape));
    state.slots.forEach((slot, s) => {
      if (slot.length !== shapes.length) throw new Error(`${where}: slot ${s} holds ${slot.length} tensors, expected ${shapes.length} (one per weight)`);
      slot.forEach((t, w) => {
        if (formatShape(t.shape) !== formatShape(shapes[w]!) || t.data.length !== sizeOf(shapes[w]!)) {
          throw new Error(`${where}: slot ${s} of weight ${w} has shape ${formatShape(t.shape)}, expected ${formatShape(shapes[w]!)}`);
        }
        for (let i = 0; i < t.data.length; i++) {
          if (!Number.isFinite(t.data[i])) throw new Error(`${where}: slot ${s} of weight ${w} holds ${t.data[i]} at index ${i}; optimizer state must be finite`);
        }
      });
    });
    const core = this.ensurePlaced();
    if (this.store.state) {
      const out = core.f32(this.store.state);
      state.slots.forEach((slot, s) => {
        let at = s * this.store.count;
        for (const t of slot) {
          out.set(t.data, at);
          at += t.data.length;
        }
      });
    }
    this.steps = state.step;
    this.epochs = state.epoch;
  }

  /** Frees the model's wasm memory; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseMemory();
    for (const l of this.layers) l.weights.materialize = null;
    this.disposed = true;
  }

  // ---- internals ----

  private uniqueName(className: string): string {
    const stem = LAYER_NAME_STEMS[className] ?? className.toLowerCase();
    for (let i = 0; ; i++) {
      const name = i === 0 ? stem : `${stem}_${i}`;
      if (!this.layers.some((l) => l.name === name)) return name;
    }
  }

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`${op}: the model has been disposed`);
  }

  private requireCompiled(op: string): Compiled {
    if (!this.compiled) throw new Error(`${op}: call compile({ optimizer, loss }) first`);
    if (this.layers.length === 0) throw new Error(`${op}: the model has no layers`);
    return this.compiled;
  }

  /** Places the weights in wasm memory if not yet done; returns the core. */
  private ensurePlaced(): WasmCore {
    if (!this.store.placed) this.placeWeights();
    return this.core!;
  }

  private placeWeights(keep: (Tensor[] | null)[] = []): void {
    if (this.disposed) throw new Error("the model has been disposed");
    if (this.layers.length === 0) throw new Error("the model has no layers");
    const core = (this.core ??= getCore());
    this.store.place(core, this.layers, this.layerSeeds, keep);
    if (this.compiled) this.store.resetState(core, this.compiled.optimizer.stateSlots());
  }

  /** A runner whose plan holds at least `batch` samples (or, during fit, the fit's plan). */
  private runnerFor(batch: number): Runner {
    const core = this.core!;
    if (!this.plan || (this.plan.batch < batch && !this.training)) {
      this.dropPlan();
      this.plan = planBuffers(core, this.layers, this.inputShape!, batch);
    }
    if (!this.runner || this.runner.plan !== this.plan) this.runner = new Runner(core, this.layers, this.plan, this.compiled?.loss ?? null);
    return this.runner;
  }

  private dropPlan(): void {
    if (this.plan) releasePlan(this.core!, this.plan);
    this.plan = null;
    this.runner = null;
  }

  private releaseMemory(): void {
    this.dropPlan();
    if (this.core) this.store.release(this.core, this.layers);
  }

  private trainee(core: WasmCore, runner: Runner, c: Compiled): Trainee {
    return {
      core, runner, optimizer: c.optimizer, store: this.store, metrics: c.metrics,
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

  private snapshot(): { params: Float32Array; state: Float32Array | null; steps: number; epochs: number; lr: number } {
    const core = this.core!;
    return {
      params: core.read(this.store.params!),
      state: this.store.state ? core.read(this.store.state) : null,
      steps: this.steps,
      epochs: this.epochs,
      lr: this.compiled!.optimizer.learningRate,
    };
  }

  private restore(s: { params: Float32Array; state: Float32Array | null; steps: number; epochs: number; lr: number }): void {
    const core = this.core!;
    core.write(this.store.params!, s.params);
    if (s.state && this.store.state) core.write(this.store.state, s.state);
    this.steps = s.steps;
    this.epochs = s.epochs;
    this.compiled!.optimizer.learningRate = s.lr;
  }
}

function batchOption(op: string, options: BatchArgs): number {
  if (typeof options !== "object" || options === null) throw new Error(`${op}: options must be an object, received ${String(options)}`);
  for (const key of Object.keys(options)) if (key !== "batchSize") throw new Error(`${op}: unknown option "${key}"; expected batchSize`);
  const b = options.batchSize ?? 32;
  if (typeof b !== "number" || !Number.isSafeInteger(b) || b < 1) throw new Error(`${op}: batchSize must be a whole number > 0, received ${String(b)}`);
  return b;
}

