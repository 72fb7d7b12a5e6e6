/**
 * Dense: y = x W + b on flat inputs, then an optional activation applied in place.
 * Kernel `[inputs, units]` and bias `[units]`, as Keras.
 */
import type { Initializer } from "../initializers.js";
import type { Regularizer } from "../regularizers.js";
import { denseBackward, denseForward } from "../kernels/dense.js";
import { formatShape } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import { activation, biasInitializer, kernelInitializer, kernelRegularizer, nulls, positive, useBias } from "../io/keras_config.js";
import { explainDense } from "../model/explain.js";
import type { LayerKind } from "./kind.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import { FusedActivation } from "./fused_activation.js";
import { kernelAndBiasSpecs, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** Options of {@link dense}. */
export interface DenseArgs {
  /** Number of outputs. */
  units: number;
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

const KEYS = ["units", "activation", "useBias", "kernelInitializer", "biasInitializer", "kernelRegularizer", "inputShape", "name"];

/** A Dense layer (see {@link dense}). */
export class Dense extends BaseLayer implements args.KernelOptions {
  readonly className = "Dense";
  /** Number of outputs. */
  readonly units: number;
  readonly activation: args.ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  private readonly act: FusedActivation;

  /** Checks `options` and fills in defaults; usually called through {@link dense}. */
  constructor(options: DenseArgs) {
    const where = "layers.dense";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    this.units = args.positiveInt(where, "units", options.units);
    ({ activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer, kernelRegularizer: this.kernelRegularizer } =
      args.kernelOptions(where, options));
    this.act = new FusedActivation(this.activation);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), units: this.units, ...args.kernelConfig(this) };
  }

  override get outputActivation(): string {
    return this.activation;
  }

  override build(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 1) {
      throw new Error(`${this.label}: expected a flat input [features] per sample, received ${formatShape(inputShape)}; add layers.flatten() before it`);
    }
    this.inputShape = [inputShape[0]!];
    this.outputShape = [this.units];
    this.weights.specs = kernelAndBiasSpecs(this, [inputShape[0]!, this.units], this.units);
    return this.outputShape;
  }

  override workspace(_core: WasmCore, batch: number): Workspace {
    return { f32: this.act.savedFloats(batch * this.units), u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const inputs = this.inputShape![0]!;
    const bias = this.useBias ? this.weights.param(1) : null;
    denseForward(core, pass.count, inputs, this.units, bufs.x, this.weights.param(0), bias, bufs.y);
    this.act.forward(core, activate, pass.count, this.units, bufs.y, bufs.f32);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const inputs = this.inputShape![0]!;
    this.act.backward(core, activate, pass.count, this.units, bufs.y, bufs.dy, bufs.f32);
    const db = this.useBias ? this.weights.grad(1) : null;
    denseBackward(core, pass.count, inputs, this.units, bufs.x, this.weights.param(0), bufs.dy, bufs.dx, this.weights.grad(0), db);
  }
}

/** A fully connected layer. Defaults as Keras: no activation, a bias, glorot-uniform kernel, zero bias. */
export function dense(options: DenseArgs): Dense {
  return new Dense(options);
}

/** Dense described once (see kind.ts). */
export function denseKind(): LayerKind {
  return {
    className: "Dense",
    stem: "dense",
    create: (config) => dense(config as unknown as DenseArgs),
    keras: {
      options: [{ keras: "units", camel: "units", read: positive }, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer],
      fixed: [
        ...nulls("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"),
        { keras: "lora_rank", value: undefined, accepts: (v) => v === null, expected: "null (LoRA is not supported)" },
      ],
    },
    explain: (layer) => explainDense({ inputs: layer.inputShape![0]!, units: (layer as Dense).units, useBias: (layer as Dense).useBias }),
  };
}
