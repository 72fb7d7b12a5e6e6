/**
 * All the wasm memory of one model: its weight buffers (weights.ts) and one arena of
 * per-batch buffers (plan.ts) with the runner over it. The plan is made for the largest
 * batch asked for so far and reused for smaller ones; the runner is remade whenever the
 * plan or the loss it computes changes, so nothing here has to be reset by hand.
 *
 * Plans are sized by the data, not by the batchSize option alone, and measured before
 * they are allocated, because WebAssembly memory never shrinks (docs/reliability.md,
 * "Memory"): a fit plans min(batchSize, training samples) and refuses, naming the
 * largest batch size that fits, a plan over what wasm32 memory has left; inference
 * (predict, evaluate, activations) plans chunks of at most {@link INFERENCE_CHUNK}
 * samples and {@link INFERENCE_BUDGET} bytes (at least one sample), halved again if the
 * engine cannot allocate them.
 */
import type { Loss } from "../training/losses.js";
import type { WasmCore } from "../wasm/core.js";
import { getCore } from "../wasm/loader.js";
import type { ModelGraph } from "./graph.js";
import { planBuffers, planSize, releasePlan, type Plan } from "./plan.js";
import { Runner } from "./runner.js";
import { trainableFlags, WeightStore } from "./weights.js";
import type { Tensor } from "../tensor.js";

/** Copies of the weights and optimizer state, to undo a failed `fit`. */
export interface MemorySnapshot {
  params: Float32Array;
  state: Float32Array | null;
}

/** Most samples an inference chunk plans (unless the caller's batchSize is smaller). */
export const INFERENCE_CHUNK = 256;
/** Most bytes an inference chunk's plan takes, unless one sample alone needs more. */
export const INFERENCE_BUDGET = 64 * 2 ** 20;
/** The wasm32 ceiling as WasmCore.alloc enforces it. */
const WASM_CEILING = 0xffff_0000;
/** Left free for the module's own data and the allocator's bookkeeping. */
const MARGIN = 16 * 2 ** 20;
/** A kernel addresses at most this many bytes of one buffer (ts/kernels/check.ts). */
const MAX_SLICE = 0x7fff_ffff;

/** `bytes` in MiB, for messages. */
function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A plan's size for messages, naming a buffer past what a kernel addresses. */
function need(p: { bytes: number; largest: number }): string {
  if (!Number.isFinite(p.bytes)) return "over 2 GiB (a buffer past the 2 GiB a kernel addresses)";
  return p.largest > MAX_SLICE ? `${mib(p.bytes)} (one buffer of ${mib(p.largest)})` : mib(p.bytes);
}

/** True for WasmCore.alloc's refusals (the engine could not grow the memory). */
function outOfMemory(e: unknown): boolean {
  return e instanceof Error && /out of wasm memory|cannot allocate/.test(e.message);
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
  /** Per plan kind ([inference, training]), the inference chunk cap (see {@link chunkCap}). */
  private caps: [number, number] = [0, 0];

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
   * `training`, else a fused inference plan (fuse.ts). With `grow` false (during fit) the
   * current plan is kept even when smaller (a training plan also serves inference):
   * callers chunk by `runner.plan.batch`.
   */
  runnerFor(batch: number, loss: Loss | null, grow = true, training = false): Runner {
    const core = this.wasm!;
    if (!this.plan || (grow && (this.plan.batch < batch || training !== this.plan.training))) {
      this.freePlan();
      this.plan = planBuffers(core, this.graph(), batch, training, !training);
    }
    if (!this.runner || this.runner.plan !== this.plan || this.runner.loss !== loss) {
      this.runner = new Runner(core, this.graph(), this.plan, loss);
    }
    return this.runner;
  }

  /** Samples the current plan holds (0: no plan). */
  get planBatch(): number {
    return this.plan?.batch ?? 0;
  }

  /**
   * A runner for `op` (predict, evaluate, activations) over `n` samples asked in batches
   * of `batchSize`: the current plan when it serves (always during fit, when `grow` is
   * false; otherwise a plan of the kind asked for, so that predict and evaluate after a fit
   * run the fused inference plan), else a plan for a chunk of min(batchSize, n, the chunk cap) samples, halved
   * until the engine can allocate it. Callers chunk by `runner.plan.batch`; results do not
   * depend on the chunk. Throws, naming `op`, when one sample does not fit.
   */
  inferenceRunner(op: string, batchSize: number, n: number, loss: Loss | null, grow: boolean, training: boolean): Runner {
    const want = Math.min(batchSize, n);
    const plan = this.plan;
    if (plan && (!grow || (plan.batch >= want && plan.training === training))) return this.runnerFor(want, loss, false, training);
    let chunk = Math.min(want, this.chunkCap(training));
    for (;;) {
      const left = this.bytesLeft();
      if (this.fits(chunk, training, left)) {
        try {
          return this.runnerFor(chunk, loss, true, training);
        } catch (e) {
          if (chunk === 1 || !outOfMemory(e)) throw e;
        }
      } else if (chunk === 1) {
        throw new Error(`${op}: one sample needs ${need(this.planBytes(1, training))} of wasm memory for the model's buffers, `
          + `more than the ${mib(left)} wasm32 memory has left (4 GiB at most, and 2 GiB per buffer); the input is too large for this model`);
      }
      chunk = Math.ceil(chunk / 2);
    }
  }

  /**
   * A training runner for batches of min(batchSize, samples); before allocating, refuses a
   * plan over what wasm32 memory has left with an error naming `arg` (the option that sets
   * the batch size) and the largest value that fits. Throws before anything changes.
   */
  trainingRunner(batchSize: number, samples: number, loss: Loss, arg: string): Runner {
    const want = Math.min(batchSize, samples);
    const plan = this.plan;
    if (plan && plan.training && plan.batch >= want) return this.runnerFor(want, loss, true, true);
    const left = this.bytesLeft();
    const what = `fit: ${arg} ${batchSize} needs ${need(this.planBytes(want, true))} of wasm memory for the buffers of one batch`
      + (want < batchSize ? ` (of ${want} samples, all there are)` : "");
    if (!this.fits(want, true, left)) {
      const best = this.largestBatch(want - 1, true, left);
      const room = `the ${mib(left)} wasm32 memory has left (4 GiB at most, and 2 GiB per buffer)`;
      if (best === 0) throw new Error(`${what}; even one sample needs more than ${room}: the model or its input is too large`);
      throw new Error(`${what}, more than ${room}; lower ${arg} to ${best} or less`);
    }
    try {
      return this.runnerFor(want, loss, true, true);
    } catch (e) {
      if (!outOfMemory(e)) throw e;
      throw new Error(`${what}, which the engine could not allocate (${(e as Error).message}); lower ${arg} (e.g. to ${Math.max(1, Math.floor(want / 2))})`);
    }
  }

  /** Bytes a new plan may take: the ceiling less what is allocated, this model's plan (freed first) excepted. */
  private bytesLeft(): number {
    const mine = this.plan ? this.plan.arena.length * 4 : 0;
    return Math.max(0, WASM_CEILING - MARGIN - (this.wasm!.liveBytes - mine));
  }

  /**
   * Bytes of the plan for `batch` samples and of its largest buffer (Infinity when the
   * layers' own size checks refuse the batch outright).
   */
  private planBytes(batch: number, training: boolean): { bytes: number; largest: number } {
    try {
      const size = planSize(this.wasm!, this.graph(), batch, training, !training);
      return { bytes: size.floats * 4, largest: size.largest * 4 };
    } catch {
      return { bytes: Infinity, largest: Infinity };
    }
  }

  /** True when the plan for `batch` takes at most `bytes` and no buffer is past what a kernel addresses. */
  private fits(batch: number, training: boolean, bytes: number): boolean {
    const p = this.planBytes(batch, training);
    return p.bytes <= bytes && p.largest <= MAX_SLICE;
  }

  /** The largest batch in [1, hi] whose plan takes at most `bytes` (plans grow with the batch), or 0. */
  private largestBatch(hi: number, training: boolean, bytes: number): number {
    let lo = 0;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.fits(mid, training, bytes)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The inference chunk cap: the most samples, up to INFERENCE_CHUNK, within INFERENCE_BUDGET (at least 1); cached until the layers change. */
  private chunkCap(training: boolean): number {
    const k = training ? 1 : 0;
    this.caps[k] ||= Math.max(1, this.largestBatch(INFERENCE_CHUNK, training, INFERENCE_BUDGET));
    return this.caps[k];
  }

  /** Frees the plan (the layers changed, so its sizes are stale). */
  dropPlan(): void {
    this.freePlan();
    this.caps = [0, 0];
  }

  private freePlan(): void {
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
