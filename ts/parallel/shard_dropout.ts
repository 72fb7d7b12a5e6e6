/**
 * Dropout for a replica that trains on a shard of a batch. The dropout kernel draws
 * element `i`'s mask from `(seed, step, i)`, where `i` counts from the start of the
 * BATCH; a shard whose first sample sits at batch position `offset` must therefore use
 * indices `offset * size + j`, not `j`, to drop exactly what one-worker training drops.
 * The kernel has no index offset, so this layer runs it over positions
 * `0 .. (offset + count) * size` of a batch-sized buffer, with the shard's values at
 * their batch positions, and keeps the shard's part. The extra hashing (at most one
 * batch's worth per step) is small next to the convolutions.
 */
import { dropoutBackward, dropoutForward } from "../kernels/dropout.js";
import type { Dropout } from "../layers/dropout.js";
import { copyFloats, LayerWeights, type Layer, type LayerBuffers, type Pass, type Workspace } from "../layers/layer.js";
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";

/** A Dropout layer whose masks follow the samples' positions in the whole batch. */
export class ShardDropout implements Layer {
  readonly className = "Dropout";
  readonly declaredInputShape: readonly number[] | null;
  readonly aliasesInput = false;
  trainable = true;
  readonly outputActivation = "linear";
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;
  /** Batch position of the current shard's first sample (set before each pass). */
  offset = 0;

  constructor(
    public name: string,
    readonly rate: number,
    /** The layer's own seed, or null to use the fit's per-layer seed. */
    readonly seed: number | null,
    /** Samples in a whole batch: the largest `offset + count` a pass may use. */
    private readonly fullBatch: number,
    readonly config: Readonly<Record<string, unknown>>,
  ) {
    this.declaredInputShape = (config.inputShape as number[] | undefined) ?? null;
  }

  /** The shard twin of a model's Dropout layer. */
  static of(layer: Dropout, fullBatch: number): ShardDropout {
    return new ShardDropout(layer.name, layer.rate, layer.seed, fullBatch, layer.config);
  }

  build(inputShape: readonly number[]): number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    return this.outputShape;
  }

  workspace(): Workspace {
    // Batch-sized values then batch-sized mask, whatever the shard's planned size.
    return { f32: 2 * this.fullBatch * sizeOf(this.inputShape!), u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const size = sizeOf(this.inputShape!);
    const n = pass.count * size;
    if (!(pass.training && this.rate > 0)) {
      copyFloats(core, bufs.x, bufs.y, n);
      return;
    }
    const { values, mask } = this.halves(bufs);
    const start = this.offset * size;
    const end = start + n;
    if (end > this.fullBatch * size) throw new Error(`ShardDropout: shard [${this.offset}, ${this.offset + pass.count}) exceeds the batch of ${this.fullBatch}`);
    const all = core.f32(values);
    all.set(core.f32(bufs.x).subarray(0, n), start);
    // Positions before the shard hold stale numbers: only their masks are wanted.
    const seed = this.seed !== null ? this.seed % 0x1_0000_0000 : pass.seed;
    dropoutForward(core, end, this.rate, seed, pass.step, values, mask);
    core.f32(bufs.y).set(core.f32(values).subarray(start, end));
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (!bufs.dx) return;
    const size = sizeOf(this.inputShape!);
    const n = pass.count * size;
    copyFloats(core, bufs.dy, bufs.dx, n);
    if (pass.training && this.rate > 0) {
      dropoutBackward(core, n, this.halves(bufs).mask.subarray(this.offset * size, n), bufs.dx);
    }
  }

  /** Connects the layer in a functional graph; see {@link Layer.apply}. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  getWeights(): Tensor[] {
    return [];
  }

  setWeights(weights: readonly Tensor[]): void {
    this.weights.set(weights);
  }

  private halves(bufs: LayerBuffers): { values: LayerBuffers["x"]; mask: LayerBuffers["x"] } {
    const half = this.fullBatch * sizeOf(this.inputShape!);
    return { values: bufs.f32!.subarray(0, half), mask: bufs.f32!.subarray(half, half) };
  }
}
