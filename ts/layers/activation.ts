/**
 * Activation: applies relu, sigmoid, tanh, softmax (over the last axis) or linear to
 * its input, as a layer of its own.
 */
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { activateGradient, activateOutput, activationCols, copyFloats, LayerWeights, NO_WORKSPACE, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";

/** Options of {@link activation}. */
export interface ActivationArgs {
  /** "relu", "sigmoid", "tanh", "softmax" or "linear". */
  activation: args.ActivationName;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

/** An Activation layer (see {@link activation}). */
export class Activation implements Layer {
  readonly className = "Activation";
  name: string;
  /** The function applied to every value. */
  readonly activation: args.ActivationName;
  readonly declaredInputShape: number[] | null;
  readonly aliasesInput = false;
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;

  /** Checks `options`; usually called through {@link activation}. */
  constructor(options: ActivationArgs) {
    const where = "layers.activation";
    args.optionsObject(where, options, ["activation", "inputShape", "name"]);
    if (options.activation === undefined) throw new Error(`${where}: activation is required, e.g. { activation: "relu" }`);
    this.activation = args.activation(where, options.activation);
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
  }

  get config(): Record<string, unknown> {
    return { ...args.commonConfig(this.name, this.declaredInputShape), activation: this.activation };
  }

  get outputActivation(): string {
    return this.activation;
  }

  build(inputShape: readonly number[]): number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    return this.outputShape;
  }

  workspace(): Workspace {
    return NO_WORKSPACE;
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const n = pass.count * sizeOf(this.inputShape!);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.x, bufs.y, n);
    activateOutput(core, this.activation, activate, n / cols, cols, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    if (!bufs.dx) return;
    const n = pass.count * sizeOf(this.inputShape!);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.dy, bufs.dx, n);
    activateGradient(core, this.activation, activate, n / cols, cols, bufs.y, bufs.dx);
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
}

/** Applies an activation function ("relu", "sigmoid", "tanh", "softmax", "linear"). */
export function activation(options: ActivationArgs): Activation {
  return new Activation(options);
}
