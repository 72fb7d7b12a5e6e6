/**
 * Save and load for {@link Model} and {@link Sequential}: what `model.save(url)` and the
 * public `loadModel(url)` call. Loading validates the whole saved model (topology, weight
 * manifest, bytes, values) before it creates any wasm memory.
 */
import { Model } from "../model/model.js";
import { Sequential } from "../model/sequential.js";
import { optimizerFromConfig } from "../optimizers/index.js";
import type { ModelParts } from "./artifacts.js";
import { connectDescribed, layerFromDescriptor } from "./functional.js";
import { type KerasFileBytes, type SavedModel, type SavedModelInput, loadModel, saveModel } from "./handlers.js";

/**
 * Saves a model in the TF.js layers format: to "file://dir" (Node; writes
 * dir/model.json and dir/weights.bin), or, without a destination, only in memory. Returns
 * `{ modelJson, weights }` either way.
 */
export function saveSequential(model: Model, destination?: string): Promise<SavedModel> {
  return saveModel(model, destination);
}

/**
 * Loads a model saved here, by TF.js or converted from Keras: from
 * "file://path/to/model.json" (or its directory; Node) or from `{ modelJson, weights }`;
 * or a Keras file: "file://x.keras" / "file://x.h5" (Node), or its bytes anywhere.
 * A Sequential file gives a {@link Sequential}, a functional one a {@link Model}.
 * Needs `await init()` first, like every model.
 */
export function loadSequential(source: string | SavedModelInput | KerasFileBytes): Promise<Model> {
  return loadModel(source, buildModel);
}

/** @deprecated name kept for callers of the first release: {@link buildModel}. */
export const buildSequential = buildModel;

/**
 * Makes the model from validated parts; if anything still fails, frees what it made. A
 * saved training state (a checkpoint) comes back compiled, with its optimizer's state,
 * step and epoch counts, ready to resume with `fit(..., { initialEpoch: model.epochsTrained })`.
 */
export function buildModel(parts: ModelParts): Model {
  let model: Model;
  if (parts.graph) {
    const { input, output } = connectDescribed({ name: parts.name, layers: parts.layers }, parts.graph);
    model = new Model({ inputs: input, outputs: output, name: parts.name });
  } else {
    model = new Sequential({ name: parts.name, layers: parts.layers.map(layerFromDescriptor) });
  }
  try {
    model.setWeights(parts.weights);
    if (parts.classNames) {
      try {
        model.classNames = parts.classNames;
      } catch (e) {
        throw new Error(`loadModel: the saved class names do not fit the model: ${(e as Error).message}`);
      }
    }
    const t = parts.training;
    if (t) {
      model.compile({ optimizer: optimizerFromConfig(t.optimizer.className, t.optimizer.config), loss: t.loss, metrics: t.metrics });
      model.setTrainingState(t);
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
