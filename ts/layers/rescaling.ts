/** Rescaling (Keras 3): `y = x * scale + offset`, e.g. scale 1/255 for pixel values. */
import { number } from "../io/keras_config.js";
import { scaleOffset } from "../kernels/unary.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import type { LayerBuffers, Pass } from "./layer.js";

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
export class Rescaling extends BaseLayer {
  readonly className = "Rescaling";
  /** Multiplies every value. */
  readonly scale: number;
  /** Added after scaling. */
  readonly offset: number;

  /** Checks `options`; usually called through {@link rescaling}. */
  constructor(options: RescalingArgs) {
    const where = "layers.rescaling";
    args.optionsObject(where, options, ["scale", "offset", "inputShape", "name"]);
    super(where, options);
    if (options.scale === undefined) throw new Error(`${where}: scale is required, e.g. { scale: 1 / 255 }`);
    this.scale = args.finite(where, "scale", options.scale, 1);
    this.offset = args.finite(where, "offset", options.offset, 0);
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), scale: this.scale, offset: this.offset };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    scaleOffset(core, this.floats(pass.count), this.scale, this.offset, bufs.x, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (bufs.dx) scaleOffset(core, this.floats(pass.count), this.scale, 0, bufs.dy, bufs.dx);
  }
}

/** Multiplies every value by `scale` and adds `offset` (default 0), as Keras's Rescaling. */
export function rescaling(options: RescalingArgs): Rescaling {
  return new Rescaling(options);
}

/** Rescaling described once (see kind.ts). */
export function rescalingKind(): LayerKind {
  return {
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
}
