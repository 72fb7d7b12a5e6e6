/**
 * A replica: a copy of a model on its own wasm core that computes the gradient of one
 * shard of a batch. It keeps no optimizer: each job brings the current weights, so the
 * replica can never drift from the model (see data_parallel.ts for why).
 */
import { Dropout } from "../layers/dropout.js";
import { layerFromConfig } from "../layers/index.js";
import { RandomImageLayer } from "../layers/preprocessing/random_image_layer.js";
import type { Layer } from "../layers/layer.js";
import { planBuffers, releasePlan, type Plan } from "../model/plan.js";
import { Runner } from "../model/runner.js";
import type { LayerDescriptor } from "../io/topology.js";
import { buildGraphLayers, type ModelGraph } from "../model/graph.js";
import { WeightStore } from "../model/weights.js";
import { getLoss, type LossId } from "../training/losses.js";
import type { WasmCore } from "../wasm/core.js";
import { H_COUNT, H_OFFSET, H_STEP, R_COMPUTED, R_CORRECT, R_LOADED, R_LOSS, R_STORED, wallClock, type JobSizes, type JobViews } from "./job_buffer.js";
import { ShardDropout } from "./shard_dropout.js";

/** Everything a worker needs to rebuild a model (structured-cloneable). */
export interface ReplicaSpec {
  /** The model's layers, as `describeLayers()` gives them, without initializers. */
  layers: LayerDescriptor[];
  /** Per layer, the values it reads (the model's graph, see ../model/graph.ts). */
  inbound: number[][];
  /** Per layer, whether it is trainable (what its forward pass is told). */
  trainable: boolean[];
  /** Per weight, whether the model placed it among the trainable ones (the same layout here). */
  layout: boolean[];
  /** Per-sample input shape. */
  inputShape: number[];
  loss: LossId;
  /** Samples in a whole batch (dropout masks are indexed by batch position). */
  batch: number;
  /** Sizes of the job buffer. */
  sizes: JobSizes;
}

/**
 * The layer descriptors a replica is built from: the model's, minus the initializers
 * (weights arrive with each job, and initializer objects do not survive postMessage),
 * other option objects as their plain `{ className, config }`.
 */
export function replicaLayers(descriptors: readonly LayerDescriptor[]): LayerDescriptor[] {
  return descriptors.map((d) => {
    const config = { ...d.config };
    delete config.kernelInitializer;
    delete config.biasInitializer;
    // Option objects with a class (a kernelRegularizer) lose their methods in postMessage:
    // send their { className, config }, which the layer factories read back.
    for (const [key, value] of Object.entries(config)) {
      const v = value as { className?: unknown; getConfig?: unknown } | null;
      if (typeof v === "object" && v !== null && typeof v.className === "string" && typeof v.getConfig === "function") {
        config[key] = { className: v.className, config: (v.getConfig as () => unknown).call(v) };
      }
    }
    return { className: d.className, name: d.name, config };
  });
}

/** A model copy that turns a job (weights, shard, step, seeds) into the shard's gradient. */
export class Replica {
  private readonly layers: Layer[];
  private readonly graph: ModelGraph;
  /** Layers whose random draws follow the sample's batch position (dropout, augmentation). */
  private readonly positioned: { offset: number }[];
  private readonly store = new WeightStore();
  private readonly plan: Plan;
  private readonly runner: Runner;

  /**
   * @param makeLayer builds a layer from a descriptor (tests pass their own layers; by
   * default the layer registry's factories)
   */
  constructor(private readonly core: WasmCore, private readonly spec: ReplicaSpec, makeLayer: (d: LayerDescriptor) => Layer = (d) => layerFromConfig(d.className, { ...d.config, name: d.name })) {
    const { sizes } = spec;
    this.layers = spec.layers.map((d) => {
      const layer = makeLayer(d);
      return layer instanceof Dropout ? ShardDropout.of(layer, spec.batch) : layer;
    });
    this.positioned = this.layers.filter((l): l is ShardDropout | RandomImageLayer => l instanceof ShardDropout || l instanceof RandomImageLayer);
    this.layers.forEach((l, i) => (l.trainable = spec.trainable[i] ?? true));
    this.graph = buildGraphLayers(spec.inputShape, this.layers, spec.inbound);
    this.store.place(core, this.layers, this.layers.map(() => 0), [], spec.layout);
    if (this.store.count !== sizes.params) {
      throw new Error(`simdnet worker: the rebuilt model has ${this.store.count} parameters, expected ${sizes.params}`);
    }
    this.plan = planBuffers(core, this.graph, sizes.shard, true);
    this.runner = new Runner(core, this.graph, this.plan, getLoss(spec.loss));
  }

  /** The layout of this replica's job buffers. */
  get sizes(): JobSizes {
    return this.spec.sizes;
  }

  /**
   * Runs the job in `job`: loads its weights and shard, computes the shard's mean loss,
   * its correct count and the gradient of its mean loss, and writes them back.
   */
  run(job: JobViews): void {
    const { core, plan, runner, spec } = this;
    const count = job.header[H_COUNT]!;
    const offset = job.header[H_OFFSET]!;
    const step = job.header[H_STEP]! >>> 0;
    if (count < 1 || count > spec.sizes.shard || offset < 0 || offset + count > spec.batch) {
      throw new Error(`simdnet worker: shard [${offset}, ${offset + count}) does not fit shards of ${spec.sizes.shard} in a batch of ${spec.batch}`);
    }
    core.write(this.store.params!, job.params);
    core.f32(plan.input).set(job.inputs.subarray(0, count * spec.sizes.inSize));
    core.f32(plan.labels).set(job.labels.subarray(0, count * spec.sizes.outSize));
    runner.seeds.set(job.seeds);
    // Each sample's dropout mask and augmentation are drawn from its position in the whole
    // batch, so the shard draws what one-worker training draws for the same samples.
    for (const l of this.positioned) l.offset = offset;
    job.results[R_LOADED] = wallClock();
    runner.forward(count, true, step, true);
    job.results[R_LOSS] = runner.lossAndGradient(count);
    job.results[R_CORRECT] = runner.correct(count);
    runner.backward(count, step);
    job.results[R_COMPUTED] = wallClock();
    job.grads.set(core.f32(this.store.grads!));
    // Non-trainable weights the forward pass moved (moving statistics) go back to be averaged.
    const t = this.store.trainableCount;
    if (t < this.store.count) job.params.subarray(t).set(core.f32(this.store.params!).subarray(t));
    job.results[R_STORED] = wallClock();
  }

  /** Frees the replica's wasm memory. */
  dispose(): void {
    releasePlan(this.core, this.plan);
    this.store.release(this.core, this.layers);
  }
}
