/**
 * Keras files for `loadModel` and `save`: what ts/io/handlers.ts calls (through a dynamic
 * import) when a source or destination is a `.keras` / `.h5` file or raw bytes, and
 * {@link toKerasFile}, the in-memory save.
 */
import { type ModelParts, type SavableModel, artifactsFromModel, partsFromArtifacts } from "../artifacts.js";
import { type JsonObject, describeValue, fail } from "../json.js";
import type { Model } from "../../model/model.js";
import { checkClassNames } from "../class_names.js";
import { reorderSlots } from "./optimizer_state.js";
import { kerasTrainingOf, ourTrainableNames, readH5File, readKerasFile, sniffKerasFormat, writeH5File, writeKerasFile, type KerasFileContents, type NamedWeight } from "./keras_file.js";

import type { KerasFileOptions, KerasFormat } from "./public.js";

/** The format a path's extension names (".keras"; ".h5" or ".hdf5"), or null. */
export function kerasFormatOfPath(path: string): KerasFormat | null {
  if (/\.keras$/i.test(path)) return "keras";
  if (/\.(h5|hdf5)$/i.test(path)) return "h5";
  return null;
}

/** Reads a Keras file's bytes of either format, told apart by their first bytes. */
export async function readKerasBytes(bytes: Uint8Array, where: string, expected: KerasFormat | null = null): Promise<KerasFileContents> {
  const format = sniffKerasFormat(bytes);
  if (format === null) throw new Error(`${where}: neither a .keras file (a zip) nor an .h5 file (HDF5); its first bytes are ${describeValue([...bytes.subarray(0, 8)])}`);
  if (expected !== null && format !== expected) throw new Error(`${where}: the name says .${expected} but the bytes are a${format === "h5" ? "n HDF5 (.h5)" : " zip (.keras)"} file`);
  return format === "keras" ? readKerasFile(bytes, where) : readH5File(bytes, where);
}

/** Contents as the TF.js artifacts that partsFromArtifacts validates. */
function artifactsOf(contents: KerasFileContents): { modelTopology: JsonObject; weightSpecs: unknown[]; weightData: Uint8Array; userDefinedMetadata: { classNames: unknown } } {
  const total = contents.weights.reduce((s, w) => s + w.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const w of contents.weights) {
    data.set(w.data, offset);
    offset += w.data.length;
  }
  const bytes = new Uint8Array(data.buffer);
  // The TF.js weight data is little-endian; so are all the machines wasm runs on.
  return { modelTopology: contents.topology, weightSpecs: contents.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: "float32" })), weightData: bytes, userDefinedMetadata: { classNames: contents.classNames } };
}

/**
 * A model's validated parts from a Keras file: `"file://x.keras"` or `.h5` (Node), or its
 * bytes (`ArrayBuffer`, `Uint8Array`, or a browser `Blob`/`File`).
 */
export async function loadKerasParts(source: string | ArrayBuffer | Uint8Array | Blob): Promise<ModelParts> {
  let bytes: Uint8Array;
  let where: string;
  let expected: KerasFormat | null = null;
  if (typeof source === "string") {
    const path = source.startsWith("file://") ? decodeURIComponent(source.slice("file://".length)) : source;
    expected = kerasFormatOfPath(path);
    const files = await import("./node_file.js");
    ({ bytes, file: where } = await files.readModelFile(path));
  } else if (source instanceof Uint8Array) {
    bytes = source;
    where = "loadModel: the bytes";
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
    where = "loadModel: the bytes";
  } else if (typeof Blob !== "undefined" && source instanceof Blob) {
    bytes = new Uint8Array(await source.arrayBuffer());
    const name = (source as unknown as { name?: unknown }).name;
    where = `loadModel: ${typeof name === "string" && name !== "" ? `file "${name}"` : "the Blob"}`;
  } else {
    fail("loadModel: source", source, "a file:// path, an ArrayBuffer, a Uint8Array or a Blob");
  }
  const contents = await readKerasBytes(bytes, where, expected);
  checkClassNames(`${where}: class_names`, contents.classNames);
  const parts = partsFromArtifacts(artifactsOf(contents), { modelJson: `${where} (config)`, weights: `${where} (weights)` });
  if (contents.compileSkipped !== null) {
    // As Keras's own load_model does when compiling fails: the model loads, for
    // predictions or a compile of the caller's own, and a warning says why.
    console.warn(`loadModel: ${where}: the model is loaded uncompiled because ${contents.compileSkipped}; call compile({ optimizer, loss }) before fit`);
  }
  if (contents.training === null) return parts;
  // Keras keeps slots in model.trainable_variables order, simdnet in its own weight order.
  const state = reorderSlots(contents.training.state, contents.training.trainable, ourTrainableNames(contents.topology), `${where}: optimizer state`);
  return { ...parts, training: state };
}

/** The model's topology and named weights, as its TF.js artifacts hold them. */
function namedWeightsOf(model: SavableModel): { topology: JsonObject; weights: NamedWeight[] } {
  const artifacts = artifactsFromModel(model);
  const all = new Float32Array(artifacts.weightData);
  let offset = 0;
  const weights = artifacts.weightSpecs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const data = all.subarray(offset, offset + count);
    offset += count;
    return { name: spec.name, shape: [...spec.shape], data };
  });
  return { topology: artifacts.modelTopology, weights };
}

/**
 * Saves `model` as the bytes of a Keras file, in memory (for browsers: offer them as a
 * download, or send them). Real Keras 3 loads them with `keras.models.load_model`.
 * With `includeOptimizer`, also the compile settings and the optimizer's state, so that
 * Keras continues training where it stopped here (see docs/keras-files.md).
 */
export async function toKerasFile(model: Model, options: KerasFileOptions = {}): Promise<Uint8Array> {
  return kerasFileOf(model, options);
}

/** {@link toKerasFile} for anything savable (what `model.save` passes). */
async function kerasFileOf(model: SavableModel, options: KerasFileOptions, where = "toKerasFile"): Promise<Uint8Array> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) fail(`${where}: options`, options, '{ format?: "keras" | "h5", includeOptimizer?: boolean }');
  for (const key of Object.keys(options)) if (key !== "format" && key !== "includeOptimizer") throw new Error(`${where}: unknown option "${key}"; expected format or includeOptimizer`);
  const format = options.format ?? "keras";
  if (format !== "keras" && format !== "h5") fail(`${where}: options.format`, format, '"keras" or "h5"');
  const includeOptimizer = options.includeOptimizer ?? false;
  if (typeof includeOptimizer !== "boolean") fail(`${where}: options.includeOptimizer`, includeOptimizer, "true or false");
  const { topology, weights } = namedWeightsOf(model);
  let training = null;
  if (includeOptimizer) {
    const state = model.getTrainingState?.() ?? null;
    if (!state) throw new Error(`${where}: includeOptimizer needs a compiled model (there is no optimizer state to save)`);
    training = kerasTrainingOf(topology, weights, state, where);
  }
  const classNames = model.classNames ?? null;
  return format === "keras" ? writeKerasFile(topology, weights, where, training, classNames) : writeH5File(topology, weights, where, training, classNames);
}

/** Writes `model` to the `.keras` / `.h5` file at `path` (Node). */
export async function saveKerasModel(model: SavableModel, path: string, includeOptimizer = false): Promise<void> {
  const format = kerasFormatOfPath(path);
  if (format === null) fail("save: destination", path, "a path ending in .keras or .h5");
  const bytes = await kerasFileOf(model, { format, includeOptimizer }, "save");
  const files = await import("./node_file.js");
  await files.writeModelFile(path, bytes);
}
