/**
 * Conv2D: a 2-D convolution over NHWC images, then an optional activation applied in
 * place. Kernel `[kh, kw, inChannels, filters]` and bias `[filters]`, as Keras.
 */
import type { Initializer } from "../initializers.js";
import type { Regularizer } from "../regularizers.js";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../kernels/conv2d.js";
import { conv2dDims, dilatedSpan, type Conv2dDims, type Padding } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import { activation, biasInitializer, channelsLast, kernelInitializer, kernelRegularizer, nulls, oneGroup, padding, pair, positive, useBias } from "../io/keras_config.js";
import { explainConv2d } from "../model/explain.js";
import type { LayerKind } from "./kind.js";
import * as args from "./args.js";
import { FusedActivation } from "./fused_activation.js";
import { kernelAndBiasSpecs, LayerWeights, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";

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
export class Conv2D implements Layer, args.KernelOptions {
  readonly className = "Conv2D";
  name: string;
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
  readonly declaredInputShape: number[] | null;
  readonly aliasesInput = false;
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;
  private readonly act: FusedActivation;
  /** Dims for the planned batch; `batch` is set to each pass's count before a call. */
  private dims: Conv2dDims | null = null;

  /** Checks `options` and fills in defaults; usually called through {@link conv2d}. */
  constructor(options: Conv2dArgs) {
    const where = "layers.conv2d";
    args.optionsObject(where, options, KEYS);
    this.filters = args.positiveInt(where, "filters", options.filters);
    this.kernelSize = args.positivePair(where, "kernelSize", options.kernelSize);
    this.strides = options.strides === undefined ? [1, 1] : args.positivePair(where, "strides", options.strides);
    this.padding = args.padding(where, options.padding);
    this.dilationRate = options.dilationRate === undefined ? [1, 1] : args.positivePair(where, "dilationRate", options.dilationRate);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new Error(`${where}: strides above 1 cannot be combined with a dilationRate above 1 (Keras refuses it too), received strides ${args.show(this.strides)} and dilationRate ${args.show(this.dilationRate)}`);
    }
    ({ activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer, kernelRegularizer: this.kernelRegularizer } =
      args.kernelOptions(where, options));
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return {
      ...args.commonConfig(this.name, this.declaredInputShape), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      padding: this.padding, dilationRate: [...this.dilationRate], ...args.kernelConfig(this),
    };
  }

  get outputActivation(): string {
    return this.activation;
  }

  build(inputShape: readonly number[]): number[] {
    const what = `${this.name} (Conv2D)`;
    args.expectRank(what, inputShape, 3, "[height, width, channels]");
    const [h, w, c] = inputShape as [number, number, number];
    const [kh, kw] = this.kernelSize;
    const [dh, dw] = this.dilationRate;
    const [spanH, spanW] = [dilatedSpan(kh, dh), dilatedSpan(kw, dw)];
    if (this.padding === "valid" && (spanH > h || spanW > w)) {
      const kernel = dh > 1 || dw > 1 ? `dilated kernel ${kh}x${kw} (spanning ${spanH}x${spanW})` : `kernel ${kh}x${kw}`;
      throw new Error(`${what}: ${kernel} is larger than its input ${h}x${w} with padding "valid"; use a smaller kernelSize or padding "same"`);
    }
    this.dims = conv2dDims(1, h, w, c, kh, kw, this.filters, this.strides[0], this.strides[1], this.padding, dh, dw);
    this.inputShape = [h, w, c];
    this.outputShape = [this.dims.outH, this.dims.outW, this.filters];
    this.weights.specs = kernelAndBiasSpecs(this, [kh, kw, c, this.filters], this.filters);
    return this.outputShape;
  }

  workspace(core: WasmCore, batch: number): Workspace {
    const d = this.dimsFor(batch);
    return { f32: this.act.savedFloats(batch * d.outH * d.outW * this.filters), u32: 0, scratch: conv2dScratchLength(core, d) };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    const bias = this.useBias ? this.weights.param(1) : null;
    conv2dForward(core, d, bufs.x, this.weights.param(0), bias, bufs.y, bufs.scratch!);
    // The activation runs per pixel over the filters: rows are the batch's output pixels.
    this.act.forward(core, activate, pass.count * d.outH * d.outW, this.filters, bufs.y, bufs.f32);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    this.act.backward(core, activate, pass.count * d.outH * d.outW, this.filters, bufs.y, bufs.dy, bufs.f32);
    conv2dBackwardFilter(core, d, bufs.x, bufs.dy, this.weights.grad(0), bufs.scratch!);
    if (this.useBias) conv2dBackwardBias(core, d, bufs.dy, this.weights.grad(1));
    if (bufs.dx) conv2dBackwardInput(core, d, bufs.dy, this.weights.param(0), bufs.dx, bufs.scratch!);
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

  private dimsFor(batch: number): Conv2dDims {
    if (!this.dims) throw new Error(`${this.name} (Conv2D): the layer is not built`);
    this.dims.batch = batch;
    return this.dims;
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
export const CONV2D: LayerKind = {
  className: "Conv2D",
  stem: "conv2d",
  create: (config) => conv2d(config as unknown as Conv2dArgs),
  keras: {
    options: [
      { keras: "filters", camel: "filters", read: positive },
      { keras: "kernel_size", camel: "kernelSize", read: pair },
      { keras: "strides", camel: "strides", read: pair, fallback: [1, 1] },
      padding,
      { keras: "dilation_rate", camel: "dilationRate", read: pair, fallback: [1, 1] },
      activation,
      useBias,
      kernelInitializer,
      biasInitializer,
      kernelRegularizer,
    ],
    fixed: [channelsLast, oneGroup, ...nulls("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")],
  },
  explain: (layer) => {
    const l = layer as Conv2D;
    const [dh, dw] = l.dilationRate;
    return explainConv2d({
      inShape: l.inputShape! as [number, number, number], kernel: l.kernelSize, strides: l.strides, padding: l.padding,
      filters: l.filters, useBias: l.useBias, outShape: l.outputShape! as [number, number, number], ...(dh > 1 || dw > 1 ? { dilation: l.dilationRate } : {}),
    });
  },
};
