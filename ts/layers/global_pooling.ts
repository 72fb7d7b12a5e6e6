/**
 * GlobalAveragePooling2D and GlobalMaxPooling2D (Keras 3): the mean or maximum of each
 * channel over the whole image, `[h, w, c]` to `[c]` (or `[1, 1, c]` with `keepdims`).
 * Computed by the pooling kernels with one window the size of the image.
 */
import { bool, channelsLast } from "../io/keras_config.js";
import { pool2dDims, type Pool2dDims } from "../shapes.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import type { LayerBuffers, Pass, Workspace } from "./layer.js";
import { poolBackward, poolForward } from "./pooling.js";

/** Options of {@link globalAveragePooling2d} and {@link globalMaxPooling2d}. */
export interface GlobalPooling2dArgs {
  /** Keep the pooled axes as size 1 (`[1, 1, c]`); default false (`[c]`). */
  keepdims?: boolean;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (global_average_pooling2d, ...). */
  name?: string;
}

/** A global pooling layer; `mode` picks average or max. */
export class GlobalPooling2D extends BaseLayer {
  readonly className: "GlobalAveragePooling2D" | "GlobalMaxPooling2D";
  /** Whether the output keeps the pooled axes as size 1. */
  readonly keepdims: boolean;
  private dims: Pool2dDims | null = null;

  /** `mode` is "average" or "max"; usually called through the factories. */
  constructor(
    /** Which pooling: "average" or "max". */
    readonly mode: "average" | "max",
    options: GlobalPooling2dArgs = {},
  ) {
    const where = mode === "max" ? "layers.globalMaxPooling2d" : "layers.globalAveragePooling2d";
    args.optionsObject(where, options, ["keepdims", "inputShape", "name"]);
    super(where, options);
    this.className = mode === "max" ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D";
    this.keepdims = args.bool(where, "keepdims", options.keepdims, false);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), keepdims: this.keepdims };
  }

  override build(inputShape: readonly number[]): number[] {
    args.expectRank(this.label, inputShape, 3, "[height, width, channels]");
    const [h, w, c] = inputShape as [number, number, number];
    this.dims = pool2dDims(1, h, w, c, h, w, h, w, "valid");
    this.inputShape = [h, w, c];
    this.outputShape = this.keepdims ? [1, 1, c] : [c];
    return this.outputShape;
  }

  /** Max pooling keeps the arg-max of each channel for backward. */
  override workspace(_core: WasmCore, batch: number): Workspace {
    return { f32: 0, u32: this.mode === "max" ? batch * this.inputShape![2]! : 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    poolForward(core, this.mode, this.batched(this.dims, pass.count), bufs);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    poolBackward(core, this.mode, this.batched(this.dims, pass.count), bufs);
  }
}

/** The mean of each channel over the image: `[h, w, c]` to `[c]` (Keras 3, keepdims false by default). */
export function globalAveragePooling2d(options: GlobalPooling2dArgs = {}): GlobalPooling2D {
  return new GlobalPooling2D("average", options);
}

/** The maximum of each channel over the image: `[h, w, c]` to `[c]`; the gradient goes to the first maximum. */
export function globalMaxPooling2d(options: GlobalPooling2dArgs = {}): GlobalPooling2D {
  return new GlobalPooling2D("max", options);
}

/** The kind of a global pooling layer taking the `what` ("mean", "maximum") of each channel. */
function globalPoolingKind(className: string, stem: string, create: (options: GlobalPooling2dArgs) => GlobalPooling2D, what: string): LayerKind {
  return {
    className,
    stem,
    create: (config) => create(config as GlobalPooling2dArgs),
    keras: { options: [{ keras: "keepdims", camel: "keepdims", read: bool, fallback: false }], fixed: [channelsLast] },
    explain: (layer) => [`output: the ${what} of each of the ${layer.inputShape![2]} channels over ${layer.inputShape![0]}*${layer.inputShape![1]} cells`, "0 params: pooling has no weights"],
  };
}

/** GlobalAveragePooling2D described once (see kind.ts). */
export function globalAveragePooling2dKind(): LayerKind {
  return globalPoolingKind("GlobalAveragePooling2D", "global_average_pooling2d", globalAveragePooling2d, "mean");
}

/** GlobalMaxPooling2D described once (see kind.ts). */
export function globalMaxPooling2dKind(): LayerKind {
  return globalPoolingKind("GlobalMaxPooling2D", "global_max_pooling2d", globalMaxPooling2d, "maximum");
}
