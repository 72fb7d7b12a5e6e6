/**
 * Conv2D: a 2-D convolution over NHWC images, then an optional activation applied in
 * place. Kernel `[kh, kw, inChannels, filters]` and bias `[filters]`, as Keras.
 */
import type { Initializer } from "../initializers.js";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../kernels/conv2d.js";
import { conv2dDims, type Conv2dDims, type Padding } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { activateGradient, activateOutput, kernelAndBiasSpecs, LayerWeights, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";
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
  /** Activation applied to the output; default "linear" (none). */
  activation?: args.ActivationName;
  /** Whether the layer adds a bias; default true. */
  useBias?: boolean;
  /** Initializer name or object for the kernel; default "glorotUniform". */
  kernelInitializer?: string | Initializer;
  /** Initializer name or object for the bias; default "zeros". */
  biasInitializer?: string | Initializer;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

const KEYS = ["filters", "kernelSize", "strides", "padding", "activation", "useBias", "kernelInitializer", "biasInitializer", "inputShape", "name"];

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
  readonly activation: args.ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly declaredInputShape: number[] | null;
  readonly aliasesInput = false;
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;
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
    ({ activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer } =
      args.kernelOptions(where, options));
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
  }

  get config(): Record<string, unknown> {
    return {
      ...args.commonConfig(this.name, this.declaredInputShape), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      padding: this.padding, ...args.kernelConfig(this),
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
    if (this.padding === "valid" && (kh > h || kw > w)) {
      throw new Error(`${what}: kernel ${kh}x${kw} is larger than its input ${h}x${w} with padding "valid"; use a smaller kernelSize or padding "same"`);
    }
    this.dims = conv2dDims(1, h, w, c, kh, kw, this.filters, this.strides[0], this.strides[1], this.padding);
    this.inputShape = [h, w, c];
    this.outputShape = [this.dims.outH, this.dims.outW, this.filters];
    this.weights.specs = kernelAndBiasSpecs(this, [kh, kw, c, this.filters], this.filters);
    return this.outputShape;
  }

  workspace(core: WasmCore, batch: number): Workspace {
    return { f32: 0, u32: 0, scratch: conv2dScratchLength(core, this.dimsFor(batch)) };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    const bias = this.useBias ? this.weights.param(1) : null;
    conv2dForward(core, d, bufs.x, this.weights.param(0), bias, bufs.y, bufs.scratch!);
    // The activation runs per pixel over the filters: rows are the batch's output pixels.
    activateOutput(core, this.activation, activate, pass.count * d.outH * d.outW, this.filters, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const d = this.dimsFor(pass.count);
    activateGradient(core, this.activation, activate, pass.count * d.outH * d.outW, this.filters, bufs.y, bufs.dy);
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
 * A 2-D convolution layer (NHWC). Defaults as Keras: strides 1, padding "valid", no
 * activation, a bias, glorot-uniform kernel and zero bias.
 */
export function conv2d(options: Conv2dArgs): Conv2D {
  return new Conv2D(options);
}
