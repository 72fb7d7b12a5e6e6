/**
 * One batch through a model graph on its plan: forward, loss and its gradient, backward.
 * Layers run in the graph's order (topological); after each layer's backward the plan's
 * gradient moves (sums of fan-out gradients, an aliasing layer's copy) are made.
 * Nothing here allocates wasm memory or typed arrays; one {@link Pass} object is reused.
 */
import type { Layer, Pass } from "../layers/layer.js";
import { countCorrect } from "../kernels/loss.js";
import { addInto } from "../kernels/unary.js";
import { addRegularization } from "../regularizers.js";
import { sizeOf } from "../shapes.js";
import { fusesSoftmax, lossAndGradient, type Loss } from "../training/losses.js";
import type { WasmCore } from "../wasm/core.js";
import type { ModelGraph } from "./graph.js";
import type { GradMove, Plan } from "./plan.js";

/** Runs batches of a built model through a plan. */
export class Runner {
  private readonly pass: Pass = { count: 0, training: false, learning: false, seed: 0, step: 0 };
  private readonly layers: readonly Layer[];
  /** What forward runs: the model's layers, or a fused inference plan's steps (plan.run). */
  private readonly steps: readonly Layer[];
  /** Per step, the layer whose timing entry it adds to (plan.origin; null: the same index). */
  private readonly origin: readonly number[] | null;
  /** Per layer, the seed its randomness (dropout) uses in the current fit call. */
  readonly seeds: Uint32Array;
  /** True when the last layer's softmax is left to the fused softmax-cross-entropy loss. */
  readonly fused: boolean;
  private readonly outSize: number;
  /**
   * When set (by a profiler such as bench/lenet.ts), each layer's forward and backward
   * wall time in milliseconds is added to it: entry `i` is layer i's forward, entry
   * `layers + i` its backward. Null (the default) costs one branch per layer. A fused
   * step of an inference plan (fuse.ts) adds its time to its first layer's entry.
   */
  timings: Float64Array | null = null;

  constructor(
    private readonly core: WasmCore,
    graph: ModelGraph,
    readonly plan: Plan,
    readonly loss: Loss | null,
  ) {
    this.layers = graph.layers;
    this.steps = plan.run.layers;
    this.origin = plan.origin;
    this.seeds = new Uint32Array(this.layers.length);
    const last = this.steps[this.steps.length - 1]!;
    this.fused = fusesSoftmax(loss, last.outputActivation);
    this.outSize = sizeOf(last.outputShape!);
  }

  /**
   * Runs every layer on the first `count` samples of the plan's input. With
   * `forLoss`, a fused softmax output is left as logits (the loss applies softmax).
   * Each layer learns whether it is learning (training and trainable) from the pass.
   * `afterLayer(i)` runs right after layer i (to read its output before the plan reuses
   * the memory: a training plan keeps a value only while backward needs it); in a fused
   * inference plan, after each fused step, with the index of its first layer.
   */
  forward(count: number, training: boolean, step: number, forLoss: boolean, afterLayer?: (i: number) => void): void {
    const pass = this.pass;
    pass.count = count;
    pass.training = training;
    pass.step = step;
    const last = this.steps.length - 1;
    const timings = this.timings;
    const origin = this.origin;
    for (let i = 0; i <= last; i++) {
      const layer = this.steps[i]!;
      const at = origin ? origin[i]! : i;
      pass.seed = this.seeds[at]!;
      pass.learning = training && layer.trainable;
      const t0 = timings ? performance.now() : 0;
      layer.forward(this.core, pass, this.plan.layers[i]!, !(forLoss && this.fused && i === last));
      if (timings) timings[at] += performance.now() - t0;
      if (afterLayer) afterLayer(at);
    }
  }

  /**
   * The mean loss of the batch plus the layers' regularization penalties (as Keras
   * reports it); writes its gradient w.r.t. the output (or logits).
   */
  lossAndGradient(count: number): number {
    const { core, plan } = this;
    return lossAndGradient(core, this.loss!, this.fused, count, this.outSize, plan) + addRegularization(core, this.layers, false);
  }

  /** Samples whose highest score is the label's class (after {@link lossAndGradient}). */
  correct(count: number): number {
    const scores = this.fused ? this.plan.probs : this.plan.output;
    return countCorrect(this.core, count, this.outSize, scores, this.plan.labels);
  }

  /** Runs every layer backward, writing the model's weight gradients. */
  backward(count: number, step: number): void {
    if (!this.plan.training) throw new Error("simdnet: backward on an inference plan (internal error: the model planned no gradients)");
    const pass = this.pass;
    pass.count = count;
    pass.training = true;
    pass.step = step;
    const last = this.layers.length - 1;
    const timings = this.timings;
    for (let i = last; i >= 0; i--) {
      const layer = this.layers[i]!;
      pass.seed = this.seeds[i]!;
      pass.learning = layer.trainable;
      const t0 = timings ? performance.now() : 0;
      layer.backward(this.core, pass, this.plan.layers[i]!, !(this.fused && i === last));
      const moves = this.plan.afterBackward[i]!;
      for (let m = 0; m < moves.length; m++) this.move(moves[m]!, count);
      if (timings) timings[last + 1 + i] += performance.now() - t0;
    }
    // The penalties' gradients join the loss's in the weight gradients.
    addRegularization(this.core, this.layers, true);
  }

  /** `to (+)= from` over `count` samples: a wasm SIMD pass for sums, a copy within the arena otherwise (memory-bound). */
  private move(m: GradMove, count: number): void {
    const n = count * m.width;
    // The sum runs in wasm: a JavaScript loop over the view took several times longer.
    if (m.add) return addInto(this.core, n, m.to, m.from, m.to);
    const arena = this.plan.arena;
    const base = arena.ptr >>> 2;
    const from = (m.from.ptr >>> 2) - base;
    this.core.f32(arena).copyWithin((m.to.ptr >>> 2) - base, from, from + n);
  }
}
