/**
 * The activation layers with options (Keras 3): ReLU (maxValue, negativeSlope,
 * threshold), LeakyReLU (negativeSlope, default 0.3) and Softmax (over the last axis).
 */
import { fail, readNumber } from "../io/json.js";
import { activationBackward, activationForward } from "../kernels/activation.js";
import { reluBackwardInto, reluForwardInto, type UnaryFn } from "../kernels/unary.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import { activationCols, copyFloats, INPUT_ONLY, OUTPUT_ONLY, type BackwardReads, type LayerBuffers, type Pass } from "./layer.js";

/** Options of {@link reLU}. */
export interface ReLUArgs {
  /** Largest output (the output is clipped to it), >= 0; default none. */
  maxValue?: number | null;
  /** Slope below the threshold, >= 0; default 0. */
  negativeSlope?: number;
  /** Inputs at or below it give `negativeSlope * (x - threshold)`, >= 0; default 0. */
  threshold?: number;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default re_lu, re_lu_1, ... */
  name?: string;
}

/** Options of {@link leakyReLU}. */
export interface LeakyReLUArgs {
  /** Slope for negative inputs, >= 0; default 0.3 (Keras 3's LeakyReLU layer). */
  negativeSlope?: number;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default leaky_re_lu, leaky_re_lu_1, ... */
  name?: string;
}

/** Options of {@link softmax}. */
export interface SoftmaxArgs {
  /** The normalized axis: -1 (the last), the only one supported; default -1. */
  axis?: number;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default softmax, softmax_1, ... */
  name?: string;
}

/** A layer applying one ReLU-family function (ReLU and LeakyReLU). */
abstract class UnaryLayer extends BaseLayer {
  protected abstract readonly fn: UnaryFn;

  /** With a zero slope the gradient is read off the output, so backward needs no input. */
  get backwardReads(): BackwardReads {
    return this.fn.kind === "relu" && this.fn.negativeSlope === 0 ? OUTPUT_ONLY : INPUT_ONLY;
  }

  /** One pass: `y = f(x)`. */
  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    reluForwardInto(core, this.fn, this.floats(pass.count), bufs.x, bufs.y);
  }

  /** One pass: `dx = dy * f'`, the slope read off `y` (zero slope) or `x`. */
  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (!bufs.dx) return;
    const fromOutput = this.backwardReads === OUTPUT_ONLY;
    reluBackwardInto(core, this.fn, this.floats(pass.count), fromOutput, fromOutput ? bufs.y : bufs.x, bufs.dy, bufs.dx);
  }
}

/** A ReLU layer (see {@link reLU}). */
export class ReLU extends UnaryLayer {
  readonly className = "ReLU";
  /** The clip, or null for none. */
  readonly maxValue: number | null;
  /** Slope below the threshold (0 by default for ReLU, 0.3 for LeakyReLU). */
  readonly negativeSlope: number;
  /** Inputs at or below it take the negative slope. */
  readonly threshold: number;
  protected readonly fn: UnaryFn;

  /** Checks `options` (Keras's rules: all three >= 0); usually called through {@link reLU}. */
  constructor(options: ReLUArgs = {}) {
    const where = "layers.reLU";
    args.optionsObject(where, options, ["maxValue", "negativeSlope", "threshold", "inputShape", "name"]);
    super(where, options);
    this.maxValue = options.maxValue === undefined || options.maxValue === null ? null : args.finite(where, "maxValue", options.maxValue, 0, 0);
    this.negativeSlope = args.finite(where, "negativeSlope", options.negativeSlope, 0, 0);
    this.threshold = args.finite(where, "threshold", options.threshold, 0, 0);
    this.fn = { kind: "relu", maxValue: this.maxValue ?? Infinity, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

/** A LeakyReLU layer (see {@link leakyReLU}). */
export class LeakyReLU extends UnaryLayer {
  readonly className = "LeakyReLU";
  /** Slope below the threshold (0 by default for ReLU, 0.3 for LeakyReLU). */
  readonly negativeSlope: number;
  protected readonly fn: UnaryFn;

  /** Checks `options`; usually called through {@link leakyReLU}. */
  constructor(options: LeakyReLUArgs = {}) {
    const where = "layers.leakyReLU";
    args.optionsObject(where, options, ["negativeSlope", "inputShape", "name"]);
    super(where, options);
    this.negativeSlope = args.finite(where, "negativeSlope", options.negativeSlope, 0.3, 0);
    this.fn = { kind: "relu", maxValue: Infinity, negativeSlope: this.negativeSlope, threshold: 0 };
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), negativeSlope: this.negativeSlope };
  }
}

/** A Softmax layer (see {@link softmax}). */
export class Softmax extends BaseLayer {
  readonly className = "Softmax";
  /** The normalized axis: always -1 (the last). */
  readonly axis = -1;

  /** Checks `options`; usually called through {@link softmax}. */
  constructor(options: SoftmaxArgs = {}) {
    const where = "layers.softmax";
    args.optionsObject(where, options, ["axis", "inputShape", "name"]);
    super(where, options);
    if (options.axis !== undefined && options.axis !== -1) throw new Error(`${where}: axis must be -1 (the last axis), received ${args.show(options.axis)}`);
  }

  override get outputActivation(): string {
    return "softmax";
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), axis: this.axis };
  }

  /** Copies and normalizes each last-axis row (only copies when the fused loss applies softmax: `activate` false). */
  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    const n = this.floats(pass.count);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.x, bufs.y, n);
    if (activate) activationForward(core, "softmax", n / cols, cols, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void {
    if (!bufs.dx) return;
    const n = this.floats(pass.count);
    const cols = activationCols(this.inputShape!);
    copyFloats(core, bufs.dy, bufs.dx, n);
    if (activate) activationBackward(core, "softmax", n / cols, cols, bufs.y, bufs.dx);
  }
}

/** max(x, 0) with Keras's options: `min(x, maxValue)` above `threshold`, `negativeSlope * (x - threshold)` below. */
export function reLU(options: ReLUArgs = {}): ReLU {
  return new ReLU(options);
}

/** `x` for x > 0, else `negativeSlope * x` (default slope 0.3, Keras 3's LeakyReLU layer). */
export function leakyReLU(options: LeakyReLUArgs = {}): LeakyReLU {
  return new LeakyReLU(options);
}

/** Softmax over the last axis, as a layer. */
export function softmax(options: SoftmaxArgs = {}): Softmax {
  return new Softmax(options);
}

const nonNegative = (value: unknown, where: string): unknown => {
  const v = readNumber(value, where);
  return v >= 0 ? v : fail(where, value, "a number >= 0");
};

/** ReLU described once (see kind.ts). */
export function reLUKind(): LayerKind {
  return {
    className: "ReLU",
    stem: "re_lu",
    create: (config) => reLU(config as ReLUArgs),
    keras: {
      options: [
        { keras: "max_value", camel: "maxValue", read: (v, w) => (v === null ? null : nonNegative(v, w)), fallback: null },
        { keras: "negative_slope", camel: "negativeSlope", read: nonNegative, fallback: 0 },
        { keras: "threshold", camel: "threshold", read: nonNegative, fallback: 0 },
      ],
      fixed: [],
    },
  };
}

/** LeakyReLU described once (see kind.ts). */
export function leakyReLUKind(): LayerKind {
  return {
    className: "LeakyReLU",
    stem: "leaky_re_lu",
    create: (config) => leakyReLU(config as LeakyReLUArgs),
    keras: { options: [{ keras: "negative_slope", camel: "negativeSlope", read: nonNegative, fallback: 0.3 }], fixed: [] },
  };
}

/** Softmax described once (see kind.ts). */
export function softmaxKind(): LayerKind {
  return {
    className: "Softmax",
    stem: "softmax",
    create: (config) => softmax(config as SoftmaxArgs),
    keras: {
      options: [{ keras: "axis", camel: "axis", read: (v, w) => (v === -1 || (Array.isArray(v) && v.length === 1 && v[0] === -1) ? -1 : fail(w, v, "-1")), fallback: -1 }],
      fixed: [],
    },
  };
}
