/**
 * The configs of each supported layer class, between our camelCase layer options and
 * Keras's snake_case JSON (as tf.keras and TF.js 4.22 write them).
 *
 * Each class lists its options (translated both ways, validated, Keras's defaults filled
 * when a key is missing) and its fixed keys: Keras options we do not implement, accepted
 * only with the value that means "off" (no regularizer, channels_last, dilation 1, ...),
 * and written with that value so that TF.js and Keras read the full config they expect.
 * Any other key is an error naming the layer and the key: silently dropping an option
 * could change what the model computes.
 */
import { initializerFromKeras, initializerToKeras } from "./keras_initializers.js";
import { type JsonObject, fail, isJsonObject, readBoolean, readInt, readNumber, readPair } from "./json.js";

/** Activations our layers implement (Keras names). */
export const ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"] as const;

interface Option {
  keras: string;
  camel: string;
  /** Validates a Keras value and returns it as our option. */
  read(value: unknown, where: string): unknown;
  /** Validates our option and returns it as Keras JSON; `read` when both sides agree. */
  write?(value: unknown, where: string): unknown;
  /** Value when the key is missing; `undefined` makes the option required. */
  fallback?: unknown;
}

interface Fixed {
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
}

const readPadding = (value: unknown, where: string): unknown => {
  const v = typeof value === "string" ? value.toLowerCase() : value;
  return v === "valid" || v === "same" ? v : fail(where, value, '"valid" or "same"');
};

const readActivation = (value: unknown, where: string): unknown => {
  if (value === null) return "linear";
  return (ACTIVATIONS as readonly unknown[]).includes(value) ? value : fail(where, value, `one of ${ACTIVATIONS.join(", ")}`);
};

const readRate = (value: unknown, where: string): unknown => {
  const rate = readNumber(value, where);
  return rate >= 0 && rate < 1 ? rate : fail(where, value, "a number in [0, 1)");
};

const readSeed = (value: unknown, where: string): unknown =>
  value === null || Number.isSafeInteger(value) ? value : fail(where, value, "a whole number or null");

const positive = (value: unknown, where: string): unknown => readInt(value, where);
const pair = (value: unknown, where: string): unknown => readPair(value, where);
const bool = (value: unknown, where: string): unknown => readBoolean(value, where);

const kernelInitializer: Option = {
  keras: "kernel_initializer",
  camel: "kernelInitializer",
  read: initializerFromKeras,
  write: initializerToKeras,
  fallback: "glorotUniform",
};
const biasInitializer: Option = { ...kernelInitializer, keras: "bias_initializer", camel: "biasInitializer", fallback: "zeros" };
const activation: Option = { keras: "activation", camel: "activation", read: readActivation, fallback: "linear" };
const useBias: Option = { keras: "use_bias", camel: "useBias", read: bool, fallback: true };
const padding: Option = { keras: "padding", camel: "padding", read: readPadding, fallback: "valid" };

const isNull = (v: unknown): boolean => v === null;
const nulls = (...keys: string[]): Fixed[] => keys.map((keras) => ({ keras, value: null, accepts: isNull, expected: "null" }));
const channelsLast: Fixed = {
  keras: "data_format",
  value: "channels_last",
  accepts: (v) => v === null || v === "channels_last",
  expected: '"channels_last" (NHWC; channels_first is not supported)',
};
const noDilation: Fixed = {
  keras: "dilation_rate",
  value: [1, 1],
  accepts: (v) => v === 1 || (Array.isArray(v) && v.length === 2 && v[0] === 1 && v[1] === 1),
  expected: "1 or [1, 1] (dilated convolution is not supported)",
};
const oneGroup: Fixed = { keras: "groups", value: undefined, accepts: (v) => v === 1, expected: "1 (grouped convolution is not supported)" };

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

/** Formats of the layer classes we support, by Keras class name. */
export const LAYER_FORMATS: Record<string, LayerFormat> = {
  Conv2D: {
    options: [
      { keras: "filters", camel: "filters", read: positive },
      { keras: "kernel_size", camel: "kernelSize", read: pair },
      { keras: "strides", camel: "strides", read: pair, fallback: [1, 1] },
      padding,
      activation,
      useBias,
      kernelInitializer,
      biasInitializer,
    ],
    fixed: [channelsLast, noDilation, oneGroup, ...nulls("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")],
  },
  Dense: {
    options: [{ keras: "units", camel: "units", read: positive }, activation, useBias, kernelInitializer, biasInitializer],
    fixed: [
      ...nulls("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"),
      { keras: "lora_rank", value: undefined, accepts: isNull, expected: "null (LoRA is not supported)" },
    ],
  },
  MaxPooling2D: poolingFormat(),
  AveragePooling2D: poolingFormat(),
  Flatten: { options: [], fixed: [{ ...channelsLast, value: undefined }] },
  // Merge layers (ts/layers/merge.ts); the shapes are checked when the layer is built.
  Add: { options: [], fixed: [] },
  Concatenate: {
    options: [{ keras: "axis", camel: "axis", read: (v, where) => (Number.isSafeInteger(v) ? v : fail(where, v, "a whole number")), fallback: -1 }],
    fixed: [],
  },
  Dropout: {
    options: [
      { keras: "rate", camel: "rate", read: readRate },
      { keras: "seed", camel: "seed", read: readSeed, fallback: null },
    ],
    fixed: nulls("noise_shape"),
  },
  Activation: { options: [{ ...activation, fallback: undefined }], fixed: [] },
};

function poolingFormat(): LayerFormat {
  return {
    options: [
      { keras: "pool_size", camel: "poolSize", read: pair, fallback: [2, 2] },
      // Keras writes `strides: null` for "same as pool_size"; resolved in layerConfigFromKeras.
      { keras: "strides", camel: "strides", read: (v, w) => (v === null ? null : readPair(v, w)), fallback: null },
      padding,
    ],
    fixed: [channelsLast],
  };
}

/** The format of a class, or an error listing the supported ones. */
export function layerFormat(className: string, where: string): LayerFormat {
  const format = Object.hasOwn(LAYER_FORMATS, className) ? LAYER_FORMATS[className] : undefined;
  if (!format) fail(`${where} class_name`, className, `one of ${Object.keys(LAYER_FORMATS).join(", ")}, InputLayer`);
  return format;
}

/**
 * Reads a Keras layer config into our camelCase options, all present (defaults filled).
 * `ignored` lists keys the caller handles (name, input shape). `where` names the layer.
 */
export function layerConfigFromKeras(className: string, config: JsonObject, where: string, ignored: readonly string[]): Record<string, unknown> {
  const format = layerFormat(className, where);
  const out: Record<string, unknown> = {};
  for (const option of format.options) {
    const value = config[option.keras];
    if (value === undefined) {
      if (option.fallback === undefined) throw new Error(`${where}: the config has no "${option.keras}"; ${className} needs it`);
      out[option.camel] = option.fallback;
    } else {
      out[option.camel] = option.read(value, `${where} ${option.keras}`);
    }
  }
  if ("poolSize" in out && out.strides === null) out.strides = out.poolSize;
  if (className === "Dropout" && out.seed === null) delete out.seed;
  const known = new Set([...format.options.map((o) => o.keras), ...ignored]);
  for (const fixed of [...format.fixed, ...COMMON_FIXED]) {
    known.add(fixed.keras);
    const value = config[fixed.keras];
    if (value !== undefined && !fixed.accepts(value)) fail(`${where} ${fixed.keras}`, value, fixed.expected);
  }
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new Error(`${where}: option "${key}" of ${className} is not supported`);
  }
  return out;
}

/**
 * Writes our camelCase options as a full Keras config (TF.js's key set), without name and
 * input shape. Unknown options are an error rather than lost in the saved file.
 */
export function layerConfigToKeras(className: string, config: Record<string, unknown>, where: string, ignored: readonly string[]): JsonObject {
  const format = layerFormat(className, where);
  const out: JsonObject = {};
  const known = new Set(ignored);
  for (const option of format.options) {
    known.add(option.camel);
    let value = config[option.camel];
    if (value === undefined) {
      if (option.fallback === undefined) throw new Error(`${where}: option "${option.camel}" is missing; ${className} needs it`);
      value = option.fallback;
    }
    // Pooling strides default to the pool size, which was written just before.
    if (option.keras === "strides" && value === null) value = out.pool_size;
    out[option.keras] = (option.write ?? option.read)(value, `${where} ${option.camel}`);
  }
  for (const fixed of format.fixed) if (fixed.value !== undefined) out[fixed.keras] = fixed.value;
  for (const key of Object.keys(config)) {
    if (!known.has(key) && config[key] !== undefined) {
      throw new Error(`${where}: option "${key}" of ${className} cannot be saved in the TF.js layers format`);
    }
  }
  return out;
}
