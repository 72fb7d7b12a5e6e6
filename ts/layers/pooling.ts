/**
 * MaxPooling2D and AveragePooling2D over NHWC images: one class, two modes, since the
 * two differ only in the kernels they call (max pooling also keeps the arg-max of each
 * window, for routing the gradient back).
 */
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "../kernels/pool.js";
import { pool2dDims, sizeOf, type Padding, type Pool2dDims } from "../shapes.js";
import type { WasmCore } from "../wasm/core.js";
import { channelsLast, padding, pair, type LayerFormat } from "../io/keras_config.js";
import { readPair } from "../io/json.js";
import { explainPool2d } from "../model/explain.js";
import type { LayerKind } from "./kind.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import { NO_WORKSPACE, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** Options of {@link maxPooling2d} and {@link averagePooling2d}. */
export interface Pooling2dArgs {
  /** Window size; default 2. */
  poolSize?: number | [number, number];
  /** Step between windows, vertical and horizontal; default the pool size. */
  strides?: number | [number, number];
  /** "valid" (default: windows that do not fit are dropped) or "same" (output ceil(n / strides)). */
  padding?: Padding;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (max_pooling2d, max_pooling2d_1, ...). */
  name?: string;
}

const KEYS = ["poolSize", "strides", "padding", "inputShape", "name"];

/** A pooling layer; `mode` picks max or average. */
export class Pooling2D extends BaseLayer {
  readonly className: "MaxPooling2D" | "AveragePooling2D";
  /** Window [height, width]. */
  readonly poolSize: [number, number];
  /** Step between windows, [vertical, horizontal]. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  private dims: Pool2dDims | null = null;

  /**
   * `mode` is "max" (Keras MaxPooling2D) or "average" (AveragePooling2D); `options` are
   * checked here. Usually called through {@link maxPooling2d} or {@link averagePooling2d}.
   */
  constructor(
    /** Which pooling the layer does: "max" or "average". */
    readonly mode: "max" | "average",
    options: Pooling2dArgs = {},
  ) {
    const where = mode === "max" ? "layers.maxPooling2d" : "layers.averagePooling2d";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    this.className = mode === "max" ? "MaxPooling2D" : "AveragePooling2D";
    this.poolSize = options.poolSize === undefined ? [2, 2] : args.positivePair(where, "poolSize", options.poolSize);
    this.strides = options.strides === undefined || options.strides === null ? [...this.poolSize] : args.positivePair(where, "strides", options.strides);
    this.padding = args.padding(where, options.padding);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }

  override build(inputShape: readonly number[]): number[] {
    const what = this.label;
    args.expectRank(what, inputShape, 3, "[height, width, channels]");
    const [h, w, c] = inputShape as [number, number, number];
    const [ph, pw] = this.poolSize;
    if (this.padding === "valid" && (ph > h || pw > w)) {
      throw new Error(`${what}: pool ${ph}x${pw} is larger than its input ${h}x${w} with padding "valid"; use a smaller poolSize or padding "same"`);
    }
    this.dims = pool2dDims(1, h, w, c, ph, pw, this.strides[0], this.strides[1], this.padding);
    this.inputShape = [h, w, c];
    this.outputShape = [this.dims.outH, this.dims.outW, c];
    return this.outputShape;
  }

  /** Max pooling keeps the arg-max of each window for backward. */
  override workspace(_core: WasmCore, batch: number): Workspace {
    if (this.mode === "average") return NO_WORKSPACE;
    return { f32: 0, u32: batch * sizeOf(this.outputShape!), scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    poolForward(core, this.mode, this.batched(this.dims, pass.count), bufs);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    poolBackward(core, this.mode, this.batched(this.dims, pass.count), bufs);
  }
}

/** Max or average pooling over `d`; max pooling records each window's arg-max in `bufs.u32`. */
export function poolForward(core: WasmCore, mode: "max" | "average", d: Pool2dDims, bufs: LayerBuffers): void {
  if (mode === "max") maxPool2dForward(core, d, bufs.x, bufs.y, bufs.u32!);
  else avgPool2dForward(core, d, bufs.x, bufs.y);
}

/** The backward of {@link poolForward}: only the input gradient (no weights), nothing when none is wanted. */
export function poolBackward(core: WasmCore, mode: "max" | "average", d: Pool2dDims, bufs: LayerBuffers): void {
  if (!bufs.dx) return;
  if (mode === "max") maxPool2dBackward(core, d, bufs.dy, bufs.u32!, bufs.dx);
  else avgPool2dBackward(core, d, bufs.dy, bufs.dx);
}

/** Max pooling over 2-D windows (default 2x2, strides = poolSize, padding "valid"). */
export function maxPooling2d(options: Pooling2dArgs = {}): Pooling2D {
  return new Pooling2D("max", options);
}

/**
 * Average pooling over 2-D windows (default 2x2, strides = poolSize, padding "valid");
 * with "same" padding, padded cells are left out of each window's divisor, as Keras.
 */
export function averagePooling2d(options: Pooling2dArgs = {}): Pooling2D {
  return new Pooling2D("average", options);
}

function poolingFormat(): LayerFormat {
  return {
    options: [
      { keras: "pool_size", camel: "poolSize", read: pair, fallback: [2, 2] },
      // Keras writes `strides: null` for "same as pool_size" (resolved in afterRead); we write the pair.
      { keras: "strides", camel: "strides", read: (v, w) => (v === null ? null : readPair(v, w)), fallback: null },
      padding,
    ],
    fixed: [channelsLast],
    afterRead(options) {
      if (options.strides === null) options.strides = options.poolSize;
    },
  };
}

function explainPooling(layer: Layer): string[] {
  const l = layer as Pooling2D;
  return explainPool2d({
    inShape: l.inputShape! as [number, number, number], poolSize: l.poolSize, strides: l.strides, padding: l.padding,
    outShape: l.outputShape! as [number, number, number],
  });
}

/** MaxPooling2D described once (see kind.ts). */
export function maxPooling2dKind(): LayerKind {
  return {
    className: "MaxPooling2D",
    stem: "max_pooling2d",
    create: (config) => maxPooling2d(config as Pooling2dArgs),
    keras: poolingFormat(),
    explain: explainPooling,
  };
}

/** AveragePooling2D described once (see kind.ts). */
export function averagePooling2dKind(): LayerKind {
  return {
    className: "AveragePooling2D",
    stem: "average_pooling2d",
    create: (config) => averagePooling2d(config as Pooling2dArgs),
    keras: poolingFormat(),
    explain: explainPooling,
  };
}
