/**
 * Activation: applies one of the activation functions (softmax over the last axis) to
 * its input, as a layer of its own.
 */
import type { WasmCore } from "../wasm/core.js";
import { activation as activationOption } from "../io/keras_config.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import { FusedActivation, unaryOf } from "./fused_activation.js";
import { reluBackwardInto, reluForwardInto, type UnaryFn } from "../kernels/unary.js";
import { activationCols, copyFloats, OUTPUT_ONLY, type BackwardReads, type LayerBuffers, type Pass } from "./layer.js";

/** relu as the ReLU family's kernel function. */
const RELU: UnaryFn = { kind: "relu", maxValue: Infinity, negativeSlope: 0, threshold: 0 };

/** Options of {@link activation}. */
export interface ActivationArgs {
  /** One of the activation names ("relu", "softmax", "gelu", ...). */
  activation: args.ActivationName;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

/** An Activation layer (see {@link activation}). */
export class Activation extends BaseLayer {
  readonly className = "Activation";
  /** The function applied to every value. */
  readonly activation: args.ActivationName;
  private readonly act: FusedActivation;
  /** The kernel function of relu and relu6 (never skipped: only a softmax output is), else null. */
  private readonly relu: UnaryFn | null;

  /** Checks `options`; usually called through {@link activation}. */
  constructor(options: ActivationArgs) {
    const where = "layers.activation";
    args.optionsObject(where, options, ["activation", "inputShape", "name"]);
    super(where, options);
    if (options.activation === undefined) throw new Error(`${where}: activation is required, e.g. { activation: "relu" }`);
    this.activation = args.activation(where, options.activation);
    this.act = new FusedActivation(this.activation);
    this.relu = this.activation === "relu" ? RELU : this.activation === "relu6" ? unaryOf("relu6") : null;
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), activation: this.activation };
  }

  override get outputActivation(): string {
    return this.activation;
  }

  /** relu and relu6 take their gradient from the output (one pass each way); the others read both. */
  get backwardReads(): BackwardReads | undefined {
    return this.relu ? OUTPUT_ONLY : undefined;
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const n = this.floats(pass.count);
    if (this.relu) return reluForwardInto(core, this.relu, n, bufs.x, bufs.y);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.x, bufs.y, n);
    // The input stays in bufs.x for backward, so nothing needs saving.
    this.act.forward(core, activate, n / cols, cols, bufs.y, null);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    if (!bufs.dx) return;
    const n = this.floats(pass.count);
    if (this.relu) return reluBackwardInto(core, this.relu, n, true, bufs.y, bufs.dy, bufs.dx);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.dy, bufs.dx, n);
    this.act.backward(core, activate, n / cols, cols, bufs.y, bufs.dx, bufs.x);
  }
}

/** Applies an activation function ("relu", "softmax", "gelu", ...; see {@link ActivationName}). */
export function activation(options: ActivationArgs): Activation {
  return new Activation(options);
}

/** Activation described once (see kind.ts). */
export function activationKind(): LayerKind {
  return {
    className: "Activation",
    stem: "activation",
    create: (config) => activation(config as unknown as ActivationArgs),
    keras: { options: [{ ...activationOption, fallback: undefined }], fixed: [] },
  };
}
