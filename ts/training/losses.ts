/**
 * Losses as Keras and TensorFlow.js spell them, resolved to what the training step
 * needs to know: which kernel computes it, how labels are given, and Keras's options
 * `fromLogits` and `labelSmoothing`. `compile` takes a name ("categoricalCrossentropy")
 * or a loss from the {@link losses} factories
 * (`losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 })`).
 */
import { categoricalCrossEntropy, meanSquaredError, softmaxCrossEntropy } from "../kernels/loss.js";
import { checkKnownKeys } from "../options.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/** The losses simdnet trains with. */
export type LossName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "meanSquaredError";

/** A resolved loss. */
export interface Loss {
  /** camelCase name (as TensorFlow.js). */
  readonly name: LossName;
  /** Cross-entropy over classes (softmax outputs, fused with softmax when possible). */
  readonly crossEntropy: boolean;
  /** Labels are class indices [n] (converted to one-hot rows in the label buffer). */
  readonly sparse: boolean;
  /** The model outputs logits and the loss applies softmax (Keras's `from_logits`). */
  readonly fromLogits: boolean;
  /** Keras's `label_smoothing` in [0, 1] (categorical cross-entropy only; else 0). */
  readonly labelSmoothing: number;
}

/** Options of {@link losses}.categoricalCrossentropy, as Keras's `CategoricalCrossentropy`. */
export interface CategoricalCrossentropyArgs {
  /** The model's output is logits (a linear last layer); the loss applies softmax. Default false. */
  fromLogits?: boolean;
  /** In [0, 1]: labels become `y (1 - s) + s / classes`. Default 0. */
  labelSmoothing?: number;
}

/**
 * Options of {@link losses}.sparseCategoricalCrossentropy, as Keras 3's
 * `SparseCategoricalCrossentropy`, which has no label smoothing.
 */
export interface SparseCategoricalCrossentropyArgs {
  /** The model's output is logits (a linear last layer); the loss applies softmax. Default false. */
  fromLogits?: boolean;
}

/** A loss with options as Keras serializes it (in a saved training config). */
export interface SerializedLoss {
  /** Always "keras.losses". */
  module: "keras.losses";
  /** "CategoricalCrossentropy", "SparseCategoricalCrossentropy" or "MeanSquaredError". */
  class_name: string;
  /** Keras's config: name, reduction, from_logits, label_smoothing, ... */
  config: Record<string, unknown>;
  /** Always null (a built-in class). */
  registered_name: null;
}

/**
 * What `compile`'s `loss` accepts: a name in any of Keras's spellings, a {@link Loss}, or
 * Keras's serialized form (as a saved training config holds it).
 */
export type LossArg = string | Loss | SerializedLoss;

/** A loss as a saved training config holds it: see {@link serializeLoss}. */
export type LossId = LossName | SerializedLoss;

const ALIASES: Readonly<Record<string, LossName>> = {
  categoricalCrossentropy: "categoricalCrossentropy",
  categorical_crossentropy: "categoricalCrossentropy",
  CategoricalCrossentropy: "categoricalCrossentropy",
  sparseCategoricalCrossentropy: "sparseCategoricalCrossentropy",
  sparse_categorical_crossentropy: "sparseCategoricalCrossentropy",
  SparseCategoricalCrossentropy: "sparseCategoricalCrossentropy",
  meanSquaredError: "meanSquaredError",
  mean_squared_error: "meanSquaredError",
  MeanSquaredError: "meanSquaredError",
  mse: "meanSquaredError",
};

const CLASS_NAMES: Readonly<Record<LossName, string>> = {
  categoricalCrossentropy: "CategoricalCrossentropy",
  sparseCategoricalCrossentropy: "SparseCategoricalCrossentropy",
  meanSquaredError: "MeanSquaredError",
};

function makeLoss(owner: string, name: LossName, fromLogits: unknown = false, labelSmoothing: unknown = 0): Loss {
  if (typeof fromLogits !== "boolean") throw new Error(`${owner}: fromLogits must be true or false, received ${String(fromLogits)}`);
  if (typeof labelSmoothing !== "number" || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`${owner}: labelSmoothing must be a number in [0, 1], received ${String(labelSmoothing)}`);
  }
  const crossEntropy = name !== "meanSquaredError";
  return Object.freeze({ name, crossEntropy, sparse: name === "sparseCategoricalCrossentropy", fromLogits, labelSmoothing });
}

function options(owner: string, args: unknown, known: readonly string[]): Record<string, unknown> {
  if (args === undefined) return {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new Error(`${owner}: options must be an object like { ${known.join(", ")} }, received ${String(args)}`);
  }
  const hint = (key: string): string =>
    key === "label_smoothing" && !known.includes("labelSmoothing")
      ? " (Keras 3's SparseCategoricalCrossentropy has no label smoothing; use categoricalCrossentropy with one-hot labels)"
      : key === "from_logits" ? "; did you mean fromLogits?" : key === "label_smoothing" ? "; did you mean labelSmoothing?" : "";
  checkKnownKeys(owner, args, known, hint);
  return args as Record<string, unknown>;
}

/** Loss factories with Keras's options (a name string still works in `compile`). */
export const losses = {
  /** Cross-entropy against one-hot (or probability) rows; options fromLogits, labelSmoothing. */
  categoricalCrossentropy(args?: CategoricalCrossentropyArgs): Loss {
    const owner = "losses.categoricalCrossentropy";
    const o = options(owner, args, ["fromLogits", "labelSmoothing"]);
    return makeLoss(owner, "categoricalCrossentropy", o.fromLogits, o.labelSmoothing);
  },
  /** Cross-entropy against class indices; option fromLogits (Keras 3 has no labelSmoothing here). */
  sparseCategoricalCrossentropy(args?: SparseCategoricalCrossentropyArgs): Loss {
    const owner = "losses.sparseCategoricalCrossentropy";
    const o = options(owner, args, ["fromLogits"]);
    return makeLoss(owner, "sparseCategoricalCrossentropy", o.fromLogits);
  },
  /** Mean of squared differences over every output value. */
  meanSquaredError(): Loss {
    return makeLoss("losses.meanSquaredError", "meanSquaredError");
  },
};

// Keras config keys that change nothing when they hold these values.
const NEUTRAL: Readonly<Record<string, (v: unknown) => boolean>> = {
  name: (v) => typeof v === "string",
  reduction: (v) => v === "sum_over_batch_size" || v === "auto",
  axis: (v) => v === -1,
  ignore_class: (v) => v === null,
  dtype: (v) => v === null || v === "float32",
};

function fromSerialized(value: Record<string, unknown>): Loss {
  const where = "compile: loss";
  const className = value.class_name;
  const name = typeof className === "string" ? ALIASES[className] : undefined;
  if (!name) throw new Error(`${where}: unsupported loss class ${JSON.stringify(className)}; expected CategoricalCrossentropy, SparseCategoricalCrossentropy or MeanSquaredError`);
  const config = value.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error(`${where}: config of ${className} must be an object, received ${JSON.stringify(config)}`);
  const own: Record<string, string> = name === "meanSquaredError" ? {} : name === "sparseCategoricalCrossentropy"
    ? { from_logits: "fromLogits" } : { from_logits: "fromLogits", label_smoothing: "labelSmoothing" };
  const args: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(config as Record<string, unknown>)) {
    if (own[key] !== undefined) args[own[key]!] = v;
    else if (!NEUTRAL[key]) throw new Error(`${where}: unsupported ${className} config key "${key}"`);
    else if (!NEUTRAL[key]!(v)) throw new Error(`${where}: ${className} ${key} ${JSON.stringify(v)} is not supported`);
  }
  return makeLoss(`${where} ${className}`, name, args.fromLogits ?? false, args.labelSmoothing ?? 0);
}

function isLoss(v: object): v is Loss {
  const l = v as Partial<Loss>;
  return typeof l.name === "string" && Object.hasOwn(CLASS_NAMES, l.name) && typeof l.fromLogits === "boolean" && typeof l.labelSmoothing === "number";
}

/**
 * Resolves a loss: a name in any of Keras's spellings, a {@link Loss} from
 * {@link losses}, or Keras's serialized form `{ class_name, config }` (as a saved
 * training config holds it). Unknown names list the valid ones.
 */
export function getLoss(id: unknown): Loss {
  if (typeof id === "object" && id !== null && !Array.isArray(id)) {
    // Rebuilt (and so re-checked) rather than trusted: a hand-made object could hold anything.
    if (isLoss(id)) {
      const smoothing = id.name === "categoricalCrossentropy" ? id.labelSmoothing : 0;
      if (id.name !== "categoricalCrossentropy" && id.labelSmoothing !== 0) {
        throw new Error(`compile: labelSmoothing applies only to categoricalCrossentropy, received ${id.labelSmoothing} for ${id.name}`);
      }
      return makeLoss(`compile: loss ${id.name}`, id.name, id.fromLogits, smoothing);
    }
    if ("class_name" in id) return fromSerialized(id as Record<string, unknown>);
  }
  const name = typeof id === "string" ? ALIASES[id] : undefined;
  if (!name) {
    throw new Error(`compile: unknown loss ${typeof id === "string" ? JSON.stringify(id) : String(id)}; expected "categoricalCrossentropy", "sparseCategoricalCrossentropy" or "meanSquaredError" (snake_case spellings work too), or a loss from losses.categoricalCrossentropy({ ... })`);
  }
  return makeLoss("compile", name);
}

/**
 * How a saved training config names `loss`: its camelCase name when it has Keras's
 * default options (as before, and as TensorFlow.js reads it), else Keras's serialized
 * form with the options. {@link getLoss} reads both back.
 */
export function serializeLoss(loss: Loss): LossName | SerializedLoss {
  if (!loss.fromLogits && loss.labelSmoothing === 0) return loss.name;
  const snake = loss.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const config: Record<string, unknown> = { name: snake, reduction: "sum_over_batch_size", from_logits: loss.fromLogits };
  if (loss.name === "categoricalCrossentropy") Object.assign(config, { label_smoothing: loss.labelSmoothing, axis: -1 });
  if (loss.name === "sparseCategoricalCrossentropy") config.ignore_class = null;
  return { module: "keras.losses", class_name: CLASS_NAMES[loss.name], config, registered_name: null };
}

/**
 * True when the training step should leave the last layer's softmax to the loss (one
 * fused softmax-cross-entropy kernel from the pre-activation). Not with `fromLogits`:
 * then, as in Keras, the loss applies softmax to whatever the model outputs, even a
 * softmax (Keras warns there and computes the double softmax; so does this).
 */
export function fusesSoftmax(loss: Loss | null, lastActivation: string | undefined): boolean {
  return !!loss && loss.crossEntropy && !loss.fromLogits && lastActivation === "softmax";
}

/** The plan buffers {@link lossAndGradient} reads and writes (a Plan has them all). */
export interface LossBuffers {
  /** The model's output (pre-softmax when fused), `[batch, width]`. */
  readonly output: WasmBuffer;
  /** One-hot rows or targets, `[batch, width]`. */
  readonly labels: WasmBuffer;
  /** Written with softmax(output) by the softmax-cross-entropy paths. */
  readonly probs: WasmBuffer;
  /** Written with the gradient of the mean loss w.r.t. `output`. */
  readonly outputGrad: WasmBuffer;
}

/**
 * The mean loss of the first `count` rows of `width` values, writing its gradient w.r.t.
 * the output: the softmax-cross-entropy kernel when `fused` (see {@link fusesSoftmax})
 * or `fromLogits`, else cross-entropy from probabilities, or mean squared error.
 * Allocates nothing (it runs every step).
 */
export function lossAndGradient(core: WasmCore, loss: Loss, fused: boolean, count: number, width: number, b: LossBuffers): number {
  if (!loss.crossEntropy) return meanSquaredError(core, count, width, b.output, b.labels, b.outputGrad);
  return fused || loss.fromLogits
    ? softmaxCrossEntropy(core, count, width, b.output, b.labels, b.probs, b.outputGrad, loss.labelSmoothing)
    : categoricalCrossEntropy(core, count, width, b.output, b.labels, b.outputGrad, loss.labelSmoothing);
}
