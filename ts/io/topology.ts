/**
 * A Sequential model's layers as neutral descriptors, to and from the Keras JSON
 * `modelTopology` of a TF.js layers model.json.
 *
 * Written like TF.js 4.22: `{ class_name: "Sequential", config: { name, layers: [...] },
 * keras_version, backend }`, the input shape as `batch_input_shape: [null, ...]` (and
 * `dtype`) on the first layer. Read as TF.js and tf.keras write it, including a
 * `model_config` wrapper (files converted from Keras), an explicit `InputLayer` entry
 * (`batch_input_shape`, or Keras 3's `batch_shape`), and the older bare list of layers.
 */
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
}

/** A Sequential model's name and layers. */
export interface ModelDescription {
  name: string;
  layers: LayerDescriptor[];
}

/** Keys of a layer config that this file handles rather than keras_layers.ts. */
const INPUT_KEYS = ["name", "batch_input_shape", "batch_shape", "input_shape"];

/** `layer 2 ("dense", Dense)` for error messages. */
function layerWhere(index: number, name: unknown, className: unknown): string {
  return `layer ${index} (${typeof name === "string" ? `"${name}"` : "unnamed"}, ${String(className)})`;
}

/** Writes a model's description as the Keras JSON `modelTopology`. */
export function topologyToKeras(model: ModelDescription): JsonObject {
  readString(model.name, "model name");
  if (!Array.isArray(model.layers) || model.layers.length === 0) fail("model layers", model.layers, "at least one layer");
  const seen = new Set<string>();
  const layers = model.layers.map((layer, i) => {
    const where = layerWhere(i, layer.name, layer.className);
    if (typeof layer.name !== "string" || layer.name === "") fail(`${where} name`, layer.name, "a non-empty string");
    if (seen.has(layer.name)) throw new Error(`${where}: the name "${layer.name}" is used by two layers; weight names must be unique`);
    seen.add(layer.name);
    const config = layerConfigToKeras(layer.className, layer.config, where, ["name", "inputShape"]);
    config.name = layer.name;
    config.trainable = true;
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
  if (root.class_name !== "Sequential") {
    fail("modelTopology.class_name", root.class_name, '"Sequential" (only Sequential models are supported)');
  }
  // Keras before 2.2.3 wrote the layer list itself as the config.
  const config = Array.isArray(root.config) ? { layers: root.config } : readObject(root.config, "modelTopology.config");
  const name = config.name === undefined ? "sequential" : readString(config.name, "modelTopology.config.name");
  const entries = readArray(config.layers, "modelTopology.config.layers");

  let inputShape: number[] | null = null;
  const layers: LayerDescriptor[] = [];
  const names = new Set<string>();
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
    // A Set, not a search of `layers`: a model of many layers must load in linear time.
    if (names.has(layerName)) throw new Error(`${where}: the name "${layerName}" is used by two layers`);
    names.add(layerName);
    layers.push({ className, name: layerName, config: layerConfigFromKeras(className, layerConfig, where, INPUT_KEYS) });
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
function batchShape(config: JsonObject, where: string): number[] | null {
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

function readShape(value: unknown, where: string): number[] {
  const dims = readArray(value, where);
  if (dims.length === 0) fail(where, value, "at least one dimension");
  return dims.map((d, i) => readInt(d, `${where}[${i}]`));
}

/** An InputLayer may only say float32, dense, not ragged. */
function checkInputLayer(config: JsonObject, where: string): void {
  const allowed: Record<string, (v: unknown) => boolean> = {
    name: () => true,
    batch_input_shape: () => true,
    batch_shape: () => true,
    dtype: (v) => v === null || v === "float32" || (isJsonObject(v) && isJsonObject(v.config) && v.config.name === "float32"),
    sparse: (v) => v === false || v === null,
    ragged: (v) => v === false || v === null,
  };
  for (const [key, value] of Object.entries(config)) {
    const check = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!check) throw new Error(`${where}: option "${key}" of InputLayer is not supported`);
    if (!check(value)) fail(`${where} ${key}`, value, key === "dtype" ? '"float32"' : "false");
  }
}
