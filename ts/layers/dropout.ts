/**
 * Dropout (inverted): while training, zeroes each value with probability `rate` and
 * scales the kept ones by 1 / (1 - rate); at inference it passes values through.
 * The mask depends only on (seed, training step, index), so training is reproducible.
 */
import { dropoutBackward, dropoutForward } from "../kernels/dropout.js";
import type { WasmCore } from "../wasm/core.js";
import { fail, readNumber } from "../io/json.js";
import { nulls } from "../io/keras_config.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import type { LayerKind } from "./kind.js";
import { copyFloats, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** Options of {@link dropout}. */
export interface DropoutArgs {
  /** Fraction of values dropped, in [0, 1). */
  rate: number;
  /** Fixes this layer's masks; by default they follow `fit`'s seed. */
  seed?: number;
  /** Shape of one sample, without the batch axis (e.g. [28, 28, 1]); needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (conv2d, conv2d_1, ...). */
  name?: string;
}

/** A Dropout layer (see {@link dropout}). */
export class Dropout extends BaseLayer {
  readonly className = "Dropout";
  /** Fraction of values dropped while training, in [0, 1). */
  readonly rate: number;
  /** The fixed mask seed, or null when masks follow `fit`'s seed. */
  readonly seed: number | null;

  /** Checks `options`; usually called through {@link dropout}. */
  constructor(options: DropoutArgs) {
    const where = "layers.dropout";
    args.optionsObject(where, options, ["rate", "seed", "inputShape", "name"]);
    super(where, options);
    const rate = options.rate;
    if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
      throw new Error(`${where}: rate must be a number in [0, 1), received ${args.show(rate)}`);
    }
    if (options.seed !== undefined && (typeof options.seed !== "number" || !Number.isSafeInteger(options.seed) || options.seed < 0)) {
      throw new Error(`${where}: seed must be a whole number >= 0, received ${args.show(options.seed)}`);
    }
    this.rate = rate;
    this.seed = options.seed ?? null;
  }

  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), rate: this.rate, ...(this.seed !== null ? { seed: this.seed } : {}) };
  }

  /** The mask of kept values, for backward. */
  override workspace(_core: WasmCore, batch: number): Workspace {
    return { f32: this.floats(batch), u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const n = this.floats(pass.count);
    copyFloats(core, bufs.x, bufs.y, n);
    if (pass.training && this.rate > 0) {
      // Kernel seeds are u32: fold the layer seed (if any) into range.
      const seed = this.seed !== null ? this.seed % 0x1_0000_0000 : pass.seed;
      dropoutForward(core, n, this.rate, seed, pass.step, bufs.y, bufs.f32!);
    }
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (!bufs.dx) return;
    const n = this.floats(pass.count);
    copyFloats(core, bufs.dy, bufs.dx, n);
    if (pass.training && this.rate > 0) dropoutBackward(core, n, bufs.f32!, bufs.dx);
  }
}

/** Inverted dropout with the given rate (active only while training). */
export function dropout(options: DropoutArgs): Dropout {
  return new Dropout(options);
}

const readRate = (value: unknown, where: string): unknown => {
  const rate = readNumber(value, where);
  return rate >= 0 && rate < 1 ? rate : fail(where, value, "a number in [0, 1)");
};

const readSeed = (value: unknown, where: string): unknown =>
  value === null || Number.isSafeInteger(value) ? value : fail(where, value, "a whole number or null");

/** Dropout described once (see kind.ts). */
export function dropoutKind(): LayerKind {
  return {
    className: "Dropout",
    stem: "dropout",
    create: (config) => dropout(config as unknown as DropoutArgs),
    keras: {
      options: [
        { keras: "rate", camel: "rate", read: readRate },
        { keras: "seed", camel: "seed", read: readSeed, fallback: null },
      ],
      fixed: nulls("noise_shape"),
      afterRead(options) {
        if (options.seed === null) delete options.seed;
      },
    },
  };
}
