/**
 * Conv2D: a 2-D convolution over NHWC images, then an optional activation applied in
 * place. Kernel `[kh, kw, inChannels, filters]` and bias `[filters]`, as Keras.
 */
import type { Initializer } from "../initializers.js";
import type { Regularizer } from "../regularizers.js";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../kernels/conv2d.js";
import { conv2dDims, type Conv2dDims, type Padding } from "../shapes.js";
import type { WasmCore } from "../wasm/core.js";
import { activation, biasInitializer, channelsLast, kernelInitializer, kernelRegularizer, nulls, oneGroup, positive, useBias } from "../io/keras_config.js";
import { explainConv2d } from "../model/explain.js";
import type { LayerKind } from "./kind.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import { checkKernelFits, convGeometry, explainGeometry, geometryConfig, geometryOptions, type ConvGeometry } from "./conv_options.js";
import { FusedActivation } from "./fused_activation.js";
import { kernelAndBiasSpecs, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** Options of {@link conv2d}. */
export interface Conv2dArgs {
  /** Number of output channels (K), each its own kernel. */
  filters: number;
  /** Kernel height and width (F), one number for a square kernel. */
  kernelSize: number | [number, number];
  /** Step (S) between windows, vertical and horizontal; default 1. */
  strides?: number | [number, number];
  /** "valid" (no padding, default) or "same" (output ceil(n / S), zero-padded). */
  padding?: Padding;
  /**
   * Spacing of the kernel taps, vertical and horizontal (a dilated or "atrous"
   * convolution); default 1. As in Keras, it cannot be combined with strides above 1.
   */
  dilationRate?: number | [number, number];
  /** Activation applied to the output; default "linear" (none). */
  activation?: args.ActivationName;
  /** Whether the layer adds a bias; default true. */
  useBias?: boolean;
  /** Initializer name or object for the kernel; default "glorotUniform". */
  kernelInitializer?: string | Initializer;
  /** Initializer name or object for the bias; default "zeros". */
  biasInitializer?: string | Initializer;
  /** Penalty on the kernel added to the loss, e.g. `regularizers.l2(1e-4)` (or "l2", or a Keras config); default none. */
  kernelRegularizer?: string | Regularizer | null;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

const KEYS = ["filters", "kernelSize", "strides", "padding", "dilationRate", "activation", "useBias", "kernelInitializer", "biasInitializer", "kernelRegularizer", "inputShape", "name"];

/** A Conv2D layer (see {@link conv2d}). */
export class Conv2D extends BaseLayer implements args.KernelOptions, ConvGeometry {
  readonly className = "Conv2D";
  /** Number of output channels. */
  readonly filters: number;
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Step between windows, [vertical, horizontal]. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  /** Spacing of the kernel taps, [vertical, horizontal]. */
  readonly dilationRate: [number, number];
  readonly activation: args.ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  private readonly act: FusedActivation;
  /** Dims for the planned batch; `batch` is set to each pass's count before a call. */
  private dims: Conv2dDims | null = null;

  /** Checks `options` and fills in defaults; usually called through {@link conv2d}. */
  constructor(options: Conv2dArgs) {
    const where = "layers.conv2d";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    this.filters = args.positiveInt(where, "filters", options.filters);
    ({ kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } = convGeometry(where, options));
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new Error(`${where}: strides above 1 cannot be combined with a dilationRate above 1 (Keras refuses it too), received strides ${args.show(this.strides)} and dilationRate ${args.show(this.dilationRate)}`);
    }
    ({ activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer, kernelRegularizer: this.kernelRegularizer } =
      args.kernelOptions(where, options));
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), filters: this.filters, ...geometryConfig(this), ...args.kernelConfig(this) };
  }

  override get outputActivation(): string {
    return this.activation;
  }

  override build(inputShape: readonly number[]): number[] {
    args.expectRank(this.label, inputShape, 3, "[height, width, channels]");
    const [h, w, c] = inputShape as [number, number, number];
    checkKernelFits(this.label, this, h, w);
    const [kh, kw] = this.kernelSize;
    this.dims = conv2dDims(1, h, w, c, kh, kw, this.filters, this.strides[0], this.strides[1], this.padding, this.dilationRate[0], this.dilationRate[1]);
    this.inputShape = [h, w, c];
    this.outputShape = [this.dims.outH, this.dims.outW, this.filters];
    this.weights.specs = kernelAndBiasSpecs(this, [kh, kw, c, this.filters], this.filters);
    return this.outputShape;
  }

  override workspace(core: WasmCore, batch: number): Workspace {
    const d = this.batched(this.dims, batch);
    return { f32: this.act.savedFloats(batch * d.outH * d.outW * this.filters), u32: 0, scratch: conv2dScratchLength(core, d) };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.batched(this.dims, pass.count);
    const bias = this.useBias ? this.weights.param(1) : null;
    conv2dForward(core, d, bufs.x, this.weights.param(0), bias, bufs.y, bufs.scratch!);
    // The activation runs per pixel over the filters: rows are the batch's output pixels.
    this.act.forward(core, activate, pass.count * d.outH * d.outW, this.filters, bufs.y, bufs.f32);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.batched(this.dims, pass.count);
    this.act.backward(core, activate, pass.count * d.outH * d.outW, this.filters, bufs.y, bufs.dy, bufs.f32);
    conv2dBackwardFilter(core, d, bufs.x, bufs.dy, this.weights.grad(0), bufs.scratch!);
    if (this.useBias) conv2dBackwardBias(core, d, bufs.dy, this.weights.grad(1));
    if (bufs.dx) conv2dBackwardInput(core, d, bufs.dy, this.weights.param(0), bufs.dx, bufs.scratch!);
  }
}

/**
 * A 2-D convolution layer (NHWC). Defaults as Keras: strides 1, padding "valid", dilation 1, no
 * activation, a bias, glorot-uniform kernel and zero bias.
 */
export function conv2d(options: Conv2dArgs): Conv2D {
  return new Conv2D(options);
}

/** Conv2D described once (see kind.ts). */
export function conv2dKind(): LayerKind {
  return {
    className: "Conv2D",
    stem: "conv2d",
    create: (config) => conv2d(config as unknown as Conv2dArgs),
    keras: {
      options: [
        { keras: "filters", camel: "filters", read: positive },
        ...geometryOptions(false),
        activation,
        useBias,
        kernelInitializer,
        biasInitializer,
        kernelRegularizer,
      ],
      fixed: [channelsLast, oneGroup, ...nulls("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")],
    },
    explain: (layer) => explainConv2d({ ...explainGeometry(layer as Conv2D), filters: (layer as Conv2D).filters, useBias: (layer as Conv2D).useBias }),
  };
}
