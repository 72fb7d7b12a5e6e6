/**
 * Save and load for {@link Sequential}: what `model.save(url)` and the public
 * `loadModel(url)` call. Loading validates the whole saved model (topology, weight
 * manifest, bytes, values) before it creates any layer or wasm memory.
 */
import { initializerFromConfig } from "../initializers.js";
import { layerFromConfig } from "../layers/index.js";
import { Sequential } from "../model/sequential.js";
import { optimizerFromConfig } from "../optimizers/index.js";
import type { ModelParts } from "./artifacts.js";
import { type KerasFileBytes, type SavedModel, type SavedModelInput, loadModel, saveModel } from "./handlers.js";

/**
 * Saves a Sequential model in the TF.js layers format: to "file://dir" (Node; writes
 * dir/model.json and dir/weights.bin), or, without a destination, only in memory. Returns
 * `{ modelJson, weights }` either way.
 */
export function saveSequential(model: Sequential, destination?: string): Promise<SavedModel> {
  return saveModel(model, destination);
}

/**
 * Loads a Sequential model saved here, by TF.js or converted from Keras: from
 * "file://path/to/model.json" (or its directory; Node) or from `{ modelJson, weights }`;
 * or a Keras file: "file://x.keras" / "file://x.h5" (Node), or its bytes anywhere.
 * Needs `await init()` first, like every model.
 */
export function loadSequential(source: string | SavedModelInput | KerasFileBytes): Promise<Sequential> {
  return loadModel(source, buildSequential);
}

/**
 * Makes the model from validated parts; if anything still fails, frees what it made. A
 * saved training state (a checkpoint) comes back compiled, with its optimizer's state,
 * step and epoch counts, ready to resume with `fit(..., { initialEpoch: model.epochsTrained })`.
 */
export function buildSequential(parts: ModelParts): Sequential {
  const layers = parts.layers.map((d) => {
    const config: Record<string, unknown> = { ...d.config, name: d.name };
    for (const key of ["kernelInitializer", "biasInitializer"]) {
      const init = config[key];
      // Parameterized initializers arrive as { className, config }; names pass as they are.
      if (typeof init === "object" && init !== null) {
        const { className, config: args } = init as { className: string; config: Record<string, unknown> };
        config[key] = initializerFromConfig(className, args);
      }
    }
    return layerFromConfig(d.className, config);
  });
  const model = new Sequential({ name: parts.name, layers });
  try {
    model.setWeights(parts.weights);
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
