/**
 * Data-parallel training: `fit(x, y, { workers: N })` computes each batch's gradient on
 * N participants, the main thread and N - 1 workers, each with its own wasm instance
 * (wasm threads are not available, so memory is not shared between instances).
 *
 * Each step, the main thread fills the whole batch of B samples into the model's plan as
 * usual, splits it into N contiguous shards (sizes differ by at most one; the main
 * thread takes the first, so it is never empty), and posts every other shard to a worker
 * together with the current weights, the step number and the per-layer seeds. While the
 * workers compute, the main thread computes its own shard's gradient in the model
 * itself. The batch gradient is then the shard-size-weighted sum of the shards' mean-loss
 * gradients, `g = sum_i (c_i / B) g_i`: exactly the full-batch gradient up to float
 * summation order. The main thread then runs the optimizer once, on the model.
 *
 * Why broadcast weights rather than let every replica run the optimizer: sending P
 * floats per step costs the same as sending the combined gradient back, and then
 * replicas hold no optimizer state, cannot drift, and need no news when a callback
 * changes the learning rate or calls setWeights. Measured on LeNet-5 at batch 128
 * (bench/parallel.ts), writing a job takes ~0.07 ms and combining ~0.1 ms of a ~7 ms
 * two-worker step; the main thread's own shard takes ~6.2 ms.
 *
 * BatchNormalization is the one layer whose results differ from one-worker training, as
 * with Keras's MirroredStrategy: each participant normalizes its shard with the shard's
 * own batch statistics, and the moving statistics become the mean of the participants'
 * updates (see {@link averageStatistics}); replicas send them back in the job's params.
 *
 * Dropout masks and the random preprocessing layers' transforms (randomFlip, ...) are
 * those of one-worker training: both are drawn per batch position, and a worker's shard
 * knows its batch offset (see shard_dropout.ts and replica.ts). Shuffling, batch
 * sources, validation and callbacks all stay on the main thread, untouched.
 *
 * Exchange: a SharedArrayBuffer per worker, signalled with Atomics (Node; browsers when
 * cross-origin isolated and Atomics.waitAsync exists), else the same buffer passed back
 * and forth with postMessage as a transferable.
 *
 * Workers outlive the fit briefly: parked in pool.ts, the next fit takes them back.
 */
import type { Runner } from "../model/runner.js";
import type { LayerDescriptor } from "../io/topology.js";
import type { WeightStore } from "../model/weights.js";
import { sizeOf } from "../shapes.js";
import type { GradientStep } from "../training/fit.js";
import { serializeLoss, type Loss } from "../training/losses.js";
import type { WasmCore } from "../wasm/core.js";
import { getModule } from "../wasm/loader.js";
import { H_COUNT, H_DONE, H_OFFSET, H_SEQ, H_STEP, H_STOP, STOP_EXIT, STOP_PARK, R_COMPUTED, R_CORRECT, R_LOADED, R_LOSS, R_STORED, R_WOKE, jobBytes, jobViews, wallClock, type JobSizes, type JobViews } from "./job_buffer.js";
import type { FromWorker } from "./messages.js";
import { replicaLayers, type ReplicaSpec } from "./replica.js";
import { lingerMs, parkWorker, takeWorker } from "./pool.js";
import type { WorkerHandle } from "./spawn.js";

/** How jobs travel: a SharedArrayBuffer with Atomics, or postMessage transfers. */
export type Transport = "shared" | "message";

/** @internal Test switches: force a transport; make every worker throw at a step (or, negative, stop answering there); shorten the timeout of a job. */
export const parallelTesting: { transport: Transport | null; failAtStep: number; timeoutMs: number | null } = { transport: null, failAtStep: 0, timeoutMs: null };

/** @internal One step's timeline (wall-clock ms, see job_buffer.ts's R_* slots), for bench/parallel.ts. */
export interface StepTrace {
  /** Main thread: gradients() called, jobs written and posted, own shard begun and done, workers' results in, combined. */
  began: number;
  posted: number;
  ownDone: number;
  joined: number;
  combined: number;
  /** Per busy worker: its job posted, it woke for the job, loaded it, computed, wrote the results back. */
  workers: { posted: number; woke: number; loaded: number; computed: number; stored: number }[];
}

/** @internal When `steps` is an array, every data-parallel step appends its {@link StepTrace} there. */
export const parallelTrace: { steps: StepTrace[] | null } = { steps: null };

/**
 * How long a worker may take to build its replica or to answer one job before fit gives
 * up on it (rejecting with an error that says so, and stopping every worker): 2 minutes,
 * far beyond any one batch shard, so that only a worker that hangs reaches it.
 */
export const WORKER_TIMEOUT_MS = 120_000;

/** What {@link startDataParallel} needs of the model being trained. */
export interface DataParallelArgs {
  /** Participants, main thread included (>= 2). */
  workers: number;
  layers: readonly LayerDescriptor[];
  /** Per layer, the values it reads (see ../model/graph.ts). */
  inbound: readonly (readonly number[])[];
  /** Per layer, whether it is trainable (what its forward pass is told). */
  trainable: readonly boolean[];
  /** Per weight, whether the model placed it among the trainable ones (see ../model/weights.ts). */
  layout: readonly boolean[];
  inputShape: readonly number[];
  loss: Loss;
  /** The fit's batch size. */
  batch: number;
  core: WasmCore;
  runner: Runner;
  store: WeightStore;
}

// Atomics.waitAsync (ES2024) is newer than the TypeScript lib this package targets.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** True when this platform can use the shared-memory transport. */
export function sharedTransportAvailable(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === "function" && typeof waitAsync === "function" && isolated !== false;
}

/** Shard sizes of `count` samples over `n` participants: contiguous, differing by at most 1, largest first. */
export function shardSizes(count: number, n: number): number[] {
  const base = Math.floor(count / n);
  return Array.from({ length: n }, (_, i) => base + (i < count % n ? 1 : 0));
}

/** How long a worker may take to confirm it is parked before it is stopped instead. */
const PARK_TIMEOUT_MS = 2_000;

/** One worker seen from the main thread. */
class Peer {
  /** The job buffer's views, or null while the buffer is with the worker (message mode). */
  views: JobViews | null;
  private seq = 0;
  private onDone: (() => void) | null = null;
  private onParked: (() => void) | null = null;
  /** Set once a job failed or timed out: the worker is then stopped, never parked. */
  broken = false;
  /** Rejects when the worker fails; never resolves. */
  readonly failed: Promise<never>;
  private fail!: (e: Error) => void;

  constructor(readonly index: number, readonly handle: WorkerHandle, readonly mode: Transport, private readonly sizes: JobSizes) {
    const bytes = jobBytes(sizes);
    this.views = jobViews(mode === "shared" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes), sizes);
    this.failed = new Promise<never>((_, reject) => {
      this.fail = (e) => {
        this.broken = true;
        reject(new Error(`fit: data-parallel worker ${index} failed: ${e.message}`));
      };
    });
    this.failed.catch(() => {}); // observed by whoever awaits a step
    handle.onFailure((e) => this.fail(e));
    handle.onMessage((m: FromWorker) => {
      if (m.type === "failed") this.fail(new Error(m.message));
      else if (m.type === "done") {
        this.views = jobViews(m.buffer, this.sizes);
        this.onDone?.();
      } else if (m.type === "ready") this.onDone?.();
      else if (m.type === "parked") this.onParked?.();
    });
  }

  /** Sends the replica spec (null: keep the one the worker holds); resolves when the replica is ready. */
  async init(spec: ReplicaSpec | null, core: WasmCore): Promise<void> {
    const ready = new Promise<void>((resolve) => (this.onDone = resolve));
    const shared = this.mode === "shared" ? (this.views!.buffer as SharedArrayBuffer) : null;
    this.handle.post({ type: "init", spec, flavor: core.simd ? "simd" : "scalar", module: getModule(core), buffer: shared, failAtStep: parallelTesting.failAtStep });
    await this.answered(ready, "building its replica", WORKER_TIMEOUT_MS);
  }

  /** `done`, unless the worker fails first or stays silent past `ms` (tests shorten a job's). */
  private answered(done: Promise<void>, what: string, ms = parallelTesting.timeoutMs ?? WORKER_TIMEOUT_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fit: data-parallel worker ${this.index} did not answer within ${ms / 1000} s (${what}); it was stopped`)), ms);
    });
    return Promise.race([done, this.failed, late]).finally(() => clearTimeout(timer));
  }

  /** Starts the job written in {@link views}; resolves when its results are back. */
  run(): Promise<void> {
    if (this.mode === "shared") {
      const header = this.views!.header;
      const seq = ++this.seq;
      Atomics.store(header, H_SEQ, seq);
      Atomics.notify(header, H_SEQ);
      const wait = waitAsync!(header, H_DONE, seq - 1);
      const done = wait.async ? wait.value.then(() => undefined) : Promise.resolve();
      return this.watched(this.answered(done, `step ${header[H_STEP]}`));
    }
    const buffer = this.views!.buffer as ArrayBuffer;
    const step = this.views!.header[H_STEP];
    this.views = null;
    const done = new Promise<void>((resolve) => (this.onDone = resolve));
    this.handle.post({ type: "job", buffer }, [buffer]);
    return this.watched(this.answered(done, `step ${step}`));
  }

  /** `job`, marking this peer broken if it rejects (a failure or a timeout). */
  private watched(job: Promise<void>): Promise<void> {
    return job.catch((e: unknown) => {
      this.broken = true;
      throw e;
    });
  }

  /**
   * Asks the idle worker to leave this fit's job loop and wait for the next "init";
   * resolves true once it confirms, false if it fails or stays silent (then stop it).
   */
  async park(): Promise<boolean> {
    if (this.broken || (this.mode === "message" && !this.views)) return false;
    const parked = new Promise<void>((resolve) => (this.onParked = resolve));
    if (this.mode === "shared") {
      const header = this.views!.header;
      Atomics.store(header, H_STOP, STOP_PARK);
      // Also move the job number: a worker not yet back in Atomics.wait then returns at once
      // instead of sleeping through this notify.
      Atomics.add(header, H_SEQ, 1);
      Atomics.notify(header, H_SEQ);
    } else {
      this.handle.post({ type: "park" });
    }
    try {
      await this.answered(parked, "parking", PARK_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the worker (also one blocked waiting for a job) and waits until it is gone. */
  async close(): Promise<void> {
    if (this.mode === "shared" && this.views) {
      const header = this.views.header;
      Atomics.store(header, H_STOP, STOP_EXIT);
      Atomics.notify(header, H_SEQ);
      // Release a main-thread waiter left by a failed step.
      Atomics.add(header, H_DONE, 1);
      Atomics.notify(header, H_DONE);
    }
    await this.handle.terminate();
  }
}

/** The workers of one fit call: computes batch gradients with them (see the module doc). */
export class DataParallel implements GradientStep {
  private constructor(private readonly args: DataParallelArgs, private readonly peers: Peer[], private readonly sizes: JobSizes, private readonly specKey: string) {}

  /**
   * Starts `workers - 1` workers (taking parked ones first, see pool.ts) and builds a
   * replica in each; rejects (leaving none running) if any fails.
   */
  static async start(args: DataParallelArgs): Promise<DataParallel> {
    const plan = args.runner.plan;
    const sizes: JobSizes = {
      params: args.store.count,
      layers: args.layers.length,
      shard: Math.ceil(args.batch / args.workers),
      inSize: sizeOf(args.inputShape),
      outSize: plan.output.length / plan.batch,
    };
    const spec: ReplicaSpec = {
      layers: replicaLayers(args.layers), inbound: args.inbound.map((ins) => [...ins]), trainable: [...args.trainable], layout: [...args.layout],
      inputShape: [...args.inputShape], loss: serializeLoss(args.loss), batch: args.batch, sizes,
    };
    const mode: Transport = parallelTesting.transport ?? (sharedTransportAvailable() ? "shared" : "message");
    const module = getModule(args.core);
    const specKey = JSON.stringify(spec);
    const peers: Peer[] = [];
    const reuse: boolean[] = [];
    try {
      for (let i = 1; i < args.workers; i++) {
        const taken = await takeWorker(module, specKey);
        peers.push(new Peer(i, taken.handle, mode, sizes));
        reuse.push(taken.reuse);
      }
      await Promise.all(peers.map((p, i) => p.init(reuse[i] ? null : spec, args.core)));
    } catch (e) {
      await Promise.all(peers.map((p) => p.close()));
      throw e;
    }
    return new DataParallel(args, peers, sizes, specKey);
  }

  /**
   * The gradient of the mean loss over the first `count` samples of the plan, written to
   * the model's gradient buffer; returns the batch's mean loss and correct count.
   */
  async gradients(count: number, step: number): Promise<{ loss: number; correct: number }> {
    const { core, runner, store } = this.args;
    const began = wallClock();
    const shards = shardSizes(count, this.peers.length + 1);
    const own = shards[0]!;
    const running: Promise<void>[] = [];
    const postedAt: number[] = [];
    let offset = own;
    for (const peer of this.peers) {
      const c = shards[peer.index]!;
      if (c > 0) {
        this.writeJob(peer.views!, offset, c, step);
        postedAt.push(wallClock());
        running.push(peer.run());
      }
      offset += c;
    }
    const posted = wallClock();
    runner.forward(own, true, step, true);
    let lossSum = runner.lossAndGradient(own) * own;
    let correct = runner.correct(own);
    runner.backward(own, step);
    const ownDone = wallClock();
    await Promise.all(running);
    const joined = wallClock();

    const g = core.f32(store.grads!);
    const busy = this.peers.filter((p) => shards[p.index]! > 0);
    for (const peer of busy) {
      const c = shards[peer.index]!;
      lossSum += peer.views!.results[R_LOSS]! * c;
      correct += peer.views!.results[R_CORRECT]!;
    }
    combine(g, own, busy.map((p) => ({ grads: p.views!.grads, count: shards[p.index]! })), count);
    averageStatistics(core.f32(store.params!), store.trainableCount, busy.map((p) => p.views!.params));
    if (parallelTrace.steps) {
      const workers = busy.map((p, i) => {
        const r = p.views!.results;
        return { posted: postedAt[i]!, woke: r[R_WOKE]!, loaded: r[R_LOADED]!, computed: r[R_COMPUTED]!, stored: r[R_STORED]! };
      });
      parallelTrace.steps.push({ began, posted, ownDone, joined, combined: wallClock(), workers });
    }
    return { loss: lossSum / count, correct };
  }

  /**
   * Ends the fit's use of its workers: parks them (pool.ts) when every job went well,
   * else, or when one does not confirm, stops them.
   */
  async close(): Promise<void> {
    const keep = lingerMs() > 0 && this.peers.every((p) => !p.broken);
    const module = getModule(this.args.core);
    await Promise.all(this.peers.map(async (p) => {
      if (keep && (await p.park())) parkWorker(p.handle, module, this.specKey);
      else await p.close();
    }));
  }

  private writeJob(job: JobViews, offset: number, count: number, step: number): void {
    const { core, runner, store } = this.args;
    const { inSize, outSize } = this.sizes;
    const plan = runner.plan;
    job.header[H_COUNT] = count;
    job.header[H_OFFSET] = offset;
    job.header[H_STEP] = step | 0;
    job.seeds.set(runner.seeds);
    job.params.set(core.f32(store.params!));
    job.inputs.set(core.f32(plan.input).subarray(offset * inSize, (offset + count) * inSize));
    job.labels.set(core.f32(plan.labels).subarray(offset * outSize, (offset + count) * outSize));
  }
}

/**
 * `g = (own * g + sum_i count_i * grads_i) / total`: the shard-size-weighted mean of
 * mean-loss gradients, in place in `g` (which holds the main thread's shard gradient).
 */
export function combine(g: Float32Array, own: number, others: readonly { grads: Float32Array; count: number }[], total: number): void {
  // One tight pass per shard: looping over shards inside the element loop measured 2.7x slower.
  const n = g.length;
  const a = own / total;
  const first = others[0];
  if (!first) {
    for (let k = 0; k < n; k++) g[k] = a * g[k]!;
    return;
  }
  const b = first.count / total;
  const o = first.grads;
  for (let k = 0; k < n; k++) g[k] = a * g[k]! + b * o[k]!;
  for (let i = 1; i < others.length; i++) {
    const c = others[i]!.count / total;
    const h = others[i]!.grads;
    for (let k = 0; k < n; k++) g[k] = g[k]! + c * h[k]!;
  }
}

/**
 * The non-trainable weights (from `from` on: BatchNormalization's moving statistics,
 * which each participant's forward pass moved with its own shard's batch statistics)
 * become their mean over the participants, in place in `params` (the main thread's, its
 * own update already there), as Keras's MirroredStrategy aggregates them (MEAN over
 * replicas, not weighted by shard size). Written as own + sum(other - own) / n so that
 * weights nobody changed (a frozen layer's) stay bit for bit.
 */
export function averageStatistics(params: Float32Array, from: number, others: readonly Float32Array[]): void {
  if (others.length === 0) return;
  const n = others.length + 1;
  for (let k = from; k < params.length; k++) {
    const own = params[k]!;
    let d = 0;
    for (let i = 0; i < others.length; i++) d += others[i]![k]! - own;
    if (d !== 0) params[k] = own + d / n;
  }
}

/** Starts data-parallel training for one fit call (see {@link DataParallel}). */
export function startDataParallel(args: DataParallelArgs): Promise<DataParallel> {
  return DataParallel.start(args);
}
