/**
 * One fused step of an inference plan (see fuse.ts): a convolution, depthwise
 * convolution or dense layer (the head) with what follows it folded into one kernel call
 * whose epilogue runs while the output is in cache (ts/kernels/epilogue.ts):
 *
 * ```text
 * y = clip(head(x; bias none) * scale + shift + residual, lo, hi)
 * ```
 *
 * `scale` and `shift` come from a following BatchNormalization (moving statistics),
 * computed from the live weights at every call into the step's own workspace (a handful of
 * floats per channel, so a weight change by setWeights, fit or load is always seen and
 * nothing is cached); without one, `shift` is the head's bias. The residual is the other
 * input of a following two-input Add, the clip a following ReLU / ReLU6 / Activation("relu")
 * or the head's own relu or relu6. A folded ZeroPadding2D before the head becomes the
 * head's `same` padding. The step reads its head's weights; it has none of its own.
 *
 * It only runs forward in inference plans; anything else is an internal error.
 */
import { conv2dScratchLength } from "../kernels/conv2d.js";
import { conv2dForwardFused, denseForwardFused, depthwiseForwardFused, epilogueFoldBatchNorm, type Epilogue } from "../kernels/epilogue.js";
import type { BatchNormalization } from "../layers/batch_normalization.js";
import { Conv2D } from "../layers/conv2d.js";
import { Dense } from "../layers/dense.js";
import type { DepthwiseConv2D } from "../layers/depthwise_conv2d.js";
import { LayerWeights, NO_WORKSPACE, type Layer, type LayerBuffers, type Pass, type Workspace } from "../layers/layer.js";
import { conv2dDims, depthwiseDims, type Conv2dDims, type DepthwiseDims } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import type { SymbolicTensor } from "./symbolic.js";

/** A layer whose product can take an epilogue. */
export type FusableHead = Conv2D | DepthwiseConv2D | Dense;

/** What one fused step computes (indices are the model's layer indices). */
export interface FusionGroup {
  /** The head layer's index. */
  readonly head: number;
  /** The graph value the step reads: the head's input, or the folded zero padding's. */
  readonly input: number;
  /** True when a ZeroPadding2D before the head is folded in (the head then runs with `same` padding). */
  readonly pad: boolean;
  /** Every layer folded in, in graph order (the head first, or after the zero padding; the last one's output is the step's). */
  readonly members: readonly number[];
  /** The BatchNormalization folded in, if any. */
  readonly bn: BatchNormalization | null;
  /** The graph value added as a residual (the Add's other input), or -1. */
  readonly residual: number;
  /** The clip: [-Infinity, Infinity] for none, [0, Infinity] for ReLU, [0, 6] for ReLU6. */
  readonly clip: readonly [number, number];
  /** The name of the clip as an activation ("linear", "relu", "relu6", or "relu" with another maximum). */
  readonly activation: string;
}

/** Index of the weight named `name` in `layer`'s specs, or -1. */
function weightIndex(layer: Layer, name: string): number {
  return layer.weights.specs.findIndex((s) => s.name === name);
}

/** A fused step: see the module comment. */
export class FusedLayer implements Layer {
  readonly className: string;
  name: string;
  readonly config: Readonly<Record<string, unknown>> = {};
  readonly declaredInputShape = null;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly outputActivation: string;
  readonly aliasesInput = false;
  trainable = false;
  /** None of its own: it reads its head's (and batch normalization's) weights. */
  readonly weights: LayerWeights;
  /** Output channels. */
  private readonly channels: number;
  private readonly convDims: Conv2dDims | null = null;
  private readonly dwDims: DepthwiseDims | null = null;
  /** Reused argument of every kernel call (a step allocates nothing). */
  private readonly epilogue: Epilogue;
  /** Indices of the head's bias (-1: none) and the batch normalization's gamma, beta, moving mean and variance (-1: absent). */
  private readonly biasAt: number;
  private readonly bnAt: readonly [number, number, number, number];
  private cutFrom: WasmBuffer | null = null;
  private scaleWin: WasmBuffer | null = null;
  private shiftWin: WasmBuffer | null = null;

  /**
   * @param inputShape the step's input: the head's, or the folded zero padding's
   * @param outputShape the group's last layer's output shape
   */
  constructor(
    readonly head: FusableHead,
    readonly group: FusionGroup,
    inputShape: readonly number[],
    outputShape: readonly number[],
  ) {
    this.className = head.className;
    this.name = head.name;
    this.weights = new LayerWeights(() => this.name);
    this.inputShape = inputShape;
    this.outputShape = outputShape;
    this.outputActivation = group.activation;
    const [lo, hi] = group.clip;
    this.epilogue = { scale: null, shift: null, residual: null, lo, hi };
    this.biasAt = head.useBias ? weightIndex(head, "bias") : -1;
    const bn = group.bn;
    this.bnAt = bn ? [weightIndex(bn, "gamma"), weightIndex(bn, "beta"), weightIndex(bn, "moving_mean"), weightIndex(bn, "moving_variance")] : [-1, -1, -1, -1];
    // A folded zero padding is the head's `same` padding (fuse.ts checked they agree).
    const padding = group.pad ? "same" : head instanceof Dense ? "valid" : head.padding;
    if (head instanceof Conv2D) {
      const [h, w, c] = inputShape;
      this.convDims = conv2dDims(1, h!, w!, c!, head.kernelSize[0], head.kernelSize[1], head.filters, head.strides[0], head.strides[1],
        padding, head.dilationRate[0], head.dilationRate[1]);
      this.channels = head.filters;
    } else if (head instanceof Dense) {
      this.channels = head.units;
    } else {
      const [h, w, c] = inputShape;
      this.dwDims = depthwiseDims(1, h!, w!, c!, head.kernelSize[0], head.kernelSize[1], head.depthMultiplier, head.strides[0], head.strides[1],
        padding, head.dilationRate[0], head.dilationRate[1]);
      this.channels = c! * head.depthMultiplier;
    }
  }

  build(): readonly number[] {
    throw new Error(`${this.name}: a fused inference step is never built (internal error)`);
  }

  apply(_inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    throw new Error(`${this.name}: a fused inference step is not a layer to apply (internal error)`);
  }

  /** The folded batch normalization's scale and shift (2 * channels floats), and the head's scratch. */
  workspace(core: WasmCore, batch: number): Workspace {
    const f32 = this.group.bn ? 2 * this.channels : 0;
    if (this.convDims) {
      this.convDims.batch = batch;
      return { f32, u32: 0, scratch: conv2dScratchLength(core, this.convDims) };
    }
    return f32 > 0 ? { f32, u32: 0, scratch: 0 } : NO_WORKSPACE;
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    if (pass.training || !activate) throw new Error(`${this.name}: a fused step runs in inference only (internal error)`);
    const head = this.head;
    const e = this.epilogue;
    const bias = this.biasAt >= 0 ? head.weights.param(this.biasAt) : null;
    const bn = this.group.bn;
    if (bn) {
      this.cut(bufs.f32!);
      // Indexed reads: array destructuring may allocate an iterator, and this runs every call.
      const at = this.bnAt;
      const w = bn.weights;
      const gamma = at[0] >= 0 ? w.param(at[0]) : null;
      const beta = at[1] >= 0 ? w.param(at[1]) : null;
      epilogueFoldBatchNorm(core, this.channels, bn.epsilon, gamma, beta, w.param(at[2]), w.param(at[3]), bias, this.scaleWin!, this.shiftWin!);
      e.scale = this.scaleWin;
      e.shift = this.shiftWin;
    } else {
      e.scale = null;
      e.shift = bias;
    }
    e.residual = this.group.residual >= 0 ? bufs.xs[1]! : null;
    const kernel = head.weights.param(0);
    if (this.convDims) {
      this.convDims.batch = pass.count;
      conv2dForwardFused(core, this.convDims, bufs.x, kernel, e, bufs.y, bufs.scratch!);
    } else if (this.dwDims) {
      this.dwDims.batch = pass.count;
      depthwiseForwardFused(core, this.dwDims, bufs.x, kernel, e, bufs.y);
    } else {
      denseForwardFused(core, pass.count, this.inputShape[0]!, this.channels, bufs.x, kernel, e, bufs.y);
    }
  }

  backward(): void {
    throw new Error(`${this.name}: a fused inference step has no backward pass (internal error)`);
  }

  getWeights(): Tensor[] {
    return [];
  }

  setWeights(): void {
    throw new Error(`${this.name}: a fused inference step has no weights of its own (internal error)`);
  }

  /** Cuts the scale and shift windows of the workspace once per plan buffer. */
  private cut(own: WasmBuffer): void {
    if (this.cutFrom === own) return;
    this.cutFrom = own;
    this.scaleWin = own.subarray(0, this.channels);
    this.shiftWin = own.subarray(this.channels, this.channels);
  }
}
