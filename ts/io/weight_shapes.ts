/**
 * The weights a Sequential topology implies, in Keras order, with their names and shapes.
 * Each layer is made from its descriptor by its own factory and built on the shape the
 * previous one gives, so the shape arithmetic is the layers' own (no copy of it here).
 * Loading checks a manifest against this list before it builds the model.
 */
import { layerKinds } from "../layers/registry.js";
import type { LayerDescriptor } from "./topology.js";

/** One entry of a TF.js weights manifest. */
export interface WeightSpec {
  /** Full weight name, e.g. "conv2d/kernel". */
  name: string;
  /** The weight's shape. */
  shape: number[];
  /** Element type: "float32" for model weights (optimizer entries may be "int32"). */
  dtype: string;
}

/**
 * Expected weights of `layers` (as topologyFromKeras returns them: options normalized,
 * `inputShape` on the first). Throws when a layer cannot take its input, naming it.
 */
export function expectedWeights(layers: readonly LayerDescriptor[]): WeightSpec[] {
  const specs: WeightSpec[] = [];
  let shape: readonly number[] = [...(layers[0]?.config.inputShape as number[])];
  layers.forEach((descriptor, i) => {
    const where = `layer ${i} ("${descriptor.name}", ${descriptor.className})`;
    const kind = layerKinds().get(descriptor.className);
    if (!kind) throw new Error(`${where}: unknown layer class`);
    try {
      const layer = kind.create({ ...descriptor.config, name: descriptor.name });
      shape = layer.build(shape);
      for (const w of layer.weights.specs) specs.push({ name: `${descriptor.name}/${w.name}`, shape: [...w.shape], dtype: "float32" });
    } catch (e) {
      // The layer's message starts with its own name; the caller wants the position too.
      throw new Error(`${where}: ${(e as Error).message.replace(/^[^:]*: /, "")}`);
    }
  });
  return specs;
}
