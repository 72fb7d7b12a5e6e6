/**
 * Flatten: reshapes each sample to one axis. NHWC data is already laid out in that
 * order, so the plan lets the output share the input's buffer and nothing runs.
 */
import { sizeOf } from "../shapes.js";
import { channelsLast } from "../io/keras_config.js";
import { explainFlatten } from "../model/explain.js";
import * as args from "./args.js";
import type { LayerKind } from "./kind.js";
import { BaseLayer } from "./base.js";

/** Options of {@link flatten}. */
export interface FlattenArgs {
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

/** A Flatten layer (see {@link flatten}). */
export class Flatten extends BaseLayer {
  readonly className = "Flatten";
  override readonly aliasesInput = true;

  /** Checks `options`; usually called through {@link flatten}. */
  constructor(options: FlattenArgs = {}) {
    const where = "layers.flatten";
    args.optionsObject(where, options, ["inputShape", "name"]);
    super(where, options);
  }

  get config(): Record<string, unknown> {
    return this.commonConfig();
  }

  override build(inputShape: readonly number[]): number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [sizeOf(inputShape)];
    return this.outputShape;
  }

  forward(): void {
    // The output buffer is the input buffer.
  }

  backward(): void {
    // The input gradient buffer is the output gradient buffer.
  }
}

/** Flattens each sample to one axis: [h, w, c] becomes [h * w * c]. */
export function flatten(options: FlattenArgs = {}): Flatten {
  return new Flatten(options);
}

/** Flatten described once (see kind.ts). */
export function flattenKind(): LayerKind {
  return {
    className: "Flatten",
    stem: "flatten",
    create: (config) => flatten(config as FlattenArgs),
    keras: { options: [], fixed: [{ ...channelsLast, value: undefined }] },
    explain: (layer) => explainFlatten({ inShape: layer.inputShape! }),
  };
}
