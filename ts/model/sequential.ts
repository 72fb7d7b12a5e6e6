/**
 * Sequential: a {@link Model} whose graph is a chain, grown layer by layer with `add`
 * (Keras's `Sequential`). Everything else (compile, fit, predict, summary, save, ...) is
 * the Model's: one planner, one runner, one save path. What this file adds is the rules
 * of appending (layer_stack.ts) and the plain-list summary and save format.
 */
import type { Layer } from "../layers/layer.js";
import { isApplied } from "./symbolic.js";
import { appendShape, LayerIndex } from "./layer_stack.js";
import { CHAIN, Model, type ChainArgs } from "./model.js";

export type { BatchArgs, CompileArgs, EvaluateResult, LayerDescriptor, ModelArgs } from "./model.js";

/** Options of the {@link Sequential} constructor. */
export interface SequentialArgs {
  /** Model name (default "sequential"). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
  /** Layers to add, in order. */
  layers?: Layer[];
}

/** A linear stack of layers (Keras's `Sequential`): a {@link Model} whose graph is a chain. */
export class Sequential extends Model {
  /** The layers and their names, for constant-time checks on `add`. */
  private readonly layerIndex = new LayerIndex();

  /** An empty model, or one with `options.layers` added in order (checked as {@link add} does). */
  constructor(options: SequentialArgs = {}) {
    if (typeof options !== "object" || options === null) throw new Error(`Sequential: options must be an object, received ${String(options)}`);
    const { name, seed, layers } = options;
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) throw new Error(`Sequential: name must be a non-empty string, received ${String(name)}`);
    if (seed !== undefined && (typeof seed !== "number" || !Number.isSafeInteger(seed))) throw new Error(`Sequential: seed must be a whole number, received ${String(seed)}`);
    const chain: ChainArgs = { [CHAIN]: true, name: name ?? "sequential", seed };
    super(chain as never);
    for (const layer of layers ?? []) this.add(layer);
  }

  /**
   * Appends a layer and builds it on the previous layer's output shape (the first layer
   * needs `inputShape`). Nothing changes when it throws; refused while fit runs.
   */
  add(layer: Layer): void {
    this.checkIdle("add");
    if (typeof layer === "object" && layer !== null && isApplied(layer)) {
      throw new Error(`add: layer "${layer.name}" has been applied in a functional graph; make a new layer for a Sequential`);
    }
    const inputShape = appendShape(this.layers, this.layerIndex, layer);
    const given = layer.name;
    layer.name = given || this.layerIndex.defaultName(layer.className);
    try {
      layer.build(inputShape);
    } catch (e) {
      layer.name = given;
      throw e;
    }
    // Adding after the weights exist keeps them: read them out, then re-place all.
    const keep = this.memory.placed ? this.layers.map((l) => l.getWeights()) : null;
    this.inbound.push([this.layers.length]);
    this.layers.push(layer);
    this.layerIndex.add(layer);
    this.layerSeeds.push(this.seedStream.seed());
    layer.weights.materialize = () => this.placeWeights();
    if (keep) {
      this.memory.release();
      this.placeWeights(keep);
    } else {
      this.memory.dropPlan();
    }
  }

  /** @internal A Sequential is saved and summarized as a plain list of layers. */
  protected override isSequential(): boolean {
    return true;
  }
}
