/**
 * `model.apply(x)`: a model's layers copied into a new functional graph after `x`, with
 * their weights and `trainable` flags, for transfer learning (a loaded base model and a
 * new head in one model).
 *
 * Keras nests the base (`base_model(x, training=False)` makes it one layer of the new
 * model). simdnet has no nested models: the copies are ordinary layers of the new model,
 * under their own names, so the new model's `layers`, summary, weights and saved file list
 * them one by one (Keras loads such a file as a flat functional model). The copies hold
 * the weights the base has when `apply` is called; the base itself is not changed and
 * later changes to it do not reach the new model (freeze or unfreeze the new model's
 * layers, e.g. by name).
 */
import type { Initializer } from "../initializers.js";
import { layerFromDescriptor } from "../io/functional.js";
import type { Layer } from "../layers/layer.js";
import { formatShape, type Tensor } from "../tensor.js";
import { describeLayers, type ModelGraph } from "./graph.js";
import { isSymbolic, type SymbolicTensor } from "./symbolic.js";

/** An initializer that writes one saved tensor: how a copied layer starts with the base's weights. */
function savedWeight(where: string, weight: Tensor): Initializer {
  return {
    className: "Constant",
    getConfig: () => ({}),
    fill(out: Float32Array, shape: readonly number[]): void {
      // The copy was built on its own input shape; its weights must still be the base's.
      if (formatShape(shape) !== formatShape(weight.shape)) throw new Error(`${where}: expected a weight of shape ${formatShape(weight.shape)}, the copy has ${formatShape(shape)}`);
      out.set(weight.data);
    },
  };
}

/**
 * Copies of `graph`'s layers (configs, names, `trainable`, current weights) applied after
 * `x` as the graph connects them; returns the copy of the output. `weightsOf(layer)` gives
 * a layer's current weights. The copies' weight shapes must equal the originals' (an input
 * with other channels than the base's is refused, naming the layer); on an error nothing
 * the caller holds has changed (the copies are new layers).
 */
export function applyGraph(where: string, graph: ModelGraph, weightsOf: (layer: Layer) => Tensor[], x: unknown): SymbolicTensor {
  if (!isSymbolic(x)) {
    const what = x !== null && typeof x === "object" && "data" in x ? "a tensor of values (use model.predict for values)" : String(x);
    throw new Error(`${where}: expected a symbolic tensor from input() or a layer's apply(), received ${what}`);
  }
  const { layers, inbound } = graph;
  if (layers.length === 0) throw new Error(`${where}: the model has no layers`);
  const copies = describeLayers(layers, true).map((d) => layerFromDescriptor(d));
  const values: SymbolicTensor[] = [x];
  copies.forEach((copy, i) => {
    const ins = inbound[i]!.map((v) => values[v]!);
    const out = copy.apply(copy.buildInputs ? ins : ins[0]!);
    const original = layers[i]!;
    const specs = copy.weights.specs;
    const saved = original.weights.specs.length > 0 ? weightsOf(original) : [];
    const label = `${where}: layer "${original.name}" (${original.className})`;
    if (saved.length !== specs.length || specs.some((s, j) => formatShape(s.shape) !== formatShape(saved[j]!.shape))) {
      throw new Error(`${label} applied to ${x} would need weights ${specs.map((s) => formatShape(s.shape)).join(", ")}, but has ${saved.map((t) => formatShape(t.shape)).join(", ")}; apply the model to an input like its own (${formatShape(graph.inputShape)})`);
    }
    copy.weights.specs = specs.map((s, j) => ({ ...s, initializer: savedWeight(label, saved[j]!) }));
    values.push(out);
  });
  return values[values.length - 1]!;
}
