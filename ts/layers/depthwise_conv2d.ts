/**
 * DepthwiseConv2D: each input channel convolved with its own `depthMultiplier` kernels
 * (Keras 3), then an optional bias and activation. Kernel `[kh, kw, channels,
 * depthMultiplier]` (saved as "depthwise_kernel", TensorFlow.js's name), bias
 * `[channels * depthMultiplier]`; output channel `c * depthMultiplier + m` comes from
 * input channel `c`.
 */
import type { Initializer } from "../initializers.js";
import { activation, biasInitializer, channelsLast, nulls, padding, pair, positive, useBias, type Option } from "../io/keras_config.js";
import { initializerFromKeras, initializerToKeras } from "../io/keras_initializers.js";
import { depthwiseBackwardBias, depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from "../kernels/depthwise.js";
import { explainDepthwise } from "../model/explain.js";
import { depthwiseDims, dilatedSpan, type DepthwiseDims, type Padding } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { FusedActivation } from "./fused_activation.js";
import type { LayerKind } from "./kind.js";
import { INPUT_ONLY, LayerWeights, type BackwardReads, type Layer, type LayerBuffers, type Pass, type WeightSpec, type Workspace } from "./layer.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";

/** Options of {@link depthwiseConv2d}. */
export interface DepthwiseConv2dArgs {
  /** Kernel height and width, one number for a square kernel. */
  kernelSize: number | [number, number];
  /** Outputs per input channel; default 1. */
  depthMultiplier?: number;
  /** Step between windows, vertical and horizontal; default 1. */
  strides?: number | [number, number];
  /** "valid" (default) or "same". */
  padding?: Padding;
  /** Spacing of the kernel taps; default 1 (Keras 3 allows it together with strides here). */
  dilationRate?: number | [number, number];
  /** Activation applied to the output; default "linear". */
  activation?: args.ActivationName;
  /** Whether the layer adds a bias; default true. */
  useBias?: boolean;
  /** Initializer of the depthwise kernel; default "glorotUniform". */
  depthwiseInitializer?: string | Initializer;
  /** Initializer of the bias; default "zeros". */
  biasInitializer?: string | Initializer;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default depthwise_conv2d, depthwise_conv2d_1, ... */
  name?: string;
}

const KEYS = ["kernelSize", "depthMultiplier", "strides", "padding", "dilationRate", "activation", "useBias", "depthwiseInitializer",
  "biasInitializer", "inputShape", "name"];

/** The depthwise geometry both DepthwiseConv2D and SeparableConv2D check and build. */
export interface DepthwiseGeometry {
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Outputs per input channel. */
  readonly depthMultiplier: number;
  /** Step between windows. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  /** Spacing of the kernel taps. */
  readonly dilationRate: [number, number];
}

/** Checks the geometry options shared by the depthwise and separable layers. */
export function depthwiseGeometry(where: string, options: Partial<Record<keyof DepthwiseGeometry, unknown>>): DepthwiseGeometry {
  return {
    kernelSize: args.positivePair(where, "kernelSize", options.kernelSize),
    depthMultiplier: options.depthMultiplier === undefined ? 1 : args.positiveInt(where, "depthMultiplier", options.depthMultiplier),
    strides: options.strides === undefined ? [1, 1] : args.positivePair(where, "strides", options.strides),
    padding: args.padding(where, options.padding),
    dilationRate: options.dilationRate === undefined ? [1, 1] : args.positivePair(where, "dilationRate", options.dilationRate),
  };
}

/** The dims of `g` on a per-sample `inputShape`, checked with `what` naming the layer. */
export function buildDepthwise(what: string, g: DepthwiseGeometry, inputShape: readonly number[]): DepthwiseDims {
  args.expectRank(what, inputShape, 3, "[height, width, channels]");
  const [h, w, c] = inputShape as [number, number, number];
  const [kh, kw] = g.kernelSize;
  const [spanH, spanW] = [dilatedSpan(kh, g.dilationRate[0]), dilatedSpan(kw, g.dilationRate[1])];
  if (g.padding === "valid" && (spanH > h || spanW > w)) {
    const kernel = spanH !== kh || spanW !== kw ? `dilated kernel ${kh}x${kw} (spanning ${spanH}x${spanW})` : `kernel ${kh}x${kw}`;
    throw new Error(`${what}: ${kernel} is larger than its input ${h}x${w} with padding "valid"; use a smaller kernelSize or padding "same"`);
  }
  return depthwiseDims(1, h, w, c, kh, kw, g.depthMultiplier, g.strides[0], g.strides[1], g.padding, g.dilationRate[0], g.dilationRate[1]);
}

/** A DepthwiseConv2D layer (see {@link depthwiseConv2d}). */
export class DepthwiseConv2D implements Layer, DepthwiseGeometry {
  readonly className = "DepthwiseConv2D";
  name: string;
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Outputs per input channel. */
  readonly depthMultiplier: number;
  /** Step between windows, [vertical, horizontal]. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  /** Spacing of the kernel taps, [vertical, horizontal]. */
  readonly dilationRate: [number, number];
  /** Applied to the output. */
  readonly activation: args.ActivationName;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** Fills the depthwise kernel. */
  readonly depthwiseInitializer: Initializer;
  /** Fills the bias. */
  readonly biasInitializer: Initializer;
  readonly declaredInputShape: number[] | null;
  readonly aliasesInput = false;
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;
  private readonly act: FusedActivation;
  private dims: DepthwiseDims | null = null;

  /** Checks `options` and fills in Keras's defaults; usually called through {@link depthwiseConv2d}. */
  constructor(options: DepthwiseConv2dArgs) {
    const where = "layers.depthwiseConv2d";
    args.optionsObject(where, options, KEYS);
    ({ kernelSize: this.kernelSize, depthMultiplier: this.depthMultiplier, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } =
      depthwiseGeometry(where, options));
    this.activation = args.activation(where, options.activation);
    this.useBias = args.bool(where, "useBias", options.useBias, true);
    this.depthwiseInitializer = args.initializer(where, "depthwiseInitializer", options.depthwiseInitializer, "glorotUniform");
    this.biasInitializer = args.initializer(where, "biasInitializer", options.biasInitializer, "zeros");
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return {
      ...args.commonConfig(this.name, this.declaredInputShape), kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      depthMultiplier: this.depthMultiplier, dilationRate: [...this.dilationRate], activation: this.activation, useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer, biasInitializer: this.biasInitializer,
    };
  }

  get outputActivation(): string {
    return this.activation;
  }

  build(inputShape: readonly number[]): number[] {
    const d = buildDepthwise(`${this.name} (DepthwiseConv2D)`, this, inputShape);
    this.dims = d;
    const oc = d.channels * d.multiplier;
    this.inputShape = [...inputShape];
    this.outputShape = [d.outH, d.outW, oc];
    const specs: WeightSpec[] = [{ name: "depthwise_kernel", shape: [d.kH, d.kW, d.channels, d.multiplier], initializer: this.depthwiseInitializer }];
    if (this.useBias) specs.push({ name: "bias", shape: [oc], initializer: this.biasInitializer });
    this.weights.specs = specs;
    return this.outputShape;
  }

  /** Without an activation backward reads only the input (an activation may read the output). */
  get backwardReads(): BackwardReads | undefined {
    return this.activation === "linear" ? INPUT_ONLY : undefined;
  }

  workspace(_core: WasmCore, batch: number): Workspace {
    const d = this.dimsFor(batch);
    return { f32: this.act.savedFloats(batch * d.outH * d.outW * d.channels * d.multiplier), u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    depthwiseForward(core, d, bufs.x, this.weights.param(0), this.useBias ? this.weights.param(1) : null, bufs.y);
    this.act.forward(core, activate, pass.count * d.outH * d.outW, d.channels * d.multiplier, bufs.y, bufs.f32);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    this.act.backward(core, activate, pass.count * d.outH * d.outW, d.channels * d.multiplier, bufs.y, bufs.dy, bufs.f32);
    depthwiseBackwardFilter(core, d, bufs.x, bufs.dy, this.weights.grad(0));
    if (this.useBias) depthwiseBackwardBias(core, d, bufs.dy, this.weights.grad(1));
    if (bufs.dx) depthwiseBackwardInput(core, d, bufs.dy, this.weights.param(0), bufs.dx);
  }

  /** Connects the layer in a functional graph; see {@link Layer.apply}. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  getWeights(): Tensor[] {
    return this.weights.get();
  }

  setWeights(weights: readonly Tensor[]): void {
    this.weights.set(weights);
  }

  private dimsFor(batch: number): DepthwiseDims {
    if (!this.dims) throw new Error(`${this.name} (DepthwiseConv2D): the layer is not built`);
    this.dims.batch = batch;
    return this.dims;
  }
}

/**
 * A depthwise 2-D convolution (NHWC): every input channel gets its own `depthMultiplier`
 * kernels. Defaults as Keras 3: multiplier 1, strides 1, padding "valid", dilation 1, no
 * activation, a bias, glorot-uniform kernel, zero bias.
 */
export function depthwiseConv2d(options: DepthwiseConv2dArgs): DepthwiseConv2D {
  return new DepthwiseConv2D(options);
}

/** A Keras initializer option (`keras`, `camel`, default `fallback`). */
export const initializerOption = (keras: string, camel: string, fallback: string): Option =>
  ({ keras, camel, read: initializerFromKeras, write: initializerToKeras, fallback });

/** The Keras options of the depthwise geometry, in Keras 3's config order. */
export const DEPTHWISE_OPTIONS: Option[] = [
  { keras: "kernel_size", camel: "kernelSize", read: pair },
  { keras: "strides", camel: "strides", read: pair, fallback: [1, 1] },
  padding,
  { keras: "depth_multiplier", camel: "depthMultiplier", read: positive, fallback: 1 },
  { keras: "dilation_rate", camel: "dilationRate", read: pair, fallback: [1, 1] },
];

/** DepthwiseConv2D described once (see kind.ts). */
export const DEPTHWISE_CONV2D: LayerKind = {
  className: "DepthwiseConv2D",
  stem: "depthwise_conv2d",
  create: (config) => depthwiseConv2d(config as unknown as DepthwiseConv2dArgs),
  keras: {
    options: [...DEPTHWISE_OPTIONS, activation, useBias, initializerOption("depthwise_initializer", "depthwiseInitializer", "glorotUniform"), biasInitializer],
    fixed: [channelsLast, ...nulls("depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")],
  },
  explain: (layer) => {
    const l = layer as DepthwiseConv2D;
    const [h, w, c] = l.inputShape! as [number, number, number];
    return explainDepthwise({
      inShape: [h, w, c], kernel: l.kernelSize, strides: l.strides, padding: l.padding, dilation: l.dilationRate, depthMultiplier: l.depthMultiplier,
      useBias: l.useBias, outShape: l.outputShape! as [number, number, number],
    });
  },
};
