/**
 * Rules of a stack of layers, apart from any memory: which layer may be appended, the
 * names layers get, and the model-wide weight list (Keras order: per layer its kernel,
 * then its bias).
 */
import { layerNameStem } from "../layers/index.js";
import type { Layer } from "../layers/layer.js";
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";

/**
 * The layers of a stack and their names, indexed so that appending a layer checks and
 * names it in constant time: scanning the list on every `add` made building n layers
 * quadratic (and Keras's stem, stem_1, ... names cubic). A name is indexed when its layer
 * is added; a layer renamed afterwards no longer holds its old name.
 */
export class LayerIndex {
  private readonly members = new Set<Layer>();
  private readonly byName = new Map<string, Layer>();
  /** Per name stem, the lowest suffix not yet found taken (names are only ever added). */
  private readonly nextSuffix = new Map<string, number>();
  /** Name lookups so far: tests count them to see that building n layers takes O(n). */
  lookups = 0;

  /** Whether `layer` is in the stack. */
  includes(layer: Layer): boolean {
    return this.members.has(layer);
  }

  /** Whether a layer of the stack is named `name`. */
  taken(name: string): boolean {
    this.lookups++;
    return this.byName.get(name)?.name === name;
  }

  /** Indexes an appended layer under its (final) name. */
  add(layer: Layer): void {
    this.members.add(layer);
    this.byName.set(layer.name, layer);
  }

  /** Keras's default name for a new `className` layer: the first free of its stem, stem_1, stem_2... */
  defaultName(className: string): string {
    const stem = layerNameStem(className) ?? className.toLowerCase();
    for (let i = this.nextSuffix.get(stem) ?? 0; ; i++) {
      const name = i === 0 ? stem : `${stem}_${i}`;
      if (!this.taken(name)) {
        // Not i + 1: the caller may not use the name (a failed build), and then it is free next time.
        this.nextSuffix.set(stem, i);
        return name;
      }
    }
  }
}

/**
 * Checks that `layer` may be appended to `layers` (indexed by `index`) and returns the
 * per-sample shape it will be built on (the first layer's declared inputShape, else the
 * last layer's output).
 */
export function appendShape(layers: readonly Layer[], index: LayerIndex, layer: Layer): readonly number[] {
  if (typeof layer !== "object" || layer === null || typeof (layer as Layer).build !== "function") {
    throw new Error(`add: expected a layer (e.g. layers.dense({ units: 10 })), received ${layer === null ? "null" : typeof layer}`);
  }
  if (layer.weights.materialize || index.includes(layer)) throw new Error(`add: layer "${layer.name}" already belongs to a model; make a new layer`);
  const last = layers[layers.length - 1];
  if (!last) {
    if (!layer.declaredInputShape) throw new Error(`add: the first layer (${layer.className}) needs an inputShape, e.g. { inputShape: [28, 28, 1] }`);
    return layer.declaredInputShape;
  }
  const prev = last.outputShape!;
  if (layer.declaredInputShape && formatShape(layer.declaredInputShape) !== formatShape(prev)) {
    throw new Error(`add: layer ${layer.className} declares inputShape ${formatShape(layer.declaredInputShape)} but the previous layer outputs ${formatShape(prev)}`);
  }
  if (layer.name && index.taken(layer.name)) throw new Error(`add: the model already has a layer named "${layer.name}"; layer names must be unique`);
  return prev;
}

/** The shape of every weight of `layers`, in Keras order. */
export function weightShapes(layers: readonly Layer[]): (readonly number[])[] {
  return layers.flatMap((l) => l.weights.specs.map((spec) => spec.shape));
}

/** The shapes of the weights placed as trainable (`flags` per weight, Keras order): what optimizer slots hold. */
export function trainableShapes(layers: readonly Layer[], flags: readonly boolean[]): (readonly number[])[] {
  return weightShapes(layers).filter((_, i) => flags[i]);
}

/** Replaces all weights of `layers` (Keras order); all are checked before any is written. */
export function setAllWeights(where: string, layers: readonly Layer[], weights: Tensor[]): void {
  if (!Array.isArray(weights)) throw new Error(`${where}: expected an array of tensors, received ${typeof weights}`);
  const expected = weightShapes(layers).length;
  if (weights.length !== expected) throw new Error(`${where}: expected ${expected} tensors (kernel and bias per layer, in order), received ${weights.length}`);
  const first = firstWeightIndices(layers);
  layers.forEach((l, i) => l.weights.check(where, weights, first[i]!));
  layers.forEach((l, i) => l.weights.write(weights, first[i]!));
}

/** Weights of `layer` the optimizer leaves alone: all of a frozen layer's, else those marked non-trainable. */
export function nonTrainableCount(layer: Layer): number {
  let n = 0;
  for (const spec of layer.weights.specs) if (!layer.trainable || spec.trainable === false) n += sizeOf(spec.shape);
  return n;
}

/**
 * A copy of the weight gradients in `getWeights` order: the gradient buffer keeps the
 * trainable weights first (weights.ts), so each layer's windows are read in turn.
 */
export function gradientsInWeightOrder(core: WasmCore, layers: readonly Layer[]): Float32Array {
  const grads = new Float32Array(layers.reduce((n, l) => n + l.weights.count, 0));
  let at = 0;
  for (const l of layers) {
    for (let i = 0; i < l.weights.specs.length; i++) {
      const g = core.f32(l.weights.grad(i));
      grads.set(g, at);
      at += g.length;
    }
  }
  return grads;
}

/** Per layer, the index of its first weight in the model's weight list. */
function firstWeightIndices(layers: readonly Layer[]): number[] {
  let at = 0;
  return layers.map((l) => {
    const first = at;
    at += l.weights.specs.length;
    return first;
  });
}
