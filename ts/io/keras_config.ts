/**
 * The pieces a layer's file uses to say how its options look in Keras JSON (snake_case,
 * as tf.keras and TF.js 4.22 write them): {@link LayerFormat}, option readers, and the
 * options and fixed keys many layers share. keras_layers.ts applies the formats; each
 * layer family states its own (see ts/layers/kind.ts).
 *
 * A format lists a class's options (translated both ways, validated, Keras's defaults
 * filled when a key is missing) and its fixed keys: Keras options we do not implement,
 * accepted only with the value that means "off" (no regularizer, channels_last, ...), and
 * written with that value so that TF.js and Keras read the full config they expect.
 */
import type { ActivationName } from "../layers/args.js";
import { getRegularizer, serializeRegularizerTfjs } from "../regularizers.js";
import { initializerFromKeras, initializerToKeras } from "./keras_initializers.js";
import { fail, isJsonObject, readBoolean, readInt, readNumber, readPair } from "./json.js";

/** One option: its Keras key, our camelCase name, how to read and write it, its default. */
export interface Option {
  keras: string;
  camel: string;
  /** Validates a Keras value and returns it as our option. */
  read(value: unknown, where: string): unknown;
  /** Validates our option and returns it as Keras JSON; `read` when both sides agree. */
  write?(value: unknown, where: string): unknown;
  /** Value when the key is missing; `undefined` makes the option required. */
  fallback?: unknown;
}

/** A Keras key we accept only with its neutral value. */
export interface Fixed {
  keras: string;
  /** Value written on save; undefined for keys TF.js 4.22 does not write itself. */
  value: unknown;
  /** True when a value read from a model.json is harmless. */
  accepts(value: unknown): boolean;
  expected: string;
}

/** How one layer class is written and read. */
export interface LayerFormat {
  options: Option[];
  fixed: Fixed[];
  /** Adjusts the options read from Keras (e.g. pooling strides null meaning the pool size). */
  afterRead?(options: Record<string, unknown>): void;
}

/** Our activation names whose Keras 3 name differs (Keras writes "silu" for swish). */
const KERAS_ACTIVATION_NAMES: Partial<Record<ActivationName, string>> = { swish: "silu", hardSigmoid: "hard_sigmoid" };

/** Keras names read as ours ("swish" is what Keras 2 wrote for silu). */
const ACTIVATION_FROM_KERAS: Record<string, ActivationName> = {
  linear: "linear", relu: "relu", sigmoid: "sigmoid", tanh: "tanh", softmax: "softmax",
  relu6: "relu6", elu: "elu", selu: "selu", silu: "swish", swish: "swish", gelu: "gelu", gelu_new: "gelu_new", hard_sigmoid: "hardSigmoid",
};

export const readPadding = (value: unknown, where: string): unknown => {
  const v = typeof value === "string" ? value.toLowerCase() : value;
  return v === "valid" || v === "same" ? v : fail(where, value, '"valid" or "same"');
};

const readActivation = (value: unknown, where: string): unknown => {
  if (value === null) return "linear";
  if (typeof value === "string" && Object.hasOwn(ACTIVATION_FROM_KERAS, value)) return ACTIVATION_FROM_KERAS[value];
  return fail(where, value, `one of ${Object.keys(ACTIVATION_FROM_KERAS).join(", ")}`);
};

const writeActivation = (value: unknown, where: string): unknown => {
  const name = readActivation(value, where) as ActivationName;
  if (value !== name) fail(where, value, "one of our activation names");
  return KERAS_ACTIVATION_NAMES[name] ?? name;
};

export const positive = (value: unknown, where: string): unknown => readInt(value, where);
export const pair = (value: unknown, where: string): unknown => readPair(value, where);
export const bool = (value: unknown, where: string): unknown => readBoolean(value, where);
export const number = (value: unknown, where: string): unknown => readNumber(value, where);

export const kernelInitializer: Option = {
  keras: "kernel_initializer",
  camel: "kernelInitializer",
  read: initializerFromKeras,
  write: initializerToKeras,
  fallback: "glorotUniform",
};
// Spelled out, not spread from kernelInitializer: a top-level spread is not provably pure
// and would keep the initializer code in apps that never load a model (docs/browser.md).
export const biasInitializer: Option = { keras: "bias_initializer", camel: "biasInitializer", read: initializerFromKeras, write: initializerToKeras, fallback: "zeros" };
/**
 * A kernel regularizer: null (none) or a Keras/TF.js config, read as a {@link Regularizer}
 * and written as TensorFlow.js writes one (L1L2, the one class it registers; Keras 3
 * loads it too and computes the same penalty).
 */
export const kernelRegularizer: Option = {
  keras: "kernel_regularizer",
  camel: "kernelRegularizer",
  read: (value, where) => (value === null ? null : getRegularizer(where, "kernelRegularizer", value)),
  write: (value, where) => (value === null ? null : serializeRegularizerTfjs(getRegularizer(where, "kernelRegularizer", value))),
  fallback: null,
};
export const activation: Option = { keras: "activation", camel: "activation", read: readActivation, write: writeActivation, fallback: "linear" };
export const useBias: Option = { keras: "use_bias", camel: "useBias", read: bool, fallback: true };
export const padding: Option = { keras: "padding", camel: "padding", read: readPadding, fallback: "valid" };

export const isNull = (v: unknown): boolean => v === null;
/** Keys accepted only as null (regularizers, constraints). */
export const nulls = (...keys: string[]): Fixed[] => keys.map((keras) => ({ keras, value: null, accepts: isNull, expected: "null" }));
export const channelsLast: Fixed = {
  keras: "data_format",
  value: "channels_last",
  accepts: (v) => v === null || v === "channels_last",
  expected: '"channels_last" (NHWC; channels_first is not supported)',
};
export const oneGroup: Fixed = { keras: "groups", value: undefined, accepts: (v) => v === 1, expected: "1 (grouped convolution is not supported)" };

/** Keys every layer may carry. `name` and the input shape are handled by topology.ts. */
export const COMMON_FIXED: Fixed[] = [
  { keras: "trainable", value: true, accepts: (v) => v === true, expected: "true (frozen layers are not supported)" },
  {
    keras: "dtype",
    value: "float32",
    // Keras 3 writes a DTypePolicy object instead of the string.
    accepts: (v) => v === null || v === "float32" || (isJsonObject(v) && isJsonObject(v.config) && v.config.name === "float32"),
    expected: '"float32"',
  },
];
