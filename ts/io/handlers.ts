/**
 * Saving and loading a model: to and from "file://" addresses in Node, and to and from
 * memory anywhere (the browser included) as a `{ modelJson, weights }` pair, the same two
 * things the files hold.
 *
 * The model's `save()` and the public `loadModel()` call these. A failed load throws
 * before the model is built, so it creates nothing and changes nothing. Saved model.json
 * records the weights' fingerprint (fingerprint.ts), and a load that finds one refuses
 * weights that do not match it, whether from files or from memory.
 */
import { type ModelJson, type ModelParts, type SavableModel, artifactsFromModel, modelJsonFromArtifacts, partsFromArtifacts, readModelJson } from "./artifacts.js";
import { type SavedModelNames, type WeightsFingerprint, WEIGHTS_MISMATCH, checkFingerprint, fingerprintMismatch, readFingerprint } from "./fingerprint.js";
import { describeValue, fail, isDetached, isJsonObject } from "./json.js";
import { declaredByteLength } from "./weights.js";

/** A saved model in memory: the model.json document and the weights it describes. */
export interface SavedModel {
  /** The model.json document (its manifest names one file, weights.bin). */
  modelJson: ModelJson;
  /** The weight bytes, little-endian float32, in manifest order. */
  weights: ArrayBuffer;
}

/**
 * A saved model handed to `loadModel` from memory: model.json as an object or its text,
 * and the weight bytes (every file of the manifest, concatenated in manifest order).
 */
export interface SavedModelInput {
  /** model.json, parsed or as text. */
  modelJson: object | string;
  /** Every weight file of the manifest, concatenated in manifest order. */
  weights: ArrayBuffer | Uint8Array;
}

/** Options of `model.save`. */
export interface SaveOptions {
  /**
   * Also save the optimizer's state (slots and step count), the compile settings and the
   * epoch count, as TF.js's `includeOptimizer`, so that training can resume from the
   * file (default false).
   */
  includeOptimizer?: boolean;
}

/** The bytes of a `.keras` or `.h5` file: an `ArrayBuffer`, a `Uint8Array`, or a browser `Blob`/`File`. */
export type KerasFileBytes = ArrayBuffer | Uint8Array | Blob;

/** True for a `.keras`/`.h5` path or a Keras file's bytes: loaded by ts/io/keras (imported lazily). */
function isKerasSource(source: unknown): boolean {
  if (typeof source === "string") return /\.(keras|h5|hdf5)$/i.test(source);
  return source instanceof ArrayBuffer || source instanceof Uint8Array || (typeof Blob !== "undefined" && source instanceof Blob);
}

/** Builds a model from validated parts (Sequential's hook). */
export type ModelBuilder<M> = (parts: ModelParts) => M;

const FILE_SCHEME = "file://";

/**
 * Saves `model`. With `destination` "file://dir" (Node only) writes dir/model.json and
 * dir/weights.bin; with no destination writes nothing. Either way returns the saved model
 * in memory.
 */
export async function saveModel(model: SavableModel, destination?: string, options: SaveOptions = {}): Promise<SavedModel> {
  if (destination !== undefined && !(typeof destination === "string" && destination.startsWith(FILE_SCHEME) && destination.length > FILE_SCHEME.length)) {
    fail("save: destination", destination, '"file://<directory>", or nothing to save in memory');
  }
  if (!isJsonObject(options)) fail("save: options", options, "{ includeOptimizer?: boolean }");
  for (const key of Object.keys(options)) if (key !== "includeOptimizer") throw new Error(`save: unknown option "${key}"; expected includeOptimizer`);
  const includeOptimizer = options.includeOptimizer ?? false;
  if (typeof includeOptimizer !== "boolean") fail("save: options.includeOptimizer", includeOptimizer, "true or false");
  if (destination !== undefined && /\.(keras|h5|hdf5)$/i.test(destination)) {
    await (await import("./keras/index.js")).saveKerasModel(model, destination.slice(FILE_SCHEME.length), includeOptimizer);
    const artifacts = artifactsFromModel(model);
    return { modelJson: modelJsonFromArtifacts(artifacts), weights: artifacts.weightData };
  }
  const artifacts = artifactsFromModel(model, includeOptimizer);
  const saved = { modelJson: modelJsonFromArtifacts(artifacts), weights: artifacts.weightData };
  if (destination !== undefined) {
    const files = await import("./node_files.js");
    await files.writeModelFiles(destination.slice(FILE_SCHEME.length), JSON.stringify(saved.modelJson), saved.weights);
  }
  return saved;
}

/**
 * Reads and validates a saved model from "file://path/model.json" (or "file://dir",
 * meaning dir/model.json; Node only) or from memory, without building anything.
 */
export async function loadModelParts(source: string | SavedModelInput | KerasFileBytes): Promise<ModelParts> {
  if (isKerasSource(source)) return (await import("./keras/index.js")).loadKerasParts(source as string | KerasFileBytes);
  if (typeof source === "string") {
    if (!source.startsWith(FILE_SCHEME) || source.length === FILE_SCHEME.length) {
      fail("loadModel: source", source, '"file://<path to model.json>" or { modelJson, weights }');
    }
    const files = await import("./node_files.js");
    const { text, file, dir } = await files.readModelJsonFile(source.slice(FILE_SCHEME.length));
    try {
      const json = readModelJson(text, file);
      const names = { modelJson: file, weights: json.paths.length === 1 ? files.weightsPath(dir, json.paths[0]!) : `the weight files of ${file}` };
      const declared = declaredByteLength(json.weightSpecs);
      const recorded = readFingerprint(json.userDefinedMetadata, file);
      if (recorded && recorded.weightsBytes !== declared) {
        throw new Error(`loadModel: ${file} is damaged: userDefinedMetadata.simdnet.weightsBytes is ${recorded.weightsBytes}, its weights manifest declares ${declared} bytes`);
      }
      const weightData = recorded
        ? await readCheckedWeights(files, dir, json.paths, recorded, names)
        : await files.readWeightFiles(dir, json.paths, declared);
      return partsFromArtifacts({ ...json, weightData }, names);
    } catch (e) {
      throw inFile(file, e);
    }
  }
  if (!isJsonObject(source)) fail("loadModel: source", source, '"file://<path to model.json>" or { modelJson, weights }');
  const { modelJson, weights } = source as unknown as Record<string, unknown>;
  if (!(weights instanceof ArrayBuffer || weights instanceof Uint8Array)) {
    throw new Error(`loadModel: source.weights must be an ArrayBuffer or Uint8Array, received ${describeValue(weights)}`);
  }
  if (isDetached(weights instanceof Uint8Array ? weights.buffer : weights)) {
    throw new Error("loadModel: source.weights is a detached ArrayBuffer (it was transferred, e.g. to a worker, and holds nothing now); pass a buffer that still holds the bytes");
  }
  if (typeof modelJson !== "string" && !isJsonObject(modelJson)) fail("loadModel: source.modelJson", modelJson, "an object or JSON text");
  return partsFromArtifacts({ ...readModelJson(modelJson, "source.modelJson"), weightData: weights }, { modelJson: "source.modelJson", weights: "source.weights" });
}

/**
 * `e`, or when it does not already say "loadModel:", the same error with model.json's path
 * in front (its code kept), so that every refusal of a file names the file.
 */
function inFile(file: string, e: unknown): unknown {
  if (!(e instanceof Error) || e.message.startsWith("loadModel:")) return e;
  const code = (e as { code?: unknown }).code;
  return Object.assign(new Error(`loadModel: ${file}: ${e.message}`, { cause: e }), code === undefined ? {} : { code });
}

/**
 * The weight files of a model.json that records their fingerprint `recorded`, checked
 * against it. When they do not match (or weights.bin is missing) and model.json names the
 * one file a save writes, weights.bin, this may be a save interrupted between its two
 * renames (node_files.ts): the new model.json is in place and its weights are still in a
 * `weights.bin.tmp-*` file. If exactly one such file matches, the load uses it and says so
 * with console.warn; otherwise the mismatch is refused as before.
 */
async function readCheckedWeights(
  files: typeof import("./node_files.js"), dir: string, paths: readonly string[], recorded: WeightsFingerprint, names: SavedModelNames,
): Promise<Uint8Array> {
  // Weights of the wrong size are a mismatched pair, said as such.
  const sizeMismatch = (total: number) => fingerprintMismatch(recorded, `${total} bytes`, names);
  let refusal: unknown;
  try {
    const data = await files.readWeightFiles(dir, paths, recorded.weightsBytes, sizeMismatch);
    checkFingerprint(recorded, data, names);
    return data;
  } catch (e) {
    const missing = (e as { code?: unknown }).code === "ENOENT";
    const mismatched = (e as { code?: unknown }).code === WEIGHTS_MISMATCH;
    if (!(paths.length === 1 && paths[0] === "weights.bin" && (missing || mismatched))) throw e;
    refusal = e;
  }
  const completed = await files.findCompletedWeights(dir, recorded);
  if (!completed) throw refusal;
  console.warn(
    `loadModel: ${names.weights} does not hold the weights ${names.modelJson} records; loaded them from ${completed.file}, which does: ` +
      `completed an interrupted save from ${completed.file} (files left as they are; the next save replaces them)`,
  );
  return completed.data;
}

/** Loads a saved model (see {@link loadModelParts}) and builds it with `build`. */
export async function loadModel<M>(source: string | SavedModelInput | KerasFileBytes, build: ModelBuilder<M>): Promise<M> {
  const parts = await loadModelParts(source);
  try {
    return build(parts);
  } catch (e) {
    // A value the checks let through but the model refuses: still say which load it was.
    throw inFile(typeof source === "string" ? source : "the model given in memory", e);
  }
}
