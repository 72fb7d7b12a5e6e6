/**
 * A compiled model's training state in Keras 3's terms, both ways: the compile settings
 * (`compile_config` in a `.keras` file's config.json, the `training_config` attribute of
 * an `.h5`) and the optimizer's variables (`optimizer/vars/<i>` in model.weights.h5,
 * `optimizer_weights/<name>/...` in an `.h5`).
 *
 * Keras 3.15 keeps an optimizer's variables in this order (keras/src/optimizers/
 * base_optimizer.py and each optimizer's `build`): `iterations` (int64 scalar), then
 * `learning_rate` (float32 scalar; absent when it is a schedule), then the slots of each
 * `add_optimizer_variables` call over `model.trainable_variables`. One call with several
 * names interleaves them per variable (Adam and AdamW: momentum, velocity of variable 0,
 * then of variable 1, ...); separate calls follow each other (RMSprop: every velocity,
 * then every momentum). Keras loads them by position only and, when the count differs
 * from what its optimizer built, skips them with a warning, so the count must be exact.
 *
 * simdnet's TrainingState holds the same numbers (`slots[s][w]`, `step`); Keras's
 * "velocity" of RMSprop is simdnet's mean square (slot 0) and its "momentum" the
 * velocity (slot 1); SGD's "momentum" is the velocity; Adam's are m and v.
 */
import type { TrainingState } from "../../model/training_state.js";
import { checkTrainingState } from "../../model/training_state.js";
import { optimizerFromConfig } from "../../optimizers/index.js";
import type { Tensor } from "../../tensor.js";
import { getLoss, serializeLoss } from "../../training/losses.js";
import { getMetrics } from "../../training/metrics.js";
import { type JsonObject, isJsonObject } from "../json.js";

/** A weight in Keras's order: its "layer/weight" name and shape. */
export interface TrainableWeight {
  name: string;
  shape: readonly number[];
}

/** Keras's names of an optimizer's slots (in simdnet's slot order) and how its `build` groups them. */
function slotLayout(className: string, slots: number): { names: string[]; groups: number[][] } {
  if ((className === "Adam" || className === "AdamW") && slots === 2) return { names: ["momentum", "velocity"], groups: [[0, 1]] };
  if (className === "SGD" && slots <= 1) return slots === 0 ? { names: [], groups: [] } : { names: ["momentum"], groups: [[0]] };
  if (className === "RMSprop" && (slots === 1 || slots === 2)) return { names: ["velocity", "momentum"].slice(0, slots), groups: slots === 1 ? [[0]] : [[0], [1]] };
  throw new Error(`Keras optimizer state: no Keras layout for ${className} with ${slots} slot(s)`);
}

/** `[slot, weight]` of every slot variable, in Keras's variable order. */
function slotOrder(groups: readonly number[][], weights: number): [number, number][] {
  const out: [number, number][] = [];
  for (const group of groups) for (let w = 0; w < weights; w++) for (const s of group) out.push([s, w]);
  return out;
}

/** Keras's default optimizer name: its `to_snake_case` of the class ("rm_sprop", "adam_w"). */
function optimizerName(className: string): string {
  return className.replace(/(.)([A-Z][a-z]+)/g, "$1_$2").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Settings of `BaseOptimizer.get_config` that simdnet always leaves off, as Keras writes them. */
const BASE_CONFIG: JsonObject = {
  weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99,
  ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null,
};

/** Keras's string for one of simdnet's loss names ("sparseCategoricalCrossentropy" -> "sparse_categorical_crossentropy"). */
function kerasLoss(loss: TrainingState["loss"]): JsonObject[string] {
  if (typeof loss !== "string") return loss as unknown as JsonObject;
  return loss.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** One optimizer variable as a `.keras` file keeps it. */
export type KerasOptimizerVariable = { counter: number } | { shape: number[]; data: Float32Array };

/** Optimizer options Keras reads as Python floats (SGD refuses a `momentum` of int 0). */
const FLOAT_KEYS = new Set(["learning_rate", "weight_decay", "momentum", "rho", "epsilon", "beta_1", "beta_2", "ema_momentum", "initial_learning_rate", "decay_rate", "alpha"]);
const FLOAT_MARK = "__simdnet_float__";

/**
 * JSON text of a compile config in which whole numbers under float options are written
 * as floats ("0.0"): JSON.stringify writes 0, which Python reads as an int, and Keras's
 * SGD checks `isinstance(momentum, float)`.
 */
export function kerasJson(value: unknown): string {
  const text = JSON.stringify(value, (key, v) => (FLOAT_KEYS.has(key) && typeof v === "number" && Number.isInteger(v) ? `${FLOAT_MARK}${v}` : v));
  return text.replace(new RegExp(`"${FLOAT_MARK}(-?\\d+)"`, "g"), "$1.0");
}

/** What writing a compiled model adds to a Keras file. */
export interface KerasTrainingParts {
  /** `compile_config` for a `.keras` file's config.json. */
  compileConfig: JsonObject;
  /** The `training_config` attribute of an `.h5` file. */
  trainingConfig: JsonObject;
  /** The optimizer's name (Keras records it on `optimizer/vars`). */
  name: string;
  /** The variables in Keras's order (`optimizer/vars/0, 1, ...`). */
  variables: KerasOptimizerVariable[];
}

/**
 * A training state in Keras 3's terms. `ours` names simdnet's trainable weights in its
 * slot order; `kerasOrder` names them in `model.trainable_variables` order (the same
 * set).
 */
export function kerasTrainingParts(state: TrainingState, ours: readonly string[], kerasOrder: readonly TrainableWeight[]): KerasTrainingParts {
  const where = "save (includeOptimizer)";
  const className = state.optimizer.className;
  const { groups } = slotLayout(className, state.slots.length);
  const index = new Map(ours.map((n, i) => [n, i]));
  const perm = kerasOrder.map((w) => {
    const i = index.get(w.name);
    if (i === undefined) throw new Error(`${where}: trainable weight "${w.name}" has no optimizer state`);
    return i;
  });
  if (perm.length !== ours.length) throw new Error(`${where}: ${ours.length} weights have optimizer state, Keras trains ${perm.length}`);
  const name = optimizerName(className);
  const optimizerConfig: JsonObject = { name, ...BASE_CONFIG, ...(state.optimizer.config as JsonObject) };
  const learningRate = state.optimizer.config.learning_rate;
  const variables: KerasOptimizerVariable[] = [{ counter: state.step }];
  if (typeof learningRate === "number") variables.push({ shape: [], data: Float32Array.of(learningRate) });
  for (const [s, k] of slotOrder(groups, perm.length)) {
    const t = state.slots[s]![perm[k]!]!;
    variables.push({ shape: [...t.shape], data: t.data });
  }
  const common: JsonObject = {
    loss: kerasLoss(state.loss), loss_weights: null, metrics: [...state.metrics], weighted_metrics: null,
    run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
  return {
    compileConfig: { optimizer: { module: "keras.optimizers", class_name: className, config: optimizerConfig, registered_name: null }, ...common },
    trainingConfig: { ...common, optimizer_config: { class_name: className, config: optimizerConfig } },
    name,
    variables,
  };
}

/** Read access to a file's optimizer variables, by position in Keras's order. */
export interface StoredOptimizerVariables {
  count: number;
  /** Declared shape of float32 variable `i` (i >= 1), checked before its data is read. */
  shape(i: number): number[];
  /** Variable `i` (0, iterations): an integer scalar, checked as such. */
  counter(i: number): number;
  floats(i: number): { shape: number[]; data: Float32Array };
}

/** A compile setting simdnet cannot honour: the model loads uncompiled, with this reason. */
export class UnsupportedCompile extends Error {}

/** Keras metric classes that are simdnet's "accuracy" (which picks the labels' form itself). */
const ACCURACY_CLASSES = new Set(["CategoricalAccuracy", "SparseCategoricalAccuracy"]);

/** The optimizer class name and config of Keras 3's object or an `.h5` `optimizer_config`. */
function readOptimizer(value: unknown): { className: string; config: Record<string, unknown> } {
  if (typeof value === "string") return { className: value, config: {} };
  if (!isJsonObject(value) || typeof value.class_name !== "string") throw new UnsupportedCompile(`the optimizer ${JSON.stringify(value)?.slice(0, 80)} is not a Keras optimizer config`);
  const module = value.module;
  if (module !== undefined && module !== "keras.optimizers") throw new UnsupportedCompile(`the optimizer ${value.class_name} is a custom object (module ${JSON.stringify(module)})`);
  if (value.registered_name !== undefined && value.registered_name !== null && value.registered_name !== value.class_name) {
    throw new UnsupportedCompile(`the optimizer ${value.class_name} is a custom object (registered as ${JSON.stringify(value.registered_name)})`);
  }
  const config = value.config === undefined ? {} : value.config;
  if (!isJsonObject(config)) throw new UnsupportedCompile(`the optimizer ${value.class_name} has no config object`);
  return { className: value.class_name, config };
}

/** Keras's metrics list as simdnet's names. */
function readMetrics(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new UnsupportedCompile(`metrics ${JSON.stringify(value).slice(0, 80)} (per-output metrics) are not supported`);
  return value.map((m) => {
    if (isJsonObject(m) && typeof m.class_name === "string" && ACCURACY_CLASSES.has(m.class_name) && (m.module === undefined || m.module === "keras.metrics")) return "accuracy";
    if (typeof m !== "string") throw new UnsupportedCompile(`the metric ${JSON.stringify(m).slice(0, 80)} is not one simdnet has (it has "accuracy")`);
    return m;
  });
}

/**
 * The training state of a Keras file's compile settings (`compile_config`, or an `.h5`
 * `training_config` holding `optimizer_config`) and optimizer variables, its slots in
 * Keras's order: `trainable` lists the model's trainable weights in
 * `model.trainable_variables` order (see {@link reorderSlots}). Throws
 * {@link UnsupportedCompile} for settings simdnet lacks (an optimizer class or option, a
 * loss, a metric); any other Error is a damaged file. Every shape is checked before any
 * data is read.
 */
export function trainingFromKeras(compile: JsonObject, stored: StoredOptimizerVariables | null, trainable: readonly TrainableWeight[], where: string): TrainingState {
  for (const key of ["loss_weights", "weighted_metrics"]) {
    if (compile[key] !== undefined && compile[key] !== null) throw new UnsupportedCompile(`${key} ${JSON.stringify(compile[key]).slice(0, 80)} is not supported`);
  }
  const { className, config } = readOptimizer(compile.optimizer ?? compile.optimizer_config);
  let optimizer;
  let loss;
  let metrics;
  try {
    optimizer = optimizerFromConfig(className, config);
    if (compile.loss === null || compile.loss === undefined) throw new Error("the model was compiled without a loss");
    loss = serializeLoss(getLoss(compile.loss));
    metrics = getMetrics(readMetrics(compile.metrics));
  } catch (e) {
    if (e instanceof UnsupportedCompile) throw e;
    throw new UnsupportedCompile((e as Error).message);
  }
  const slotCount = optimizer.stateSlots();
  const { groups } = slotLayout(optimizer.className, slotCount);
  const fixedRate = optimizer.schedule === null || optimizer.schedule === undefined;
  const shapes = trainable.map((w) => [...w.shape]);
  const slots: Tensor[][] = Array.from({ length: slotCount }, () => shapes.map((shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape })));
  let step = 0;
  let rate: number | null = null;
  // An optimizer compiled but never built (no training step yet) stores no variables.
  if (stored !== null && stored.count > 0) {
    const order = slotOrder(groups, trainable.length);
    const head = fixedRate ? 2 : 1;
    const at = `${where}: optimizer variables`;
    if (stored.count !== head + order.length) {
      throw new Error(`${at}: ${optimizer.className} with ${trainable.length} trainable weights keeps ${head + order.length} variables (iterations${fixedRate ? ", learning_rate" : ""}, then ${slotCount} slot(s) per weight), the file has ${stored.count}`);
    }
    const want = (i: number): number[] => (i === 0 || (fixedRate && i === 1) ? [] : shapes[order[i - head]![1]]!);
    step = stored.counter(0);
    for (let i = 1; i < stored.count; i++) {
      const got = stored.shape(i);
      if (got.join(",") !== want(i).join(",") || got.length !== want(i).length) {
        throw new Error(`${at}: variable ${i} has shape [${got.join(", ")}], expected [${want(i).join(", ")}]${i >= head ? ` (${trainable[order[i - head]![1]]!.name})` : ""}`);
      }
    }
    if (fixedRate) {
      rate = stored.floats(1).data[0]!;
      if (!Number.isFinite(rate) || rate <= 0) throw new Error(`${at}: learning_rate is ${rate}; expected a finite number > 0`);
    }
    order.forEach(([s, w], k) => {
      slots[s]![w] = { data: stored.floats(head + k).data, shape: shapes[w]! };
    });
  }
  // Keras's learning_rate variable is what it trains with (a callback may have changed it since compile).
  const final = rate === null ? optimizer : optimizerFromConfig(className, { ...config, learning_rate: rate });
  const state: TrainingState = { optimizer: { className: final.className, config: final.getConfig() }, loss, metrics, step, epoch: 0, slots };
  checkTrainingState(`${where}: optimizer state`, state, final.className, slotCount, shapes);
  return state;
}

/**
 * `state` (slots in the order of `kerasOrder`) with its slots in the order of `ours`:
 * both name the same trainable weights ("layer/weight"), else an error.
 */
export function reorderSlots(state: TrainingState, kerasOrder: readonly string[], ours: readonly string[], where: string): TrainingState {
  const index = new Map(kerasOrder.map((n, k) => [n, k]));
  if (kerasOrder.length !== ours.length || ours.some((n) => !index.has(n))) {
    throw new Error(`${where}: Keras trains ${kerasOrder.join(", ") || "nothing"}; simdnet trains ${ours.join(", ") || "nothing"}`);
  }
  return { ...state, slots: state.slots.map((slot) => ours.map((n) => slot[index.get(n)!]!)) };
}
