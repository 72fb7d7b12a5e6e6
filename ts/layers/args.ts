/**
 * Checks of layer options, shared by the layer factories. Each check names the factory
 * and the option, echoes the value received and says what was expected, so that a bad
 * option fails when the layer is made, before any model sees it.
 */
import { getInitializer, initializerFromConfig, type Initializer } from "../initializers.js";
import { checkKnownKeys } from "../options.js";
import { getRegularizer, type Regularizer } from "../regularizers.js";
import type { Padding } from "../shapes.js";
import { formatShape } from "../tensor.js";

/**
 * The activations a layer can apply, each as Keras 3 defines it (TensorFlow.js's names;
 * a Keras file says "silu" for swish and "hard_sigmoid" for hardSigmoid): relu6 is
 * min(max(x, 0), 6), elu has alpha 1, gelu is the exact (erf) form, hardSigmoid is
 * relu6(x + 3) / 6. "gelu_new" is TensorFlow.js's name for gelu's tanh approximation.
 */
export type ActivationName =
  | "linear" | "relu" | "sigmoid" | "tanh" | "softmax"
  | "relu6" | "elu" | "selu" | "swish" | "gelu" | "gelu_new" | "hardSigmoid";

/** Every {@link ActivationName}, in the order errors list them. */
export const ACTIVATIONS: readonly ActivationName[] = [
  "linear", "relu", "sigmoid", "tanh", "softmax", "relu6", "elu", "selu", "swish", "gelu", "gelu_new", "hardSigmoid",
];

/** A JSON-ish rendering of a received value for error messages. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return typeof value;
}

/** A whole number >= 1. */
export function positiveInt(where: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${where}: ${arg} must be a whole number > 0, received ${show(value)}`);
  }
  return value;
}

/** A number or an [h, w] pair of whole numbers >= 1, returned as a pair. */
export function positivePair(where: string, arg: string, value: unknown): [number, number] {
  if (typeof value === "number") {
    const v = positiveInt(where, arg, value);
    return [v, v];
  }
  if (Array.isArray(value) && value.length === 2) {
    const ok = value.every((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1);
    if (ok) return [value[0] as number, value[1] as number];
  }
  throw new Error(`${where}: ${arg} must be a whole number > 0 or a pair [h, w] of them, received ${show(value)}`);
}

/** "valid" (default) or "same". */
export function padding(where: string, value: unknown): Padding {
  if (value === undefined) return "valid";
  if (value === "valid" || value === "same") return value;
  throw new Error(`${where}: padding must be "valid" or "same", received ${show(value)}`);
}

/** One of the activation names; `undefined` is "linear" (as in Keras). */
export function activation(where: string, value: unknown): ActivationName {
  if (value === undefined || value === null) return "linear";
  if (typeof value === "string" && (ACTIVATIONS as readonly string[]).includes(value)) return value as ActivationName;
  throw new Error(`${where}: activation must be one of ${ACTIVATIONS.map((a) => `"${a}"`).join(", ")}, received ${show(value)}`);
}

/** A finite number (>= `min` when given) with a default. */
export function finite(where: string, arg: string, value: unknown, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    const range = min === -Infinity ? "a finite number" : `a finite number >= ${min}`;
    throw new Error(`${where}: ${arg} must be ${range}, received ${show(value)}`);
  }
  return value;
}

/** A pair of whole numbers >= 0 (or one for both), e.g. a padding; `fallback` when undefined. */
export function nonNegativePair(where: string, arg: string, value: unknown, fallback: [number, number]): [number, number] {
  if (value === undefined) return fallback;
  const ok = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (ok(value)) return [value as number, value as number];
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0] as number, value[1] as number];
  throw new Error(`${where}: ${arg} must be a whole number >= 0 or a pair of them, received ${show(value)}`);
}

/** A boolean with a default. */
export function bool(where: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new Error(`${where}: ${arg} must be true or false, received ${show(value)}`);
  return value;
}

/** A layer name: a non-empty string without "/" (names become weight paths). */
export function layerName(where: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value.length === 0 || value.includes("/")) {
    throw new Error(`${where}: name must be a non-empty string without "/", received ${show(value)}`);
  }
  return value;
}

/** A per-sample input shape: whole numbers >= 1. */
export function inputShape(where: string, value: unknown): number[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1)) {
    return [...(value as number[])];
  }
  throw new Error(`${where}: inputShape must be a non-empty array of whole numbers > 0 (one sample, without the batch), received ${show(value)}`);
}

/** Throws unless `shape` has rank `rank`; `what` names the layer. */
export function expectRank(what: string, shape: readonly number[], rank: number, hint: string): void {
  if (shape.length !== rank) {
    throw new Error(`${what}: expected an input of rank ${rank} per sample ${hint}, received ${formatShape(shape)}`);
  }
}

/**
 * Throws unless `options` is an object holding only the keys the factory knows (a typo
 * would otherwise be ignored silently).
 */
export function optionsObject(where: string, options: unknown, keys: readonly string[]): asserts options is object {
  if (typeof options !== "object" || options === null) throw new Error(`${where}: expected an options object, received ${show(options)}`);
  checkKnownKeys(where, options, keys);
}

/**
 * An initializer by name, object, or `{ className, config }` descriptor (as a saved
 * topology carries parameterized ones); `fallback` (a Keras name) when undefined.
 */
export function initializer(where: string, arg: string, value: unknown, fallback: string): Initializer {
  if (value === undefined || value === null) return getInitializer(fallback);
  const d = value as { className?: unknown; config?: unknown; fill?: unknown };
  if (typeof value === "object" && typeof d.fill !== "function" && typeof d.className === "string" && typeof d.config === "object" && d.config !== null) {
    try {
      return initializerFromConfig(d.className, d.config as Record<string, unknown>);
    } catch (e) {
      throw new Error(`${where}: ${arg}: ${(e as Error).message}`);
    }
  }
  if (typeof value !== "string" && (typeof value !== "object" || typeof (value as Initializer).fill !== "function")) {
    throw new Error(`${where}: ${arg} must be an initializer name or object, received ${show(value)}`);
  }
  try {
    return getInitializer(value as string | Initializer);
  } catch (e) {
    throw new Error(`${where}: ${arg}: ${(e as Error).message}`);
  }
}

/** The config fields every layer shares: its name once it has one, and a declared inputShape. */
export function commonConfig(name: string, declaredInputShape: readonly number[] | null): Record<string, unknown> {
  return { ...(name ? { name } : {}), ...(declaredInputShape ? { inputShape: [...declaredInputShape] } : {}) };
}

/** The options of a layer with a kernel, an optional bias and an activation (Conv2D, Dense). */
export interface KernelOptions {
  /** Activation applied to the output ("linear" when none was given). */
  readonly activation: ActivationName;
  /** Whether the layer adds a bias (default true). */
  readonly useBias: boolean;
  /** Fills the kernel (default glorot-uniform). */
  readonly kernelInitializer: Initializer;
  /** Fills the bias (default zeros). */
  readonly biasInitializer: Initializer;
  /** Penalty on the kernel added to the loss (default none: null). */
  readonly kernelRegularizer: Regularizer | null;
}

/**
 * Checks the {@link KernelOptions} of a Conv2D or Dense factory and fills in Keras's
 * defaults (no activation, a bias, glorot-uniform kernel, zero bias, no regularizer), in this order.
 */
export function kernelOptions(where: string, options: { readonly [K in keyof KernelOptions]?: unknown }): KernelOptions {
  return {
    activation: activation(where, options.activation),
    useBias: bool(where, "useBias", options.useBias, true),
    kernelInitializer: initializer(where, "kernelInitializer", options.kernelInitializer, "glorotUniform"),
    biasInitializer: initializer(where, "biasInitializer", options.biasInitializer, "zeros"),
    kernelRegularizer: kernelRegularizer(where, options.kernelRegularizer),
  };
}

/** The config fields of {@link KernelOptions}, in Keras's order (they close a Conv2D or Dense config). */
export function kernelConfig(layer: KernelOptions): Record<string, unknown> {
  return {
    activation: layer.activation, useBias: layer.useBias, kernelInitializer: layer.kernelInitializer, biasInitializer: layer.biasInitializer,
    // Only when set, so that configs without one stay as they were.
    ...(layer.kernelRegularizer ? { kernelRegularizer: layer.kernelRegularizer } : {}),
  };
}

// ---- kernelRegularizer: the option's parsing (from the "training" helper; the penalty
// itself, its Keras serialization and the training-step hook are in ts/regularizers.ts).

/** The `kernelRegularizer` option of Conv2D and Dense: a regularizer, a name or a config; null when absent. */
export function kernelRegularizer(where: string, value: unknown): Regularizer | null {
  return value === undefined || value === null ? null : getRegularizer(where, "kernelRegularizer", value);
}
