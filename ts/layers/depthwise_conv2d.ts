/**
 * DepthwiseConv2D: each input channel convolved with its own `depthMultiplier` kernels
 * (Keras 3), then an optional bias and activation. Kernel `[kh, kw, channels,
 * depthMultiplier]` (saved as "depthwise_kernel", TensorFlow.js's name), bias
 * `[channels * depthMultiplier]`; output channel `c * depthMultiplier + m` comes from
 * input channel `c`.
 */
import type { Initializer } from "../initializers.js";
import { activation, biasInitializer, channelsLast, nulls, useBias } from "../io/keras_config.js";
import { depthwiseBackwardBias, depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from "../kernels/depthwise.js";
import { explainDepthwise } from "../model/explain.js";
import type { DepthwiseDims, Padding } from "../shapes.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import {
  buildDepthwise, depthwiseGeometry, depthwiseKernelSpec, explainGeometry, geometryConfig, geometryOptions, type DepthwiseGeometry,
} from "./conv_options.js";
import { FusedActivation } from "./fused_activation.js";
import { initializerOption, type LayerKind } from "./kind.js";
import { INPUT_ONLY, type BackwardReads, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

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

const KEYS = ["kernelSize", "strides", "padding", "dilationRate", "depthMultiplier", "activation", "useBias", "depthwiseInitializer", "biasInitializer", "inputShape", "name"];

/** A DepthwiseConv2D layer (see {@link depthwiseConv2d}). */
export class DepthwiseConv2D extends BaseLayer implements DepthwiseGeometry {
  readonly className = "DepthwiseConv2D";
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
  private readonly act: FusedActivation;
  private dims: DepthwiseDims | null = null;

  /** Checks `options` and fills in Keras's defaults; usually called through {@link depthwiseConv2d}. */
  constructor(options: DepthwiseConv2dArgs) {
    const where = "layers.depthwiseConv2d";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    ({ kernelSize: this.kernelSize, depthMultiplier: this.depthMultiplier, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } =
      depthwiseGeometry(where, options));
    this.activation = args.activation(where, options.activation);
    this.useBias = args.bool(where, "useBias", options.useBias, true);
    this.depthwiseInitializer = args.initializer(where, "depthwiseInitializer", options.depthwiseInitializer, "glorotUniform");
    this.biasInitializer = args.initializer(where, "biasInitializer", options.biasInitializer, "zeros");
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return {
      ...this.commonConfig(), ...geometryConfig(this), activation: this.activation, useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer, biasInitializer: this.biasInitializer,
    };
  }

  override get outputActivation(): string {
    return this.activation;
  }

  override build(inputShape: readonly number[]): number[] {
    const d = buildDepthwise(this.label, this, inputShape);
    this.dims = d;
    const oc = d.channels * d.multiplier;
    this.inputShape = [...inputShape];
    this.outputShape = [d.outH, d.outW, oc];
    const specs = [depthwiseKernelSpec(d, this.depthwiseInitializer)];
    if (this.useBias) specs.push({ name: "bias", shape: [oc], initializer: this.biasInitializer });
    this.weights.specs = specs;
    return this.outputShape;
  }

  /** Without an activation backward reads only the input (an activation may read the output). */
  get backwardReads(): BackwardReads | undefined {
    return this.activation === "linear" ? INPUT_ONLY : undefined;
  }

  override workspace(_core: WasmCore, batch: number): Workspace {
    const d = this.batched(this.dims, batch);
    return { f32: this.act.savedFloats(batch * d.outH * d.outW * d.channels * d.multiplier), u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.batched(this.dims, pass.count);
    depthwiseForward(core, d, bufs.x, this.weights.param(0), this.useBias ? this.weights.param(1) : null, bufs.y);
    this.act.forward(core, activate, pass.count * d.outH * d.outW, d.channels * d.multiplier, bufs.y, bufs.f32);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.batched(this.dims, pass.count);
    this.act.backward(core, activate, pass.count * d.outH * d.outW, d.channels * d.multiplier, bufs.y, bufs.dy, bufs.f32);
    depthwiseBackwardFilter(core, d, bufs.x, bufs.dy, this.weights.grad(0));
    if (this.useBias) depthwiseBackwardBias(core, d, bufs.dy, this.weights.grad(1));
    if (bufs.dx) depthwiseBackwardInput(core, d, bufs.dy, this.weights.param(0), bufs.dx);
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

/** DepthwiseConv2D described once (see kind.ts). */
export function depthwiseConv2dKind(): LayerKind {
  return {
    className: "DepthwiseConv2D",
    stem: "depthwise_conv2d",
    create: (config) => depthwiseConv2d(config as unknown as DepthwiseConv2dArgs),
    keras: {
      options: [...geometryOptions(true), activation, useBias, initializerOption("depthwise_initializer", "depthwiseInitializer", "glorotUniform"), biasInitializer],
      fixed: [channelsLast, ...nulls("depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")],
    },
    explain: (layer) => {
      const l = layer as DepthwiseConv2D;
      return explainDepthwise({ ...explainGeometry(l), depthMultiplier: l.depthMultiplier, useBias: l.useBias });
    },
  };
}
