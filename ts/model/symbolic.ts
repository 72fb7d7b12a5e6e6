/**
 * The functional API's symbolic tensors: `input({ shape })` makes one, `layer.apply(t)`
 * connects a layer to one (or, for merge layers, to several) and returns the layer's
 * output tensor. A symbolic tensor holds no values: it remembers its per-sample shape and
 * the layer call (node) that made it, which is all `new Model({ inputs, outputs })` needs
 * to walk the graph back from its outputs (graph.ts), as Keras's `KerasTensor` and its
 * `_keras_history` do.
 */
import type { Layer } from "../layers/layer.js";
import { checkKnownKeys } from "../options.js";
import { describeValue, formatShape } from "../tensor.js";

/** Options of {@link input}. */
export interface InputArgs {
  /** Shape of one sample, without the batch axis, e.g. [28, 28, 1]. */
  shape: number[];
  /** Name of the input layer (default "input_layer", then input_layer_1, ... in a model). */
  name?: string;
}

/**
 * A placeholder for values flowing through a graph of layers: the model's input (from
 * {@link input}) or a layer's output (from `layer.apply`). Shapes are per sample.
 */
export class SymbolicTensor {
  /** @internal Made by {@link input} and `layer.apply` only. */
  constructor(
    /** Per-sample shape (no batch axis). */
    readonly shape: readonly number[],
    /** The layer whose output this is, or null for a model input. */
    readonly layer: Layer | null,
    /** The tensors that layer was applied to (empty for an input). */
    readonly inputs: readonly SymbolicTensor[],
    /** For an input: its name (a layer's output is named by its layer). */
    readonly inputName: string,
    /** For an input: true when the user gave no name (a model may rename it). */
    readonly autoName: boolean,
  ) {}

  /** "input_layer [28,28,1]" or "conv2d (Conv2D) [26,26,6]", for error messages. */
  toString(): string {
    return this.layer ? `${this.layer.name} (${this.layer.className}) output ${formatShape(this.shape)}` : `input "${this.inputName}" ${formatShape(this.shape)}`;
  }
}

/** True for a {@link SymbolicTensor}. */
export function isSymbolic(value: unknown): value is SymbolicTensor {
  return value instanceof SymbolicTensor;
}

/**
 * A model input: a symbolic tensor of per-sample `shape`, the start of a functional
 * model (TensorFlow.js's `tf.input`, Keras's `keras.Input`).
 */
export function input(options: InputArgs): SymbolicTensor {
  const where = "input";
  if (typeof options !== "object" || options === null) throw new Error(`${where}: expected { shape, name? }, received ${describeValue(options)}`);
  checkKnownKeys(where, options, ["shape", "name"]);
  const { shape, name } = options;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 1)) {
    throw new Error(`${where}: shape must be a non-empty array of whole numbers > 0 (one sample, no batch axis), received ${Array.isArray(shape) ? `[${shape.map(String).join(", ")}]` : describeValue(shape)}`);
  }
  if (name !== undefined && (typeof name !== "string" || name.length === 0)) throw new Error(`${where}: name must be a non-empty string, received ${describeValue(name)}`);
  return new SymbolicTensor([...shape], null, [], name ?? "input_layer", name === undefined);
}

/**
 * Keras's default layer-name stem for a class: its `to_snake_case` (Conv2D -> conv2d,
 * MaxPooling2D -> max_pooling2d, ReLU -> re_lu, BatchNormalization -> batch_normalization).
 */
export function snakeCase(className: string): string {
  return className.replace(/\W+/g, "").replace(/(.)([A-Z][a-z]+)/g, "$1_$2").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Layers applied so far, each to the tensor it produced (a layer may be applied once). */
const applied = new WeakMap<Layer, SymbolicTensor>();
/** Per applied layer, when it was applied (a model names its layers in this order, see graph.ts). */
const appliedAt = new WeakMap<Layer, number>();
let applyCount = 0;

/** The order in which `layer` was applied among all layers (0 if never). */
export function applyOrder(layer: Layer): number {
  return appliedAt.get(layer) ?? 0;
}
/** Layers whose name was given on apply for error messages only; a model names them. */
const provisional = new WeakSet<Layer>();

/** True when `layer` got its name on `apply` (so a model may give it a unique one). */
export function hasProvisionalName(layer: Layer): boolean {
  return provisional.has(layer);
}

/** Records that a model gave `layer` its final name. */
export function nameSettled(layer: Layer): void {
  provisional.delete(layer);
}

/** True when `layer` has been applied to a symbolic tensor (it belongs to a graph). */
export function isApplied(layer: Layer): boolean {
  return applied.has(layer);
}

/**
 * What every layer's `apply` does: checks the arguments, builds the layer on the input
 * shape(s) and returns its output tensor. Nothing changes when it throws.
 */
export function applyLayer(layer: Layer, inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
  const stem = snakeCase(layer.className);
  const label = layer.name || stem;
  const where = `${label}.apply`;
  const many = typeof layer.buildInputs === "function";
  const list = Array.isArray(inputs) ? (inputs as readonly unknown[]) : [inputs];
  list.forEach((t, i) => {
    if (!isSymbolic(t)) {
      const what = t !== null && typeof t === "object" && "data" in t ? "a tensor of values (use model.predict for values)" : describeValue(t);
      throw new Error(`${where}: expected a symbolic tensor from input() or another layer's apply()${list.length > 1 ? ` at index ${i}` : ""}, received ${what}`);
    }
  });
  const tensors = list as SymbolicTensor[];
  if (many && tensors.length < 2) {
    throw new Error(`${where}: ${layer.className} merges several tensors; expected an array of at least 2, received ${Array.isArray(inputs) ? `an array of ${tensors.length}` : "one tensor"}`);
  }
  if (!many && tensors.length !== 1) throw new Error(`${where}: ${layer.className} takes one tensor, received an array of ${tensors.length}`);
  if (applied.has(layer)) {
    throw new Error(`${where}: layer "${label}" has already been applied once; shared layers (one layer applied twice) are not supported yet, make a second layer`);
  }
  if (layer.weights.materialize) throw new Error(`${where}: layer "${label}" already belongs to a model; make a new layer`);
  if (!many && layer.declaredInputShape && formatShape(layer.declaredInputShape) !== formatShape(tensors[0]!.shape)) {
    throw new Error(`${where}: ${layer.className} declares inputShape ${formatShape(layer.declaredInputShape)} but is applied to ${tensors[0]}`);
  }
  const unnamed = layer.name === "";
  if (unnamed) layer.name = stem;
  let out: readonly number[];
  try {
    out = many ? layer.buildInputs!(tensors.map((t) => t.shape)) : layer.build(tensors[0]!.shape);
  } catch (e) {
    if (unnamed) layer.name = "";
    throw e;
  }
  if (unnamed) provisional.add(layer);
  const tensor = new SymbolicTensor([...out], layer, tensors, "", false);
  applied.set(layer, tensor);
  appliedAt.set(layer, ++applyCount);
  return tensor;
}
