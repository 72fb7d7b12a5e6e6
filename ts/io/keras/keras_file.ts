/**
 * `.keras` and legacy `.h5` files, read into and written from what the TF.js layers
 * format holds: a Keras-2-style topology and named float32 weights ("conv2d/kernel").
 *
 * Layouts (Keras 3.15, keras/src/saving/saving_lib.py and legacy/saving/legacy_h5_format.py):
 * - `.keras`: a zip of config.json (the model config, Keras 3 form), metadata.json
 *   (`keras_version`, `date_saved`) and model.weights.h5, where layer k of `model.layers`
 *   keeps its variables as datasets `layers/<key>/vars/0, 1, ...`. The key is the
 *   snake_case class name plus `_1`, `_2`, ... for repeats ("conv2d", "conv2d_1",
 *   "batch_normalization"), not the layer's name, which the `vars` group records in its
 *   `name` attribute. A Sequential's layers exclude its InputLayer; a functional model's
 *   include them.
 * - `.h5`: root attributes `model_config` (JSON), `keras_version`, `backend`; group
 *   `model_weights` with attribute `layer_names` and, per layer, a group with attribute
 *   `weight_names` naming its datasets ("conv2d/kernel:0" in tf.keras 2,
 *   "lenet5/conv2d/kernel" in Keras 3), in the layer's variable order.
 *
 * Reading checks the config (and refuses what simdnet lacks, support.ts) before it reads
 * any weight; every weight's declared shape is checked before its data is read.
 */
import type { TrainingState } from "../../model/training_state.js";
import { describedWeights } from "../functional.js";
import { type JsonObject, isJsonObject, readString } from "../json.js";
import { SIMDNET_VERSION, topologyFromKeras } from "../topology.js";
import { configToKeras2, configToKeras3 } from "./config.js";
import { type H5Item, type H5Reader, readH5, writeH5 } from "./hdf5.js";
import { decodeUtf8, parseBoundedJson } from "./json_text.js";
import { type KerasTrainingParts, type StoredOptimizerVariables, UnsupportedCompile, kerasJson, kerasTrainingParts, trainingFromKeras } from "./optimizer_state.js";
import { checkSupported, layerWeightNames } from "./support.js";
import { listZip, readZipEntries, writeZip } from "./zip.js";

/** One named weight: "layer/weight" as in the TF.js layers format. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What a Keras file holds, in the TF.js layers format's terms. */
export interface KerasFileContents {
  /** The file's format. */
  format: "keras" | "h5";
  /** The model config as a Keras-2-style topology (what topology.ts reads). */
  topology: JsonObject;
  /** Every weight, per layer in config order, each layer's in Keras's variable order. */
  weights: NamedWeight[];
  /** The Keras version that wrote the file, when it says. */
  kerasVersion: string | null;
  /**
   * The compile settings and optimizer state, when the file has them and simdnet can
   * honour them; the slots are in the order of `trainable` (Keras's
   * `model.trainable_variables`, "layer/weight" names).
   */
  training: { state: TrainingState; trainable: string[] } | null;
  /** Why a file's compile settings were not loaded (the model loads uncompiled), or null. */
  compileSkipped: string | null;
  /**
   * simdnet's class names, when the file has them (metadata.json `class_names` in a
   * `.keras`, the root attribute `class_names` in an `.h5`; Keras ignores both), unchecked.
   */
  classNames?: unknown;
}

/** The Keras version whose file layout we write (recorded in the files, as Keras does). */
export const WRITTEN_KERAS_VERSION = "3.15.1";

const CONFIG = "config.json";
const METADATA = "metadata.json";
const WEIGHTS = "model.weights.h5";

/** Keras's `to_snake_case` (keras/src/utils/naming.py). */
export function snakeCase(name: string): string {
  return name.replace(/\W+/g, "").replace(/(.)([A-Z][a-z]+)/g, "$1_$2").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

interface LayerInfo {
  name: string;
  className: string;
  config: JsonObject;
}

/** The topology's layers in `model.layers` order, as the weights files list them. */
function layersOf(topology: JsonObject): LayerInfo[] {
  const config = topology.config as JsonObject;
  const all = (config.layers as JsonObject[]).map((l) => ({ name: String((l.config as JsonObject).name), className: String(l.class_name), config: l.config as JsonObject }));
  return topology.class_name === "Sequential" ? all.filter((l) => l.className !== "InputLayer") : all;
}

/** `.keras` weight-file keys of `layers`, as saving_lib's `_get_unique_name` makes them. */
function weightKeys(layers: readonly LayerInfo[]): string[] {
  const used = new Map<string, number>();
  return layers.map((l) => {
    const base = snakeCase(l.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

/** The config text of a Keras file as a checked Keras-2-style topology, and its `compile_config`. */
function readConfig(text: string, where: string): { topology: JsonObject; compile: unknown } {
  const raw = parseBoundedJson(text, where);
  const topology = configToKeras2(raw, where);
  checkSupported(topology, where);
  return { topology, compile: isJsonObject(raw) ? raw.compile_config : undefined };
}

/** Weights Keras trains, by "layer/weight" name, in `model.trainable_variables` order. */
function kerasTrainableNames(topology: JsonObject): string[] {
  return layersOf(topology)
    .filter((l) => l.config.trainable !== false)
    .flatMap((l) => layerWeightNames(l.className, l.config).filter((w) => w !== "moving_mean" && w !== "moving_variance").map((w) => `${l.name}/${w}`));
}

/** The names of simdnet's trainable weights of a model's (checked) topology, in its slot order. */
export function ourTrainableNames(topology: JsonObject): string[] {
  return describedWeights(topologyFromKeras(topology)).filter((w) => w.trainable).map((w) => w.name);
}

/**
 * The training state from a file's compile settings and optimizer variables (`stored`
 * is read only when the settings are supported), or why it is skipped. `weights` are
 * the model's weights as read, which give the trainable ones their shapes.
 */
function readTraining(topology: JsonObject, compile: unknown, weights: readonly NamedWeight[], stored: () => StoredOptimizerVariables | null, where: string): Pick<KerasFileContents, "training" | "compileSkipped"> {
  // Keras writes `compile_config: {}` for a model that was never compiled.
  if (compile === undefined || compile === null || (isJsonObject(compile) && Object.keys(compile).length === 0)) return { training: null, compileSkipped: null };
  try {
    if (!isJsonObject(compile)) throw new UnsupportedCompile("the compile settings are not a JSON object");
    const shapes = new Map(weights.map((w) => [w.name, w.shape]));
    const trainable = kerasTrainableNames(topology).map((name) => ({ name, shape: shapes.get(name)! }));
    return { training: { state: trainingFromKeras(compile, stored(), trainable, where), trainable: trainable.map((w) => w.name) }, compileSkipped: null };
  } catch (e) {
    if (e instanceof UnsupportedCompile) return { training: null, compileSkipped: e.message };
    throw e;
  }
}

/**
 * A training state (a model's `getTrainingState()`) in Keras's terms, for the model of
 * `topology` (Keras-2-style, as ts/io makes it).
 */
export function kerasTrainingOf(topology: JsonObject, weights: readonly NamedWeight[], state: TrainingState, where: string): KerasTrainingParts {
  const checked = configToKeras2(topology.model_config ?? topology, where);
  const shapes = new Map(weights.map((w) => [w.name, w.shape]));
  const keras = kerasTrainableNames(checked).map((name) => {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`${where}: the model has no weight "${name}"`);
    return { name, shape };
  });
  return kerasTrainingParts(state, ourTrainableNames(checked), keras);
}

/** Optimizer variables at `paths` of `file`, in Keras's order. */
function storedVariables(file: H5Reader, paths: readonly string[]): StoredOptimizerVariables {
  return {
    count: paths.length,
    shape: (i) => file.datasetShape(paths[i]!),
    counter: (i) => file.readCounter(paths[i]!),
    floats: (i) => file.readFloat32(paths[i]!),
  };
}

/** Reads a `.keras` file. `where` names it in errors. */
export async function readKerasFile(bytes: Uint8Array, where = "model.keras"): Promise<KerasFileContents> {
  listZip(bytes, where);
  const head = await readZipEntries(bytes, [CONFIG], where, { entryBytes: 64 * 1024 * 1024 });
  const { topology, compile } = readConfig(decodeUtf8(head.get(CONFIG)!, `${where}: ${CONFIG}`), `${where}: ${CONFIG}`);
  let kerasVersion: string | null = null;
  let classNames: unknown;
  if (listZip(bytes, where).some((e) => e.name === METADATA)) {
    const meta = parseBoundedJson(decodeUtf8((await readZipEntries(bytes, [METADATA], where, { entryBytes: 1024 * 1024 })).get(METADATA)!, `${where}: ${METADATA}`), `${where}: ${METADATA}`);
    const version = (meta as JsonObject | null)?.keras_version;
    kerasVersion = typeof version === "string" ? version : null;
    classNames = isJsonObject(meta) ? meta.class_names : undefined;
  }
  const h5bytes = (await readZipEntries(bytes, [WEIGHTS], where)).get(WEIGHTS)!;
  const inner = `${where}: ${WEIGHTS}`;
  return readH5(h5bytes, inner, (file) => {
    const layers = layersOf(topology);
    const keys = weightKeys(layers);
    const weights = layers.flatMap((layer, i) => {
      const names = layerWeightNames(layer.className, layer.config);
      const group = `layers/${keys[i]}/vars`;
      const at = `${inner}: layer "${layer.name}" (${layer.className}) at ${group}`;
      if (file.kind(group) !== "group") {
        if (names.length === 0) return [];
        throw new Error(`${at} is missing; the weights do not match the config`);
      }
      const recorded = file.stringAttribute(group, "name");
      if (recorded !== undefined && recorded !== layer.name) throw new Error(`${at} records the layer name "${recorded}"; the weights do not match the config`);
      const stored = file.keys(group);
      if (stored.length !== names.length) {
        throw new Error(`${at} holds ${stored.length} weights, expected ${names.length} (${names.join(", ") || "none"})`);
      }
      return names.map((w, k) => ({ name: `${layer.name}/${w}`, ...file.readFloat32(`${group}/${k}`) }));
    });
    const training = readTraining(topology, compile, weights, () => {
      if (file.kind("optimizer/vars") !== "group") return null;
      const count = file.keys("optimizer/vars").length;
      // Keras names them by position; any other member is a damaged file.
      const paths = Array.from({ length: count }, (_, i) => `optimizer/vars/${i}`);
      paths.forEach((p) => {
        if (file.kind(p) !== "dataset") throw new Error(`${inner}: optimizer/vars holds ${count} members but no dataset "${baseName(p)}"`);
      });
      return storedVariables(file, paths);
    }, inner);
    return { format: "keras" as const, topology, weights, kerasVersion, ...training, classNames };
  });
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** An attribute Keras may have split into `name0`, `name1`, ... when it was too large. */
function splitStrings(file: H5Reader, path: string, name: string): string[] | undefined {
  const whole = file.stringsAttribute(path, name);
  if (whole !== undefined) return whole;
  const parts: string[] = [];
  for (let k = 0; ; k++) {
    const part = file.stringsAttribute(path, `${name}${k}`);
    if (part === undefined) return k === 0 ? undefined : parts;
    parts.push(...part);
  }
}

/** Reads a legacy `.h5` file (Keras 3 or tf.keras 2). `where` names it in errors. */
export async function readH5File(bytes: Uint8Array, where = "model.h5"): Promise<KerasFileContents> {
  return readH5(bytes, where, (file) => {
    const configText = file.stringAttribute("/", "model_config");
    if (configText === undefined) {
      throw new Error(`${where} has no model_config attribute: it holds weights only (save_weights), not a model; load it into a model built in code instead`);
    }
    const { topology } = readConfig(configText, `${where}: model_config`);
    const kerasVersion = file.stringAttribute("/", "keras_version") ?? null;
    if (file.kind("model_weights") !== "group") throw new Error(`${where} has no model_weights group`);
    const listed = splitStrings(file, "model_weights", "layer_names");
    if (listed === undefined) throw new Error(`${where}: model_weights has no layer_names attribute`);
    const weights = layersOf(topology).flatMap((layer) => {
      const names = layerWeightNames(layer.className, layer.config);
      if (names.length === 0) return [];
      const group = `model_weights/${layer.name}`;
      const at = `${where}: layer "${layer.name}" (${layer.className})`;
      if (!listed.includes(layer.name) || file.kind(group) !== "group") throw new Error(`${at} has no weights in model_weights`);
      const stored = splitStrings(file, group, "weight_names") ?? [];
      if (stored.length !== names.length) {
        throw new Error(`${at} has ${stored.length} weights (${stored.join(", ") || "none"}), expected ${names.length} (${names.join(", ")})`);
      }
      return names.map((w, k) => ({ name: `${layer.name}/${w}`, ...file.readFloat32(`${group}/${stored[k]}`) }));
    });
    const version = typeof kerasVersion === "string" ? kerasVersion : null;
    const trainingText = file.stringAttribute("/", "training_config");
    const compile = trainingText === undefined ? undefined : parseBoundedJson(trainingText, `${where}: training_config`);
    const training = version !== null && !version.startsWith("3.") && compile !== undefined
      ? { training: null, compileSkipped: `the file was written by Keras ${version}, whose optimizer variables simdnet does not read (it reads Keras 3's)` }
      : readTraining(topology, compile, weights, () => {
        if (file.kind("optimizer_weights") !== "group") return null;
        const names = splitStrings(file, "optimizer_weights", "weight_names") ?? [];
        return storedVariables(file, names.map((n) => `optimizer_weights/${n}`));
      }, where);
    return { format: "h5" as const, topology, weights, kerasVersion: version, ...training, classNames: file.stringsAttribute("/", "class_names") };
  });
}

/** Weights by name, each used exactly once, per layer in Keras's variable order. */
function weightsByLayer(topology: JsonObject, weights: readonly NamedWeight[], where: string): { layer: LayerInfo; key: string; values: NamedWeight[] }[] {
  const byName = new Map(weights.map((w) => [w.name, w]));
  if (byName.size !== weights.length) throw new Error(`${where}: two weights share a name`);
  const layers = layersOf(topology);
  const keys = weightKeys(layers);
  const out = layers.map((layer, i) => ({
    layer,
    key: keys[i]!,
    values: layerWeightNames(layer.className, layer.config).map((w) => {
      const name = `${layer.name}/${w}`;
      const value = byName.get(name);
      if (!value) throw new Error(`${where}: weight "${name}" of layer "${layer.name}" (${layer.className}) is missing`);
      if (value.data.length !== value.shape.reduce((a, b) => a * b, 1)) throw new Error(`${where}: weight "${name}" has ${value.data.length} values for shape [${value.shape.join(", ")}]`);
      byName.delete(name);
      return value;
    }),
  }));
  if (byName.size > 0) throw new Error(`${where}: weights ${[...byName.keys()].join(", ")} belong to no layer of the model`);
  return out;
}

/**
 * Writes a `.keras` file from a Keras-2-style topology (as ts/io makes for the TF.js
 * layers format) and its named weights, in the layout Keras 3 writes and reads.
 */
export async function writeKerasFile(topology: JsonObject, weights: readonly NamedWeight[], where = "save .keras", training: KerasTrainingParts | null = null, classNames: readonly string[] | null = null): Promise<Uint8Array> {
  const checked = configToKeras2(topology.model_config ?? topology, where);
  checkSupported(checked, where);
  const config = configToKeras3(checked, where);
  const items: H5Item[] = [{ kind: "group", path: "layers" }];
  for (const { layer, key, values } of weightsByLayer(checked, weights, where)) {
    items.push({ kind: "group", path: `layers/${key}/vars` }, { kind: "attribute", path: `layers/${key}/vars`, name: "name", value: layer.name });
    values.forEach((w, k) => items.push({ kind: "dataset", path: `layers/${key}/vars/${k}`, shape: w.shape, data: w.data }));
  }
  const modelName = readString((checked.config as JsonObject).name, `${where}: model name`);
  items.push({ kind: "group", path: "vars" }, { kind: "attribute", path: "vars", name: "name", value: modelName });
  if (training) {
    items.push({ kind: "group", path: "optimizer/vars" }, { kind: "attribute", path: "optimizer/vars", name: "name", value: training.name });
    training.variables.forEach((v, k) => items.push("counter" in v ? { kind: "counter", path: `optimizer/vars/${k}`, value: v.counter } : { kind: "dataset", path: `optimizer/vars/${k}`, shape: v.shape, data: v.data }));
  }
  const h5 = await writeH5(items);
  const encoder = new TextEncoder();
  // Keras's loader never reads metadata.json, so an extra key travels through it unharmed.
  const metadata = { keras_version: WRITTEN_KERAS_VERSION, date_saved: dateSaved(), written_by: SIMDNET_VERSION, ...(classNames ? { class_names: classNames } : {}) };
  return writeZip([
    { name: METADATA, data: encoder.encode(JSON.stringify(metadata)) },
    { name: CONFIG, data: encoder.encode(training ? `${JSON.stringify(config).slice(0, -1)},"compile_config":${kerasJson(training.compileConfig)}}` : JSON.stringify(config)) },
    { name: WEIGHTS, data: h5 },
  ]);
}

/** Keras's `%Y-%m-%d@%H:%M:%S`, in UTC. */
function dateSaved(): string {
  const d = new Date().toISOString();
  return `${d.slice(0, 10)}@${d.slice(11, 19)}`;
}

/** Keras's HDF5_OBJECT_HEADER_LIMIT: bytes of one attribute, below HDF5's 64 KiB header message. */
const HEADER_LIMIT = 64512;

/**
 * A list of strings as Keras's save_attributes_to_hdf5_group writes it: one attribute, or
 * when that would pass {@link HEADER_LIMIT} (HDF5 refuses it: "object header message is
 * too large", e.g. layer_names of ~4,000 layers), np.array_split's fewest equal parts that
 * fit, as name0, name1, ... (Keras's loader and splitStrings join them). h5wasm stores
 * each string as a variable-length reference of 16 bytes in the header, so a string
 * counts max(16, its UTF-8 bytes) where Keras counts its fixed-length bytes.
 */
function stringListAttributes(path: string, name: string, values: readonly string[]): H5Item[] {
  const encoder = new TextEncoder();
  const each = values.reduce((m, v) => Math.max(m, encoder.encode(v).length), 16);
  let parts = 1;
  while (Math.ceil(values.length / parts) * each > HEADER_LIMIT && parts < values.length) parts++;
  if (parts === 1) return [{ kind: "attribute", path, name, value: values }];
  // np.array_split: the first (n mod parts) parts hold one more.
  const small = Math.floor(values.length / parts);
  const items: H5Item[] = [];
  for (let k = 0, at = 0; k < parts; k++) {
    const size = small + (k < values.length % parts ? 1 : 0);
    items.push({ kind: "attribute", path, name: `${name}${k}`, value: values.slice(at, at + size) });
    at += size;
  }
  return items;
}

/**
 * Writes a legacy `.h5` file: the Keras-2-style topology as `model_config` (which Keras 3
 * and tf.keras 2 both read) and the weights under `model_weights` with tf.keras 2's
 * names ("conv2d/kernel:0").
 */
export async function writeH5File(topology: JsonObject, weights: readonly NamedWeight[], where = "save .h5", training: KerasTrainingParts | null = null, classNames: readonly string[] | null = null): Promise<Uint8Array> {
  const checked = configToKeras2(topology.model_config ?? topology, where);
  checkSupported(checked, where);
  const grouped = weightsByLayer(checked, weights, where);
  const items: H5Item[] = [
    { kind: "attribute", path: "/", name: "model_config", value: JSON.stringify(withInputLayer(checked)) },
    { kind: "attribute", path: "/", name: "keras_version", value: WRITTEN_KERAS_VERSION },
    { kind: "attribute", path: "/", name: "backend", value: "tensorflow" },
    { kind: "group", path: "model_weights" },
    ...stringListAttributes("model_weights", "layer_names", grouped.map((g) => g.layer.name)),
    { kind: "attribute", path: "model_weights", name: "keras_version", value: WRITTEN_KERAS_VERSION },
    { kind: "attribute", path: "model_weights", name: "backend", value: "tensorflow" },
    // Keras reads the root attributes it knows by name and leaves others alone.
    ...(classNames ? [{ kind: "attribute" as const, path: "/", name: "class_names", value: [...classNames] }] : []),
  ];
  for (const { layer, values } of grouped) {
    const group = `model_weights/${layer.name}`;
    const names = values.map((w) => `${w.name}:0`);
    items.push({ kind: "group", path: group }, { kind: "attribute", path: group, name: "weight_names", value: names });
    values.forEach((w, k) => items.push({ kind: "dataset", path: `${group}/${names[k]}`, shape: w.shape, data: w.data }));
  }
  if (training) {
    // The compile settings only: Keras 3.15's legacy loader builds the optimizer on the
    // wrong variable list when a file has optimizer_weights, and the loaded model then
    // cannot train at all ("Unknown variable"), even from Keras's own .h5 files. Without
    // them it compiles and starts the optimizer afresh.
    items.push({ kind: "attribute", path: "/", name: "training_config", value: kerasJson(training.trainingConfig) });
  }
  return writeH5(items);
}

/**
 * A Sequential topology whose input shape is on its first layer, with an explicit
 * InputLayer instead: Keras 3 misreads a legacy `batch_input_shape` on a Conv2D as an
 * extra axis ("input of shape (None, None, 28, 28, 1)"), while tf.keras 2 and Keras 3
 * both read an InputLayer's.
 */
function withInputLayer(topology: JsonObject): JsonObject {
  const config = topology.config as JsonObject;
  const layers = config.layers as JsonObject[];
  const first = layers[0]?.config as JsonObject | undefined;
  if (topology.class_name !== "Sequential" || !first || layers[0]!.class_name === "InputLayer" || first.batch_input_shape === undefined) return topology;
  const { batch_input_shape: shape, ...rest } = first;
  const names = new Set(layers.map((l) => (l.config as JsonObject).name));
  let name = "input_layer";
  for (let k = 1; names.has(name); k++) name = `input_layer_${k}`;
  const input = { class_name: "InputLayer", config: { batch_input_shape: shape, dtype: "float32", sparse: false, ragged: false, name } };
  return { ...topology, config: { ...config, layers: [input, { ...layers[0], config: rest }, ...layers.slice(1)] } };
}

/** "keras" for a zip, "h5" for HDF5, null otherwise: what the bytes of a file are. */
export function sniffKerasFormat(bytes: Uint8Array): "keras" | "h5" | null {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return "keras";
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) return "h5";
  return null;
}

/** @internal `[layer name, .keras weight key]` of each layer of a topology, for tests. */
export function layerKeysForTest(topology: JsonObject): [string, string][] {
  const layers = layersOf(topology);
  const keys = weightKeys(layers);
  return layers.map((l, i) => [l.name, keys[i]!]);
}
