/**
 * A model's layers as neutral descriptors, to and from the Keras JSON `modelTopology` of
 * a TF.js layers model.json. A Sequential is a plain list of layers; a functional model
 * is written as tf.keras 2 writes one (functional.ts of this folder).
 *
 * Written like TF.js 4.22: `{ class_name: "Sequential", config: { name, layers: [...] },
 * keras_version, backend }`, the input shape as `batch_input_shape: [null, ...]` (and
 * `dtype`) on the first layer. Read as TF.js and tf.keras write it, including a
 * `model_config` wrapper (files converted from Keras), an explicit `InputLayer` entry
 * (`batch_input_shape`, or Keras 3's `batch_shape`), and the older bare list of layers.
 */
import { functionalFromKeras, functionalToKeras } from "./functional.js";
import { layerConfigFromKeras, layerConfigToKeras } from "./keras_layers.js";
import { type JsonObject, describeValue, fail, isJsonObject, readArray, readInt, readObject, readString } from "./json.js";

/** The version written into `keras_version` and `generatedBy`. */
export const SIMDNET_VERSION = "simdnet 0.1.0";

/** One layer as the model creates it: Keras class name, layer name, camelCase options. */
export interface LayerDescriptor {
  /** Keras class name: "Conv2D", "Dense", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dropout", "Activation". */
  className: string;
  /** The layer's name, e.g. "conv2d_1"; weights are saved as `${name}/kernel`, `${name}/bias`. */
  name: string;
  /** Options as the layer factories take them (filters, kernelSize, ..., inputShape on the first layer). */
  config: Record<string, unknown>;
  /** False for a frozen layer (Keras's `trainable`); absent means true. */
  trainable?: boolean;
}

/** How a functional model's layers connect (absent for a Sequential). */
export interface GraphDescription {
  /** The input layer. */
  input: {
    /** Its name, e.g. "input_layer". */
    name: string;
    /** Per-sample shape. */
    shape: number[];
  };
  /** Per layer (in `layers` order), the names of the layers (or the input) it reads, in order. */
  inbound: string[][];
  /** The name of the layer whose output is the model's output. */
  output: string;
}

/** A model's name and layers, and for a functional model how they connect. */
export interface ModelDescription {
  name: string;
  layers: LayerDescriptor[];
  /** Present for a functional model; a Sequential's layers form a chain. */
  graph?: GraphDescription | null;
}

/** Keys of a layer config that this file handles rather than keras_layers.ts. */
const INPUT_KEYS = ["name", "batch_input_shape", "batch_shape", "input_shape", "trainable"];

/** A layer's `trainable` from its Keras config (absent means true). */
export function readTrainable(config: JsonObject, where: string): boolean {
  const v = config.trainable;
  if (v === undefined || v === null) return true;
  if (typeof v !== "boolean") fail(`${where} trainable`, v, "true or false");
  return v as boolean;
}

/** One layer's Keras entry (`class_name`, `config` with name and trainable). */
export function layerToKeras(layer: LayerDescriptor, where: string): { class_name: string; config: JsonObject } {
  const config = layerConfigToKeras(layer.className, layer.config, where, ["name", "inputShape"]);
  config.name = layer.name;
  config.trainable = layer.trainable !== false;
  return { class_name: layer.className, config };
}

/** A descriptor from one layer's Keras config (`trainable` read here, the options by keras_layers.ts). */
export function layerFromKeras(className: string, layerName: string, layerConfig: JsonObject, where: string): LayerDescriptor {
  const trainable = readTrainable(layerConfig, where);
  // keras_layers.ts accepts only trainable: true; this file reads the flag itself.
  const { trainable: _read, ...options } = layerConfig;
  const config = layerConfigFromKeras(className, options, where, INPUT_KEYS);
  return { className, name: layerName, config, ...(trainable ? {} : { trainable: false }) };
}

/** `layer 2 ("dense", Dense)` for error messages. */
export function layerWhere(index: number, name: unknown, className: unknown): string {
  return `layer ${index} (${typeof name === "string" ? `"${name}"` : "unnamed"}, ${String(className)})`;
}

/** Writes a model's description as the Keras JSON `modelTopology`. */
export function topologyToKeras(model: ModelDescription): JsonObject {
  readString(model.name, "model name");
  if (model.graph) return functionalToKeras(model, model.graph);
  if (!Array.isArray(model.layers) || model.layers.length === 0) fail("model layers", model.layers, "at least one layer");
  const seen = new Set<string>();
  const layers = model.layers.map((layer, i) => {
    const where = layerWhere(i, layer.name, layer.className);
    if (typeof layer.name !== "string" || layer.name === "") fail(`${where} name`, layer.name, "a non-empty string");
    if (seen.has(layer.name)) throw new Error(`${where}: the name "${layer.name}" is used by two layers; weight names must be unique`);
    seen.add(layer.name);
    const { config } = layerToKeras(layer, where);
    if (i === 0) {
      config.batch_input_shape = [null, ...readShape(layer.config.inputShape, `${where} inputShape`)];
      config.dtype = "float32";
    }
    return { class_name: layer.className, config };
  });
  return { class_name: "Sequential", config: { name: model.name, layers }, keras_version: SIMDNET_VERSION, backend: "simdnet" };
}

/**
 * Reads a Keras JSON `modelTopology` into descriptors. Unsupported models, layers and
 * options throw an Error naming the layer and the option.
 */
export function topologyFromKeras(topology: unknown): ModelDescription {
  let root = readObject(topology, "modelTopology");
  if (root.model_config !== undefined) root = readObject(root.model_config, "modelTopology.model_config");
  if (root.class_name === "Functional" || root.class_name === "Model") return functionalFromKeras(root);
  if (root.class_name !== "Sequential") {
    fail("modelTopology.class_name", root.class_name, '"Sequential", "Functional" or "Model"');
  }
  // Keras before 2.2.3 wrote the layer list itself as the config.
  const config = Array.isArray(root.config) ? { layers: root.config } : readObject(root.config, "modelTopology.config");
  const name = config.name === undefined ? "sequential" : readString(config.name, "modelTopology.config.name");
  const entries = readArray(config.layers, "modelTopology.config.layers");

  let inputShape: number[] | null = null;
  const layers: LayerDescriptor[] = [];
  entries.forEach((entry, i) => {
    const item = readObject(entry, `modelTopology.config.layers[${i}]`);
    const layerConfig = readObject(item.config, `modelTopology.config.layers[${i}].config`);
    const where = layerWhere(i, layerConfig.name, item.class_name);
    const shape = batchShape(layerConfig, where);
    if (item.class_name === "InputLayer") {
      if (i !== 0) throw new Error(`${where}: an InputLayer may only come first`);
      checkInputLayer(layerConfig, where);
      if (shape === null) throw new Error(`${where}: the InputLayer has no batch_input_shape`);
      inputShape = shape;
      return;
    }
    if (shape !== null) {
      if (layers.length > 0) throw new Error(`${where}: only the first layer may carry an input shape`);
      if (inputShape !== null && describeValue(inputShape) !== describeValue(shape)) {
        throw new Error(`${where}: batch_input_shape gives input ${describeValue(shape)} but the InputLayer gives ${describeValue(inputShape)}`);
      }
      inputShape = shape;
    }
    const className = readString(item.class_name, `${where} class_name`);
    const layerName = readString(layerConfig.name, `${where} name`);
    if (layers.some((l) => l.name === layerName)) throw new Error(`${where}: the name "${layerName}" is used by two layers`);
    layers.push(layerFromKeras(className, layerName, layerConfig, where));
  });
  if (layers.length === 0) throw new Error("modelTopology.config.layers: the model has no layers besides an InputLayer");
  if (inputShape === null && config.build_input_shape != null) {
    inputShape = readBatchShape(config.build_input_shape, "modelTopology.config.build_input_shape");
  }
  if (inputShape === null) {
    throw new Error(`${layerWhere(0, layers[0]!.name, layers[0]!.className)}: no input shape; expected batch_input_shape on the first layer or an InputLayer`);
  }
  layers[0]!.config.inputShape = inputShape;
  return { name, layers };
}

/**
 * The input shape from `batch_input_shape` / `batch_shape` (or a hand-written
 * `input_shape` without the batch axis), or null when none is there.
 */
export function batchShape(config: JsonObject, where: string): number[] | null {
  if (config.input_shape != null && config.batch_input_shape == null && config.batch_shape == null) {
    return readShape(config.input_shape, `${where} input_shape`);
  }
  const key = config.batch_input_shape !== undefined ? "batch_input_shape" : config.batch_shape !== undefined ? "batch_shape" : null;
  return key === null || config[key] === null ? null : readBatchShape(config[key], `${where} ${key}`);
}

/** `[null | n, d1, d2, ...]` -> `[d1, d2, ...]`. */
function readBatchShape(value: unknown, where: string): number[] {
  const dims = readArray(value, where);
  if (dims.length < 2 || !(dims[0] === null || Number.isSafeInteger(dims[0]))) {
    fail(where, value, "[null, ...input dimensions]");
  }
  return dims.slice(1).map((d, i) => readInt(d, `${where}[${i + 1}]`));
}

export function readShape(value: unknown, where: string): number[] {
  const dims = readArray(value, where);
  if (dims.length === 0) fail(where, value, "at least one dimension");
  return dims.map((d, i) => readInt(d, `${where}[${i}]`));
}

/** An InputLayer may only say float32, dense, not ragged. */
export function checkInputLayer(config: JsonObject, where: string): void {
  const allowed: Record<string, (v: unknown) => boolean> = {
    name: () => true,
    batch_input_shape: () => true,
    batch_shape: () => true,
    dtype: (v) => v === null || v === "float32" || (isJsonObject(v) && isJsonObject(v.config) && v.config.name === "float32"),
    sparse: (v) => v === false || v === null,
    ragged: (v) => v === false || v === null,
    // Keras 3 writes it on every InputLayer; true (an input that may be None) is not supported.
    optional: (v) => v === false || v === null,
  };
  for (const [key, value] of Object.entries(config)) {
    const check = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!check) throw new Error(`${where}: option "${key}" of InputLayer is not supported`);
    if (!check(value)) fail(`${where} ${key}`, value, key === "dtype" ? '"float32"' : "false");
  }
}
