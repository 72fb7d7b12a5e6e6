/**
 * ZeroPadding2D (Keras 3): zero rows above and below and zero columns left and right of
 * each image. Its backward crops the gradient back to the image.
 */
import { channelsLast } from "../io/keras_config.js";
import { fail } from "../io/json.js";
import { pad2dBackward, pad2dForward, type Pad2dDims } from "../kernels/depthwise.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import { READS_NOTHING, type LayerBuffers, type Pass } from "./layer.js";

/** Options of {@link zeroPadding2d}. */
export interface ZeroPadding2dArgs {
  /**
   * Cells added: one number for all four sides, `[rows, columns]` (each added on both
   * sides), or `[[top, bottom], [left, right]]`; default 1.
   */
  padding?: number | [number, number] | [[number, number], [number, number]];
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default zero_padding2d, zero_padding2d_1, ... */
  name?: string;
}

/** `[[top, bottom], [left, right]]` from any accepted padding form. */
function paddingOf(where: string, value: unknown): [[number, number], [number, number]] {
  if (value === undefined) return [[1, 1], [1, 1]];
  if (Array.isArray(value) && value.length === 2 && value.every((p) => Array.isArray(p))) {
    const [v, h] = [args.nonNegativePair(where, "padding[0]", value[0], [0, 0]), args.nonNegativePair(where, "padding[1]", value[1], [0, 0])];
    return [v, h];
  }
  const [v, h] = args.nonNegativePair(where, "padding", value, [1, 1]);
  return [[v, v], [h, h]];
}

/** A ZeroPadding2D layer (see {@link zeroPadding2d}). */
export class ZeroPadding2D extends BaseLayer {
  readonly className = "ZeroPadding2D";
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: [[number, number], [number, number]];
  private dims: Pad2dDims | null = null;

  /** Checks `options`; usually called through {@link zeroPadding2d}. */
  constructor(options: ZeroPadding2dArgs = {}) {
    const where = "layers.zeroPadding2d";
    args.optionsObject(where, options, ["padding", "inputShape", "name"]);
    super(where, options);
    this.padding = paddingOf(where, options.padding);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), padding: [[...this.padding[0]], [...this.padding[1]]] };
  }

  override build(inputShape: readonly number[]): number[] {
    args.expectRank(this.label, inputShape, 3, "[height, width, channels]");
    const [h, w, c] = inputShape as [number, number, number];
    const [[top, bottom], [left, right]] = this.padding;
    this.dims = { batch: 1, h, w, c, top, bottom, left, right };
    this.inputShape = [h, w, c];
    this.outputShape = [top + h + bottom, left + w + right, c];
    return this.outputShape;
  }

  /** Backward crops `dy`: no activation needs keeping for it. */
  readonly backwardReads = READS_NOTHING;

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    pad2dForward(core, this.batched(this.dims, pass.count), bufs.x, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (bufs.dx) pad2dBackward(core, this.batched(this.dims, pass.count), bufs.dy, bufs.dx);
  }
}

/** Pads each image with zeros (default one cell on every side), as Keras's ZeroPadding2D. */
export function zeroPadding2d(options: ZeroPadding2dArgs = {}): ZeroPadding2D {
  return new ZeroPadding2D(options);
}

/** Keras writes `padding: [[top, bottom], [left, right]]` (an int or a pair in hand-written configs). */
function readPadding(value: unknown, where: string): unknown {
  try {
    return paddingOf(where, value);
  } catch {
    return fail(where, value, "a whole number >= 0, a pair, or [[top, bottom], [left, right]]");
  }
}

/** ZeroPadding2D described once (see kind.ts). */
export function zeroPadding2dKind(): LayerKind {
  return {
    className: "ZeroPadding2D",
    stem: "zero_padding2d",
    create: (config) => zeroPadding2d(config as ZeroPadding2dArgs),
    keras: { options: [{ keras: "padding", camel: "padding", read: readPadding, fallback: [[1, 1], [1, 1]] }], fixed: [channelsLast] },
    explain: (layer) => {
      const [[t, b], [l, r]] = (layer as ZeroPadding2D).padding;
      const [h, w] = layer.inputShape!;
      return [`output: ${t} + ${h} + ${b} = ${t + h! + b} rows, ${l} + ${w} + ${r} = ${l + w! + r} columns`, "0 params: padding has no weights"];
    },
  };
}
