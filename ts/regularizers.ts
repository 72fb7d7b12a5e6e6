/**
 * Weight regularizers as Keras 3 defines them (keras/src/regularizers/regularizers.py):
 * `L1(l1)(x) = l1 * sum(|x|)`, `L2(l2)(x) = l2 * sum(x^2)` (no 1/2), and
 * `L1L2(l1, l2)` their sum. A layer's `kernelRegularizer` adds its penalty to the loss
 * the model reports (in fit and evaluate, as Keras's `model.losses`) and the penalty's
 * gradient to the kernel's gradient; {@link addRegularization} does both for a model's
 * layers in one allocation-free pass, on the `l1l2_penalty` kernel.
 */
import { l1l2Penalty } from "./kernels/regularize.js";
import type { WasmBuffer, WasmCore } from "./wasm/core.js";

/** A weight penalty: `l1 * sum|x| + l2 * sum x^2`. */
export interface Regularizer {
  /** Keras class name: "L1", "L2" or "L1L2". */
  readonly className: "L1" | "L2" | "L1L2";
  /** Factor of the absolute values (0 for L2). */
  readonly l1: number;
  /** Factor of the squares (0 for L1). */
  readonly l2: number;
  /** Keras's config: `{ l1 }`, `{ l2 }` or `{ l1, l2 }`. */
  getConfig(): Record<string, number>;
}

/** A regularizer as Keras 3 serializes it in a layer config. */
export interface SerializedRegularizer {
  /** Always "keras.regularizers". */
  module: "keras.regularizers";
  /** "L1", "L2" or "L1L2". */
  class_name: string;
  /** `{ l1 }`, `{ l2 }` or `{ l1, l2 }`. */
  config: Record<string, number>;
  /** Always null (a built-in class). */
  registered_name: null;
}

/** Options of {@link regularizers}.l1l2 (TensorFlow.js's `{ l1, l2 }`). */
export interface L1L2Args {
  /** Factor of sum(|x|), finite and >= 0; default 0. */
  l1?: number;
  /** Factor of sum(x^2), finite and >= 0; default 0. */
  l2?: number;
}

class Penalty implements Regularizer {
  constructor(readonly className: "L1" | "L2" | "L1L2", readonly l1: number, readonly l2: number) {
    Object.freeze(this);
  }

  getConfig(): Record<string, number> {
    if (this.className === "L1") return { l1: this.l1 };
    if (this.className === "L2") return { l2: this.l2 };
    return { l1: this.l1, l2: this.l2 };
  }
}

/** A factor: finite and >= 0, as Keras's `validate_float_arg`. */
function factor(owner: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${owner}: ${name} must be a finite number >= 0, received ${String(value)}`);
  }
  return value;
}

/** `value` given as a number or as TensorFlow.js's `{ [name]: number }`; `fallback` when absent. */
function single(owner: string, name: "l1" | "l2", value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((k) => k !== name)) throw new Error(`${owner}: unknown option "${keys.find((k) => k !== name)}"; expected ${name}`);
    return factor(owner, name, (value as Record<string, unknown>)[name] ?? fallback);
  }
  return factor(owner, name, value);
}

/** The regularizer factories, with Keras 3's defaults. */
export const regularizers = {
  /** `l1 * sum(|x|)`; l1 as a number or `{ l1 }`, default 0.01 (Keras's `L1`). */
  l1(l1?: number | Pick<L1L2Args, "l1">): Regularizer {
    return new Penalty("L1", single("regularizers.l1", "l1", l1, 0.01), 0);
  },
  /** `l2 * sum(x^2)`, no 1/2; l2 as a number or `{ l2 }`, default 0.01 (Keras's `L2`). */
  l2(l2?: number | Pick<L1L2Args, "l2">): Regularizer {
    return new Penalty("L2", 0, single("regularizers.l2", "l2", l2, 0.01));
  },
  /** `l1 * sum(|x|) + l2 * sum(x^2)`; both default 0 (Keras's `L1L2`). */
  l1l2(args?: L1L2Args): Regularizer {
    const owner = "regularizers.l1l2";
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
      throw new Error(`${owner}: options must be an object like { l1, l2 }, received ${String(args)}`);
    }
    const o = (args ?? {}) as Record<string, unknown>;
    const bad = Object.keys(o).find((k) => k !== "l1" && k !== "l2");
    if (bad !== undefined) throw new Error(`${owner}: unknown option "${bad}"; expected l1, l2`);
    return new Penalty("L1L2", factor(owner, "l1", o.l1 ?? 0), factor(owner, "l2", o.l2 ?? 0));
  },
};

/** Keras's serialized form of `r`, as a layer config's `kernel_regularizer` holds it. */
export function serializeRegularizer(r: Regularizer): SerializedRegularizer {
  return { module: "keras.regularizers", class_name: r.className, config: r.getConfig(), registered_name: null };
}

/**
 * `r` as TensorFlow.js writes a regularizer in a layers-format model.json: TensorFlow.js
 * registers only `L1L2`, so every regularizer is written as one, `{ class_name: "L1L2",
 * config: { l1, l2 } }` (the same penalty; {@link getRegularizer} reads it back).
 */
export function serializeRegularizerTfjs(r: Regularizer): { class_name: "L1L2"; config: { l1: number; l2: number } } {
  return { class_name: "L1L2", config: { l1: r.l1, l2: r.l2 } };
}

// Names Keras's `regularizers.get` accepts, and TensorFlow.js's class name spellings.
const NAMES: Readonly<Record<string, "L1" | "L2" | "L1L2">> = {
  l1: "L1", L1: "L1", l2: "L2", L2: "L2", l1_l2: "L1L2", l1l2: "L1L2", L1L2: "L1L2",
};

/**
 * A regularizer from what a user or a file gives: a {@link Regularizer}, a name ("l1",
 * "l2", "l1_l2": Keras's defaults), or a serialized `{ class_name, config }` (Keras 3's
 * `{ module, class_name, config }` or TensorFlow.js's `{ className, config }`). `where`
 * and `arg` name the call and the option in errors.
 */
export function getRegularizer(where: string, arg: string, value: unknown): Regularizer {
  const owner = `${where}: ${arg}`;
  if (value instanceof Penalty) return value;
  if (typeof value === "string") {
    const cls = NAMES[value];
    if (!cls) throw new Error(`${owner} must be "l1", "l2", "l1_l2" or a regularizer from regularizers.l2(...), received ${JSON.stringify(value)}`);
    return cls === "L1" ? regularizers.l1() : cls === "L2" ? regularizers.l2() : regularizers.l1l2();
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const className = v.class_name ?? v.className;
    const cls = typeof className === "string" ? NAMES[className] : undefined;
    if (!cls) {
      // A hand-made { className, l1, l2 } object is rebuilt so that its factors are checked.
      if (typeof v.l1 === "number" || typeof v.l2 === "number") return regularizers.l1l2({ l1: v.l1 as number, l2: v.l2 as number });
      throw new Error(`${owner}: unsupported regularizer ${JSON.stringify(className ?? null)}; expected L1, L2 or L1L2`);
    }
    if (v.module !== undefined && v.module !== "keras.regularizers") throw new Error(`${owner}: module must be "keras.regularizers", received ${JSON.stringify(v.module)}`);
    const config = v.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error(`${owner}: config must be an object, received ${JSON.stringify(config)}`);
    const c = config as Record<string, unknown>;
    const allowed = cls === "L1" ? ["l1"] : cls === "L2" ? ["l2"] : ["l1", "l2"];
    const bad = Object.keys(c).find((k) => !allowed.includes(k));
    if (bad !== undefined) throw new Error(`${owner}: unsupported ${cls} config key "${bad}"; expected ${allowed.join(", ")}`);
    if (cls === "L1") return regularizers.l1(factor(owner, "l1", c.l1 ?? 0.01));
    if (cls === "L2") return regularizers.l2(factor(owner, "l2", c.l2 ?? 0.01));
    return regularizers.l1l2({ l1: factor(owner, "l1", c.l1 ?? 0), l2: factor(owner, "l2", c.l2 ?? 0) });
  }
  throw new Error(`${owner} must be a regularizer (regularizers.l2(1e-4), ...), a name or a config, received ${String(value)}`);
}

/**
 * What {@link addRegularization} needs of a layer: its `kernelRegularizer` (null or
 * absent when it has none), whether it trains, and its weights (specs in Keras order,
 * and the windows of each weight and its gradient in wasm memory).
 */
export interface RegularizedLayer {
  /** The kernel's regularizer, or null. */
  readonly kernelRegularizer?: Regularizer | null;
  /** False for a frozen layer: Keras regularizes trainable weights only. */
  readonly trainable?: boolean;
  /** The layer's weights. */
  readonly weights: {
    readonly specs: readonly { readonly name: string; readonly shape: readonly number[] }[];
    param(i: number): WasmBuffer;
    grad(i: number): WasmBuffer;
  };
}

/**
 * The sum of the kernel penalties of `layers` (0 when none is regularized): for each
 * trainable layer with a `kernelRegularizer`, the penalty of its weight named "kernel".
 * With `withGradient`, also ADDS each penalty's gradient to that weight's gradient
 * window, so call it after the backward pass (which overwrites the gradients), once per
 * step. Allocates nothing (it runs every step).
 *
 * The training step's hook (the model's runner): add
 * `addRegularization(core, layers, false)` to the batch loss in `lossAndGradient`, and
 * call `addRegularization(core, layers, true)` at the end of `backward`. Evaluation then
 * reports the penalty too, as Keras's `evaluate` does; data-parallel shards each add the
 * same penalty and gradient, and their shard-size weights sum to 1, so the batch total
 * is unchanged.
 */
export function addRegularization(core: WasmCore, layers: readonly RegularizedLayer[], withGradient: boolean): number {
  let total = 0;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const r = layer.kernelRegularizer;
    if (!r || layer.trainable === false) continue;
    const specs = layer.weights.specs;
    let k = 0;
    while (k < specs.length && specs[k]!.name !== "kernel") k++;
    if (k === specs.length) throw new Error(`addRegularization: layer ${l} has a kernelRegularizer but no weight named "kernel" (is it built?)`);
    const shape = specs[k]!.shape;
    let n = 1;
    for (let d = 0; d < shape.length; d++) n *= shape[d]!;
    total += l1l2Penalty(core, n, layer.weights.param(k), withGradient ? layer.weights.grad(k) : null, r.l1, r.l2);
  }
  return total;
}
