/**
 * A model's parameters in wasm memory: ONE buffer of all layers' weights, ONE buffer of
 * their gradients and ONE of optimizer state, so one optimizer call per step updates
 * everything it should. Each layer's weights are windows into these buffers.
 *
 * The trainable weights (of trainable layers, and not marked `trainable: false` like
 * BatchNormalization's moving statistics) come first, in Keras order, then the others in
 * Keras order: the optimizer runs over the first `trainableCount` floats only and the
 * state holds slots for those only (as Keras keeps optimizer variables for trainable
 * variables only). Which weights are trainable is fixed when the weights are placed;
 * the model re-places them at compile when layers were frozen or unfrozen since.
 */
import type { Layer } from "../layers/layer.js";
import { Random } from "../random.js";
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/** The parameter, gradient and optimizer-state buffers of a model. */
export class WeightStore {
  params: WasmBuffer | null = null;
  grads: WasmBuffer | null = null;
  /** Optimizer state: `slots * count` floats, or null when the optimizer keeps none. */
  state: WasmBuffer | null = null;
  /** Parameters in all layers. */
  count = 0;
  /** Parameters the optimizer updates: the first ones of `params`. */
  trainableCount = 0;
  /** Per weight (Keras order), whether it was placed among the trainable ones; empty until placed. */
  trainable: boolean[] = [];

  get placed(): boolean {
    return this.params !== null;
  }

  /**
   * Allocates the buffers for `layers` (built), binds each layer's windows and fills the
   * weights (the trainable ones by `flags`, per weight, first): layer i draws from `new Random(seeds[i])`, so the values do not depend on
   * when this runs; `keep[i]`, when given, restores a layer's earlier weights instead.
   */
  place(core: WasmCore, layers: readonly Layer[], seeds: readonly number[], keep: readonly (Tensor[] | null)[] = [], flags = trainableFlags(layers)): void {
    const count = layers.reduce((n, l) => n + l.weights.count, 0);
    const params = core.alloc(count);
    const grads = core.alloc(count);
    this.params = params;
    this.grads = grads;
    this.count = count;
    this.trainable = flags;
    let trainableAt = 0;
    let w = 0;
    for (const layer of layers) for (const spec of layer.weights.specs) if (flags[w++]) trainableAt += sizeOf(spec.shape);
    this.trainableCount = trainableAt;
    let frozenAt = trainableAt;
    trainableAt = 0;
    w = 0;
    layers.forEach((layer, i) => {
      const p: WasmBuffer[] = [];
      const g: WasmBuffer[] = [];
      for (const spec of layer.weights.specs) {
        const n = sizeOf(spec.shape);
        const trained = flags[w++]!;
        const at = trained ? trainableAt : frozenAt;
        p.push(params.subarray(at, n));
        g.push(grads.subarray(at, n));
        if (trained) trainableAt += n;
        else frozenAt += n;
      }
      layer.weights.bind(core, p, g);
      const saved = keep[i];
      if (saved) {
        layer.weights.write(saved);
      } else {
        const random = new Random(seeds[i]!);
        layer.weights.specs.forEach((spec, j) => spec.initializer.fill(core.f32(p[j]!), spec.shape, random));
      }
    });
  }

  /** (Re)allocates zeroed optimizer state of `slots` floats per trainable parameter. */
  resetState(core: WasmCore, slots: number): void {
    if (this.state) core.free(this.state);
    this.state = slots > 0 && this.trainableCount > 0 ? core.alloc(slots * this.trainableCount) : null;
  }

  /** Frees everything and unbinds the layers' windows. */
  release(core: WasmCore, layers: readonly Layer[]): void {
    for (const layer of layers) layer.weights.bind(null, null, null);
    for (const buf of [this.params, this.grads, this.state]) if (buf) core.free(buf);
    this.params = this.grads = this.state = null;
    this.count = 0;
    this.trainableCount = 0;
    this.trainable = [];
  }
}

/** Per weight of `layers` (Keras order), whether the optimizer should update it now. */
export function trainableFlags(layers: readonly Layer[]): boolean[] {
  return layers.flatMap((l) => l.weights.specs.map((s) => l.trainable && s.trainable !== false));
}
