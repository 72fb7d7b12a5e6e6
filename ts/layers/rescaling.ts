/** Rescaling (Keras 3): `y = x * scale + offset`, e.g. scale 1/255 for pixel values. */
import { number } from "../io/keras_config.js";
import { scaleOffset } from "../kernels/unary.js";
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import type { LayerKind } from "./kind.js";
import { LayerWeights, NO_WORKSPACE, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";

/** Options of {@link rescaling}. */
export interface RescalingArgs {
  /** Multiplies every value (finite). */
  scale: number;
  /** Added after scaling; default 0. */
  offset?: number;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default rescaling, rescaling_1, ... */
  name?: string;
}

/** A Rescaling layer (see {@link rescaling}). */
export class Rescaling implements Layer {
  readonly className = "Rescaling";
  name: string;
  /** Multiplies every value. */
  readonly scale: number;
  /** Added after scaling. */
  readonly offset: number;
  readonly declaredInputShape: number[] | null;
  readonly aliasesInput = false;
  readonly outputActivation = "linear";
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;

  /** Checks `options`; usually called through {@link rescaling}. */
  constructor(options: RescalingArgs) {
    const where = "layers.rescaling";
    args.optionsObject(where, options, ["scale", "offset", "inputShape", "name"]);
    if (options.scale === undefined) throw new Error(`${where}: scale is required, e.g. { scale: 1 / 255 }`);
    this.scale = args.finite(where, "scale", options.scale, 1);
    this.offset = args.finite(where, "offset", options.offset, 0);
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
  }

  get config(): Record<string, unknown> {
    return { ...args.commonConfig(this.name, this.declaredInputShape), scale: this.scale, offset: this.offset };
  }

  build(inputShape: readonly number[]): number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    return this.outputShape;
  }

  workspace(): Workspace {
    return NO_WORKSPACE;
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    scaleOffset(core, pass.count * sizeOf(this.inputShape!), this.scale, this.offset, bufs.x, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (bufs.dx) scaleOffset(core, pass.count * sizeOf(this.inputShape!), this.scale, 0, bufs.dy, bufs.dx);
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

/** Multiplies every value by `scale` and adds `offset` (default 0), as Keras's Rescaling. */
export function rescaling(options: RescalingArgs): Rescaling {
  return new Rescaling(options);
}

/** Rescaling described once (see kind.ts). */
export const RESCALING: LayerKind = {
  className: "Rescaling",
  stem: "rescaling",
  create: (config) => rescaling(config as unknown as RescalingArgs),
  keras: {
    options: [
      { keras: "scale", camel: "scale", read: number },
      { keras: "offset", camel: "offset", read: number, fallback: 0 },
    ],
    fixed: [],
  },
};
