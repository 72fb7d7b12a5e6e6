/**
 * SeparableConv2D (Keras 3): a depthwise convolution (each input channel with its own
 * `depthMultiplier` kernels, no bias) followed by a pointwise 1x1 convolution to
 * `filters` channels, a bias and an activation. Weights in Keras order: depthwise_kernel
 * `[kh, kw, channels, depthMultiplier]`, pointwise_kernel `[1, 1, channels *
 * depthMultiplier, filters]`, bias `[filters]`.
 */
import type { Initializer } from "../initializers.js";
import { activation, biasInitializer, channelsLast, nulls, positive, useBias } from "../io/keras_config.js";
import { conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from "../kernels/conv2d.js";
import { depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from "../kernels/depthwise.js";
import { explainSeparable } from "../model/explain.js";
import { conv2dDims, type Conv2dDims, type DepthwiseDims, type Padding } from "../shapes.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import {
  buildDepthwise, depthwiseGeometry, depthwiseKernelSpec, explainGeometry, geometryConfig, geometryOptions, type DepthwiseGeometry,
} from "./conv_options.js";
import { FusedActivation } from "./fused_activation.js";
import { initializerOption, type LayerKind } from "./kind.js";
import type { LayerBuffers, Pass, WeightSpec, Workspace } from "./layer.js";

/** Options of {@link separableConv2d}. */
export interface SeparableConv2dArgs {
  /** Output channels of the pointwise convolution. */
  filters: number;
  /** Depthwise kernel height and width, one number for a square kernel. */
  kernelSize: number | [number, number];
  /** Depthwise outputs per input channel; default 1. */
  depthMultiplier?: number;
  /** Step between windows of the depthwise convolution; default 1. */
  strides?: number | [number, number];
  /** "valid" (default) or "same". */
  padding?: Padding;
  /** Spacing of the depthwise kernel taps; default 1. */
  dilationRate?: number | [number, number];
  /** Activation applied to the output; default "linear". */
  activation?: args.ActivationName;
  /** Whether the layer adds a bias; default true. */
  useBias?: boolean;
  /** Initializer of the depthwise kernel; default "glorotUniform". */
  depthwiseInitializer?: string | Initializer;
  /** Initializer of the pointwise kernel; default "glorotUniform". */
  pointwiseInitializer?: string | Initializer;
  /** Initializer of the bias; default "zeros". */
  biasInitializer?: string | Initializer;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default separable_conv2d, separable_conv2d_1, ... */
  name?: string;
}

const KEYS = ["filters", "kernelSize", "strides", "padding", "dilationRate", "depthMultiplier", "activation", "useBias", "depthwiseInitializer", "pointwiseInitializer", "biasInitializer",
  "inputShape", "name"];

/** A SeparableConv2D layer (see {@link separableConv2d}). */
export class SeparableConv2D extends BaseLayer implements DepthwiseGeometry {
  readonly className = "SeparableConv2D";
  /** Output channels of the pointwise convolution. */
  readonly filters: number;
  /** Depthwise kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Depthwise outputs per input channel. */
  readonly depthMultiplier: number;
  /** Step between windows, [vertical, horizontal]. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  /** Spacing of the depthwise kernel taps. */
  readonly dilationRate: [number, number];
  /** Applied to the output. */
  readonly activation: args.ActivationName;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** Fills the depthwise kernel. */
  readonly depthwiseInitializer: Initializer;
  /** Fills the pointwise kernel. */
  readonly pointwiseInitializer: Initializer;
  /** Fills the bias. */
  readonly biasInitializer: Initializer;
  private readonly act: FusedActivation;
  private depthwise: DepthwiseDims | null = null;
  private pointwise: Conv2dDims | null = null;

  /** Checks `options` and fills in Keras's defaults; usually called through {@link separableConv2d}. */
  constructor(options: SeparableConv2dArgs) {
    const where = "layers.separableConv2d";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    this.filters = args.positiveInt(where, "filters", options.filters);
    ({ kernelSize: this.kernelSize, depthMultiplier: this.depthMultiplier, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } =
      depthwiseGeometry(where, options));
    this.activation = args.activation(where, options.activation);
    this.useBias = args.bool(where, "useBias", options.useBias, true);
    this.depthwiseInitializer = args.initializer(where, "depthwiseInitializer", options.depthwiseInitializer, "glorotUniform");
    this.pointwiseInitializer = args.initializer(where, "pointwiseInitializer", options.pointwiseInitializer, "glorotUniform");
    this.biasInitializer = args.initializer(where, "biasInitializer", options.biasInitializer, "zeros");
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return {
      ...this.commonConfig(), filters: this.filters, ...geometryConfig(this), activation: this.activation, useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer, pointwiseInitializer: this.pointwiseInitializer, biasInitializer: this.biasInitializer,
    };
  }

  override get outputActivation(): string {
    return this.activation;
  }

  override build(inputShape: readonly number[]): number[] {
    const d = buildDepthwise(this.label, this, inputShape);
    const mid = d.channels * d.multiplier;
    this.depthwise = d;
    this.pointwise = conv2dDims(1, d.outH, d.outW, mid, 1, 1, this.filters, 1, 1, "valid");
    this.inputShape = [...inputShape];
    this.outputShape = [d.outH, d.outW, this.filters];
    const specs: WeightSpec[] = [
      depthwiseKernelSpec(d, this.depthwiseInitializer),
      { name: "pointwise_kernel", shape: [1, 1, mid, this.filters], initializer: this.pointwiseInitializer },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [this.filters], initializer: this.biasInitializer });
    this.weights.specs = specs;
    return this.outputShape;
  }

  /** Own floats: the depthwise output and its gradient, then the saved pre-activation output when needed. */
  override workspace(_core: WasmCore, batch: number): Workspace {
    const [mid, out] = this.sizes(batch);
    // The pointwise 1x1 convolution reads its input in place and needs no scratch; one float keeps the buffer non-null.
    return { f32: 2 * mid + this.act.savedFloats(out), u32: 0, scratch: 1 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const [d, p] = this.dimsFor(pass.count);
    const [mid, , saved] = this.parts(bufs);
    depthwiseForward(core, d, bufs.x, this.weights.param(0), null, mid);
    conv2dForward(core, p, mid, this.weights.param(1), this.useBias ? this.weights.param(2) : null, bufs.y, bufs.scratch!);
    this.act.forward(core, activate, pass.count * p.outH * p.outW, this.filters, bufs.y, saved);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const [d, p] = this.dimsFor(pass.count);
    const [mid, dmid, saved] = this.parts(bufs);
    this.act.backward(core, activate, pass.count * p.outH * p.outW, this.filters, bufs.y, bufs.dy, saved);
    conv2dBackwardFilter(core, p, mid, bufs.dy, this.weights.grad(1), bufs.scratch!);
    if (this.useBias) conv2dBackwardBias(core, p, bufs.dy, this.weights.grad(2));
    conv2dBackwardInput(core, p, bufs.dy, this.weights.param(1), dmid, bufs.scratch!);
    depthwiseBackwardFilter(core, d, bufs.x, dmid, this.weights.grad(0));
    if (bufs.dx) depthwiseBackwardInput(core, d, dmid, this.weights.param(0), bufs.dx);
  }

  /** Floats of the depthwise output and of the layer's output for `batch` samples. */
  private sizes(batch: number): [number, number] {
    const [d] = this.dimsFor(batch);
    return [batch * d.outH * d.outW * d.channels * d.multiplier, batch * d.outH * d.outW * this.filters];
  }

  private dimsFor(batch: number): [DepthwiseDims, Conv2dDims] {
    return [this.batched(this.depthwise, batch), this.batched(this.pointwise, batch)];
  }

  /**
   * The depthwise output, its gradient and the saved pre-activation output (null when
   * not needed): windows of the own buffer, sized for the planned batch and cut once per
   * buffer (a pass of fewer samples uses their start).
   */
  private parts(bufs: LayerBuffers): [WasmBuffer, WasmBuffer, WasmBuffer | null] {
    const own = bufs.f32!;
    if (this.cutFrom !== own) {
      const mid = this.plannedBatch(own) * this.midPerSample();
      const saved = own.length - 2 * mid;
      this.cuts = [own.subarray(0, mid), own.subarray(mid, mid), saved > 0 ? own.subarray(2 * mid, saved) : null];
      this.cutFrom = own;
    }
    return this.cuts as [WasmBuffer, WasmBuffer, WasmBuffer | null];
  }

  private midPerSample(): number {
    const d = this.depthwise!;
    return d.outH * d.outW * d.channels * d.multiplier;
  }

  /** The batch the own buffer was planned for, from its length. */
  private plannedBatch(own: WasmBuffer): number {
    const perSample = 2 * this.midPerSample() + this.act.savedFloats(this.outputShape![0]! * this.outputShape![1]! * this.filters);
    return Math.round(own.length / perSample);
  }

  private cutFrom: WasmBuffer | null = null;
  private cuts: (WasmBuffer | null)[] = [];
}

/**
 * A depthwise-separable 2-D convolution: a depthwise convolution, then a 1x1 convolution
 * to `filters` channels (MobileNet's building block). Defaults as Keras 3.
 */
export function separableConv2d(options: SeparableConv2dArgs): SeparableConv2D {
  return new SeparableConv2D(options);
}

/** SeparableConv2D described once (see kind.ts). */
export function separableConv2dKind(): LayerKind {
  return {
    className: "SeparableConv2D",
    stem: "separable_conv2d",
    create: (config) => separableConv2d(config as unknown as SeparableConv2dArgs),
    keras: {
      options: [
        { keras: "filters", camel: "filters", read: positive },
        ...geometryOptions(true),
        activation,
        useBias,
        initializerOption("depthwise_initializer", "depthwiseInitializer", "glorotUniform"),
        initializerOption("pointwise_initializer", "pointwiseInitializer", "glorotUniform"),
        biasInitializer,
      ],
      fixed: [
        channelsLast,
        ...nulls("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
          "pointwise_constraint", "bias_constraint"),
      ],
    },
    explain: (layer) => {
      const l = layer as SeparableConv2D;
      return explainSeparable({ ...explainGeometry(l), depthMultiplier: l.depthMultiplier, filters: l.filters, useBias: l.useBias });
    },
  };
}
