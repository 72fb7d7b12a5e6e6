/**
 * All the wasm memory of one model: its weight buffers (weights.ts) and one arena of
 * per-batch buffers (plan.ts) with the runner over it. The plan is made for the largest
 * batch asked for so far and reused for smaller ones; the runner is remade whenever the
 * plan or the loss it computes changes, so nothing here has to be reset by hand.
 */
import type { Loss } from "../training/losses.js";
import type { WasmCore } from "../wasm/core.js";
import { getCore } from "../wasm/loader.js";
import type { ModelGraph } from "./graph.js";
import { planBuffers, releasePlan, type Plan } from "./plan.js";
import { Runner } from "./runner.js";
import { trainableFlags, WeightStore } from "./weights.js";
import type { Tensor } from "../tensor.js";

/** Copies of the weights and optimizer state, to undo a failed `fit`. */
export interface MemorySnapshot {
  params: Float32Array;
  state: Float32Array | null;
}

/** The weight buffers, the plan and the runner of a model's layers. */
export class ModelMemory {
  /** Parameters, gradients and optimizer state (empty until {@link place}). */
  readonly store = new WeightStore();
  private wasm: WasmCore | null = null;
  /** Which weights are trainable, as fixed by the last compile (null: none yet, read the layers). */
  private layout: boolean[] | null = null;
  private plan: Plan | null = null;
  private runner: Runner | null = null;

  /**
   * @param graph the model's graph (layers built), read at each call so later `add`s count
   * @param seeds per layer, the seed of its weight initializers
   */
  constructor(
    private readonly graph: () => ModelGraph,
    private readonly seeds: readonly number[],
  ) {}

  /** True once the weights are in wasm memory. */
  get placed(): boolean {
    return this.store.placed;
  }

  /** The wasm core (only valid once placed). */
  get core(): WasmCore {
    return this.wasm!;
  }

  /**
   * Allocates and fills the weights (layer i from its seed, or `keep[i]` when given) and
   * a zeroed optimizer state of `slots` floats per weight.
   */
  place(slots: number, keep: readonly (Tensor[] | null)[] = []): WasmCore {
    const core = (this.wasm ??= getCore());
    const layers = this.graph().layers;
    const now = trainableFlags(layers);
    // Layers added since the last compile make the fixed layout stale: read the layers.
    if (!this.layout || this.layout.length !== now.length) this.layout = now;
    this.store.place(core, layers, this.seeds, keep, this.layout);
    this.store.resetState(core, slots);
    return core;
  }

  /**
   * Fixes which weights are trainable from the layers' flags now (compile calls it, as
   * Keras applies `trainable` changes at compile) and re-places the weights (values kept)
   * when that changed, so that the trainable ones are again the first (see weights.ts).
   * The optimizer state is dropped: the caller (compile) resets it.
   */
  relayout(): void {
    const layers = this.graph().layers;
    this.layout = trainableFlags(layers);
    if (!this.store.placed) return;
    if (this.layout.every((f, i) => f === this.store.trainable[i])) return;
    const keep = layers.map((l) => l.getWeights());
    this.store.release(this.wasm!, layers);
    this.store.place(this.wasm!, layers, this.seeds, keep, this.layout);
  }

  /** Zeroes (reallocates) the optimizer state for `slots` floats per weight, if placed. */
  resetState(slots: number): void {
    if (this.store.placed) this.store.resetState(this.wasm!, slots);
  }

  /**
   * A runner for `loss` whose plan holds at least `batch` samples, with gradients when
   * `training` (a training plan also serves inference). With `grow` false (during fit) the
   * current plan is kept even when smaller: callers chunk by `runner.plan.batch`.
   */
  runnerFor(batch: number, loss: Loss | null, grow = true, training = false): Runner {
    const core = this.wasm!;
    if (!this.plan || (grow && (this.plan.batch < batch || (training && !this.plan.training)))) {
      this.dropPlan();
      this.plan = planBuffers(core, this.graph(), batch, training);
    }
    if (!this.runner || this.runner.plan !== this.plan || this.runner.loss !== loss) {
      this.runner = new Runner(core, this.graph(), this.plan, loss);
    }
    return this.runner;
  }

  /** Frees the plan (the layers changed, so its sizes are stale). */
  dropPlan(): void {
    if (this.plan) releasePlan(this.wasm!, this.plan);
    this.plan = null;
    this.runner = null;
  }

  /** Frees everything; the weights can be placed again later. */
  release(): void {
    this.dropPlan();
    if (this.wasm) this.store.release(this.wasm, this.graph().layers);
  }

  /** Copies the weights and optimizer state (placed only). */
  snapshot(): MemorySnapshot {
    const core = this.wasm!;
    return { params: core.read(this.store.params!), state: this.store.state ? core.read(this.store.state) : null };
  }

  /** Writes back what {@link snapshot} copied. */
  restore(s: MemorySnapshot): void {
    const core = this.wasm!;
    core.write(this.store.params!, s.params);
    if (s.state && this.store.state) core.write(this.store.state, s.state);
  }
}
