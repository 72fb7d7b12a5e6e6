/**
 * Reshape (Keras 3): each sample to `targetShape`, one entry of which may be -1 (inferred).
 * Row-major data keeps its order, so, as Flatten, the output shares the input's buffer.
 */
import { fail } from "../io/json.js";
import { sizeOf } from "../shapes.js";
import { formatShape } from "../tensor.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";

/** Options of {@link reshape}. */
export interface ReshapeArgs {
  /** The per-sample output shape: whole numbers >= 1, at most one -1 (inferred). */
  targetShape: number[];
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default reshape, reshape_1, ... */
  name?: string;
}

function targetShapeOf(where: string, value: unknown): number[] {
  const ok = Array.isArray(value) && value.length > 0 && value.every((v) => v === -1 || (Number.isSafeInteger(v) && (v as number) >= 1));
  if (!ok || (value as number[]).filter((v) => v === -1).length > 1) {
    throw new Error(`${where}: targetShape must be a non-empty array of whole numbers >= 1 with at most one -1, received ${args.show(value)}`);
  }
  return [...(value as number[])];
}

/** A Reshape layer (see {@link reshape}). */
export class Reshape extends BaseLayer {
  readonly className = "Reshape";
  /** The requested per-sample shape (one -1 inferred at build). */
  readonly targetShape: number[];
  override readonly aliasesInput = true;

  /** Checks `options`; usually called through {@link reshape}. */
  constructor(options: ReshapeArgs) {
    const where = "layers.reshape";
    args.optionsObject(where, options, ["targetShape", "inputShape", "name"]);
    super(where, options);
    this.targetShape = targetShapeOf(where, options.targetShape);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), targetShape: [...this.targetShape] };
  }

  override build(inputShape: readonly number[]): number[] {
    const size = sizeOf(inputShape);
    const known = this.targetShape.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if (free ? size % known !== 0 : size !== known) {
      throw new Error(`${this.label}: cannot reshape an input of ${formatShape(inputShape)} (${size} values) to ${formatShape(this.targetShape)}`);
    }
    this.inputShape = [...inputShape];
    this.outputShape = this.targetShape.map((v) => (v === -1 ? size / known : v));
    return this.outputShape;
  }

  forward(): void {
    // The output buffer is the input buffer.
  }

  backward(): void {
    // The input gradient buffer is the output gradient buffer.
  }
}

/** Reshapes each sample to `targetShape` (one -1 is inferred), as Keras's Reshape. */
export function reshape(options: ReshapeArgs): Reshape {
  return new Reshape(options);
}

/** Reshape described once (see kind.ts). */
export function reshapeKind(): LayerKind {
  return {
    className: "Reshape",
    stem: "reshape",
    create: (config) => reshape(config as unknown as ReshapeArgs),
    keras: {
      options: [{
        keras: "target_shape", camel: "targetShape",
        read: (v, w) => {
          try {
            return targetShapeOf(w, v);
          } catch {
            return fail(w, v, "a list of whole numbers >= 1 with at most one -1");
          }
        },
      }],
      fixed: [],
    },
    explain: (layer) => [`output: ${formatShape(layer.inputShape!)} read as ${formatShape(layer.outputShape!)} (${sizeOf(layer.outputShape!)} values)`, "0 params: reshape only relabels"],
  };
}
