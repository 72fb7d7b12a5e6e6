/**
 * A model's parameters in wasm memory: ONE buffer of all layers' weights (in Keras
 * order, layer after layer), ONE buffer of their gradients and ONE of optimizer state,
 * so one optimizer call per step updates everything. Each layer's weights are windows
 * into these buffers.
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

  get placed(): boolean {
    return this.params !== null;
  }

  /**
   * Allocates the buffers for `layers` (built), binds each layer's windows and fills the
   * weights: layer i draws from `new Random(seeds[i])`, so the values do not depend on
   * when this runs; `keep[i]`, when given, restores a layer's earlier weights instead.
   */
  place(core: WasmCore, layers: readonly Layer[], seeds: readonly number[], keep: readonly (Tensor[] | null)[] = []): void {
    const count = layers.reduce((n, l) => n + l.weights.count, 0);
    const params = core.alloc(count);
    const grads = core.alloc(count);
    this.params = params;
    this.grads = grads;
    this.count = count;
    let at = 0;
    layers.forEach((layer, i) => {
      const p: WasmBuffer[] = [];
      const g: WasmBuffer[] = [];
      for (const spec of layer.weights.specs) {
        const n = sizeOf(spec.shape);
        p.push(params.subarray(at, n));
        g.push(grads.subarray(at, n));
        at += n;
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

  /** (Re)allocates zeroed optimizer state of `slots` floats per parameter. */
  resetState(core: WasmCore, slots: number): void {
    if (this.state) core.free(this.state);
    this.state = slots > 0 ? core.alloc(slots * this.count) : null;
  }

  /** Frees everything and unbinds the layers' windows. */
  release(core: WasmCore, layers: readonly Layer[]): void {
    for (const layer of layers) layer.weights.bind(null, null, null);
    for (const buf of [this.params, this.grads, this.state]) if (buf) core.free(buf);
    this.params = this.grads = this.state = null;
    this.count = 0;
  }
}
