/**
 * Model artifacts as TF.js defines them (topology, weight specs, weight data), made from a
 * model and turned back into the validated pieces a model is built from, plus the
 * model.json document that carries them next to the weight files.
 */
import type { Tensor } from "../tensor.js";
import { type JsonObject, checkDepth, fail, isJsonObject, readArray, readObject, readString } from "./json.js";
import { checkClassNames } from "./class_names.js";
import { MAX_JSON_DEPTH } from "./keras/json_text.js";
import { type GraphDescription, type LayerDescriptor, type ModelDescription, SIMDNET_VERSION, topologyFromKeras, topologyToKeras } from "./topology.js";
import { type WeightSpec, expectedWeights } from "./weight_shapes.js";
import { describedWeights } from "./functional.js";
import type { TrainingState } from "../model/training_state.js";
import { decodeTrainingState, encodeTrainingState } from "./training_state_io.js";
import { decodeOptimizerWeights, decodeWeights, encodeWeights } from "./weights.js";
import { type SavedModelNames, checkFingerprint, readFingerprint, withFingerprint } from "./fingerprint.js";

/** A saved model in memory, as TF.js's `ModelArtifacts` (the fields we use). */
export interface ModelArtifacts {
  /** Keras JSON of the model (see topology.ts). */
  modelTopology: JsonObject;
  /** One entry per weight, in the order of `weightData`. */
  weightSpecs: WeightSpec[];
  /** Little-endian float32 values of every weight, concatenated. */
  weightData: ArrayBuffer;
  /** "layers-model" (the only format that loads; absent in some Keras-converted files). */
  format?: string;
  /** The producer, e.g. "simdnet 0.1.0". */
  generatedBy?: string;
  /** The converter, null for a model saved directly. */
  convertedBy?: string | null;
  /** Compile settings, present when the optimizer's state was saved too. */
  trainingConfig?: JsonObject;
  /**
   * Free-form metadata. Ours holds `simdnet`: the weights' fingerprint (`weightsBytes`,
   * `weightsCrc32`) and, with the optimizer's state, the epoch count (`epoch`).
   */
  userDefinedMetadata?: JsonObject;
}

/** One group of the weights manifest: files holding consecutive weights. */
export interface WeightsManifestGroup {
  /** Weight files, relative to model.json, whose bytes are concatenated in this order. */
  paths: string[];
  /** The weights those bytes hold, in order. */
  weights: WeightSpec[];
}

/** The model.json document of the TF.js layers format. */
export interface ModelJson {
  /** Keras JSON of the model (see topology.ts). */
  modelTopology: JsonObject;
  /** "layers-model". */
  format: string;
  /** The producer, e.g. "simdnet 0.1.0". */
  generatedBy: string;
  /** The converter, null for a model saved directly. */
  convertedBy: string | null;
  /** Where the weights are and what they are. */
  weightsManifest: WeightsManifestGroup[];
  /** Compile settings, present when the optimizer's state was saved too. */
  trainingConfig?: JsonObject;
  /** Free-form metadata; simdnet keeps the epoch count in `simdnet.epoch` with the optimizer's state. */
  userDefinedMetadata?: JsonObject;
}

/** What saving needs from a model (Model and Sequential provide it). */
export interface SavableModel {
  readonly name: string;
  /** The layers in order, with their options (`inputShape` on the first of a Sequential). */
  describeLayers(): LayerDescriptor[];
  /** How the layers connect, for a functional model; absent or null for a Sequential. */
  describeGraph?(): GraphDescription | null;
  /** Every weight in Keras order: per layer its kernel, then its bias. */
  getWeights(): Tensor[];
  /** The optimizer's state and counters (null when not compiled), for `includeOptimizer`. */
  getTrainingState?(): TrainingState | null;
  /** The name of each output class, saved with the model when set. */
  readonly classNames?: readonly string[] | null;
}

/** A validated saved model: what a Model or Sequential is rebuilt from. */
export interface ModelParts {
  name: string;
  layers: LayerDescriptor[];
  /** How the layers connect (a functional model), or null/absent for a Sequential. */
  graph?: GraphDescription | null;
  /** Weights in Keras order, checked against the layers' shapes; all finite. */
  weights: Tensor[];
  /** The saved optimizer state and counters, or null when the file has none. */
  training: TrainingState | null;
  /** The saved class names (checked strings, not yet against the output), or null/absent. */
  classNames?: readonly string[] | null;
}

/**
 * Makes the artifacts of a model; with `includeOptimizer`, also its training state (see
 * training_state_io.ts). `userDefinedMetadata.simdnet` records the weights' fingerprint
 * (see fingerprint.ts). Throws (naming the layer or weight) if it cannot be saved.
 */
export function artifactsFromModel(model: SavableModel, includeOptimizer = false): ModelArtifacts {
  const artifacts = unfingerprinted(model, includeOptimizer);
  // TF.js keeps userDefinedMetadata as it is and reads nothing from it.
  const names = model.classNames ? { ...artifacts.userDefinedMetadata, classNames: [...model.classNames] } : artifacts.userDefinedMetadata;
  return { ...artifacts, userDefinedMetadata: withFingerprint(names, artifacts.weightData) };
}

function unfingerprinted(model: SavableModel, includeOptimizer: boolean): ModelArtifacts {
  const modelTopology = topologyToKeras({ name: model.name, layers: model.describeLayers(), graph: model.describeGraph?.() ?? null });
  // Reading our own output back both normalizes the options for the shape walk and
  // proves that what we write is something we can load.
  const { expected, trainableNames } = manifestWeights(topologyFromKeras(modelTopology));
  const { specs, data } = encodeWeights(model.getWeights(), expected);
  const artifacts: ModelArtifacts = { modelTopology, weightSpecs: specs, weightData: data, format: "layers-model", generatedBy: SIMDNET_VERSION, convertedBy: null };
  if (!includeOptimizer) return artifacts;
  const state = model.getTrainingState?.() ?? null;
  if (!state) throw new Error("save: includeOptimizer needs a compiled model (there is no optimizer state to save)");
  const extra = encodeTrainingState(state, trainableNames);
  const joined = new Uint8Array(data.byteLength + extra.data.byteLength);
  joined.set(new Uint8Array(data), 0);
  joined.set(new Uint8Array(extra.data), data.byteLength);
  return {
    ...artifacts, weightSpecs: [...specs, ...extra.specs], weightData: joined.buffer,
    trainingConfig: extra.trainingConfig, userDefinedMetadata: extra.userDefinedMetadata,
  };
}

/**
 * Validates artifacts (from a file, memory or another library) and returns the model's
 * parts. When the metadata records the weights' fingerprint, the weights must match it
 * (checked first; `names` name the two halves in that error). Throws on anything
 * unsupported, malformed or inconsistent; allocates nothing beyond the returned tensors.
 */
export function partsFromArtifacts(
  artifacts: {
    modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer | Uint8Array; format?: unknown;
    trainingConfig?: unknown; userDefinedMetadata?: unknown;
  },
  names: SavedModelNames = { modelJson: "model.json", weights: "weights.bin" },
): ModelParts {
  const recorded = readFingerprint(artifacts.userDefinedMetadata, names.modelJson);
  if (recorded) checkFingerprint(recorded, artifacts.weightData, names);
  // Keras-converted files may omit the format; TF.js graph models say "graph-model".
  if (artifacts.format !== undefined && artifacts.format !== "layers-model") {
    fail("format", artifacts.format, '"layers-model" (graph models cannot be loaded)');
  }
  const description = topologyFromKeras(artifacts.modelTopology);
  const { expected, trainable } = manifestWeights(description);
  const weights = decodeWeights(artifacts.weightSpecs, artifacts.weightData, expected);
  const optimizerWeights = decodeOptimizerWeights(artifacts.weightSpecs, artifacts.weightData);
  const training = decodeTrainingState(artifacts.trainingConfig, artifacts.userDefinedMetadata, optimizerWeights, trainable);
  const meta = artifacts.userDefinedMetadata;
  const classNames = checkClassNames(`${names.modelJson}: userDefinedMetadata.classNames`, isJsonObject(meta) ? meta.classNames : undefined);
  return { name: description.name, layers: description.layers, graph: description.graph ?? null, weights, training, classNames };
}

/**
 * The weights a described model's manifest holds, in `getWeights()` order, and the
 * trainable ones (which optimizer slots cover). A Sequential's list is first checked by
 * the shape walk of weight_shapes.ts (its messages name the layer); every list comes
 * from the layers themselves, built without wasm memory.
 */
function manifestWeights(description: ModelDescription): { expected: WeightSpec[]; trainable: WeightSpec[]; trainableNames: string[] } {
  if (!description.graph) expectedWeights(description.layers);
  const all = describedWeights(description);
  const expected = all.map((w) => ({ name: w.name, shape: w.shape, dtype: "float32" }));
  const trainable = expected.filter((_, i) => all[i]!.trainable);
  return { expected, trainable, trainableNames: trainable.map((w) => w.name) };
}

/** The model.json of `artifacts`, all weights in one file at `weightsPath` (relative). */
export function modelJsonFromArtifacts(artifacts: ModelArtifacts, weightsPath = "weights.bin"): ModelJson {
  return {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? SIMDNET_VERSION,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
}

/** A parsed model.json, checked for the fields loading needs. */
export interface ModelJsonFields {
  modelTopology: unknown;
  format: unknown;
  /** Every weight file path, in order: groups in manifest order, paths in group order. */
  paths: string[];
  /** Every weight spec, in the same order as the bytes of the concatenated files. */
  weightSpecs: unknown[];
  trainingConfig: unknown;
  userDefinedMetadata: unknown;
}

/** Parses model.json text (or takes an object) and checks its outline. `where` names it. */
export function readModelJson(json: unknown, where: string): ModelJsonFields {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new Error(`${where} is not valid JSON: ${(e as Error).message}`);
    }
  }
  // Reading walks and prints parts recursively: a hostile file nested thousands deep is
  // refused here by path (Keras's configs reach ~12 levels, .keras files have this bound).
  checkDepth(value, where, MAX_JSON_DEPTH);
  const doc = readObject(value, where);
  if (doc.modelTopology === undefined || doc.modelTopology === null) throw new Error(`${where} has no modelTopology`);
  if (doc.weightsManifest === undefined) throw new Error(`${where} has no weightsManifest`);
  const paths: string[] = [];
  const weightSpecs: unknown[] = [];
  readArray(doc.weightsManifest, `${where} weightsManifest`).forEach((group, g) => {
    const at = `${where} weightsManifest[${g}]`;
    const entry = readObject(group, at);
    readArray(entry.paths, `${at}.paths`).forEach((p, i) => paths.push(readString(p, `${at}.paths[${i}]`)));
    weightSpecs.push(...readArray(entry.weights, `${at}.weights`));
  });
  return { modelTopology: doc.modelTopology, format: doc.format, paths, weightSpecs, trainingConfig: doc.trainingConfig, userDefinedMetadata: doc.userDefinedMetadata };
}
