/**
 * Keras 3's RandomFlip: each sample is flipped with probability 1/2. With
 * "horizontal_and_vertical" (the default) Keras draws one decision per sample and
 * applies it to both axes, so the image is either kept or turned by 180 degrees, never
 * flipped along one axis only; simdnet does the same (Keras wins).
 */
import type { Random } from "../../random.js";
import * as args from "../args.js";
import { RANDOM_LAYER_KEYS, RandomImageLayer, type Augmentation, type ImageShape, type RandomLayerArgs } from "./random_image_layer.js";

/** Which axes RandomFlip mirrors. */
export type FlipMode = "horizontal" | "vertical" | "horizontal_and_vertical";

/** Options of {@link randomFlip}. */
export interface RandomFlipArgs extends RandomLayerArgs {
  /** "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical" (default). */
  mode?: FlipMode;
}

/**
 * Writes sample `x` flipped (or not, `flip` false) into `y`: Keras's `_flip_inputs` for
 * one image, HWC from the given offsets. A flip is its own inverse, so this is also the adjoint.
 */
export function flipImage(x: Float32Array, xOffset: number, flip: boolean, mode: FlipMode, s: ImageShape, y: Float32Array, yOffset: number): void {
  const { height: h, width: w, channels: c } = s;
  const mirrorX = flip && mode !== "vertical", mirrorY = flip && mode !== "horizontal";
  for (let r = 0; r < h; r++) {
    const fromRow = mirrorY ? h - 1 - r : r;
    for (let col = 0; col < w; col++) {
      const from = xOffset + (fromRow * w + (mirrorX ? w - 1 - col : col)) * c;
      const to = yOffset + (r * w + col) * c;
      for (let k = 0; k < c; k++) y[to + k] = x[from + k]!;
    }
  }
}

class Flip implements Augmentation {
  readonly className = "RandomFlip";
  readonly paramCount = 1;
  constructor(readonly mode: FlipMode) {}
  config(): Record<string, unknown> {
    return { mode: this.mode };
  }
  draw(random: Random, _s: ImageShape, params: Float32Array, offset: number): void {
    // Keras flips where uniform() <= 0.5.
    params[offset] = random.next() <= 0.5 ? 1 : 0;
  }
  apply(x: Float32Array, xOffset: number, params: Float32Array, p: number, s: ImageShape, y: Float32Array, yOffset: number): void {
    flipImage(x, xOffset, params[p] === 1, this.mode, s, y, yOffset);
  }
  adjoint(dy: Float32Array, dyOffset: number, _y: Float32Array, params: Float32Array, p: number, s: ImageShape, dx: Float32Array, dxOffset: number): void {
    flipImage(dy, dyOffset, params[p] === 1, this.mode, s, dx, dxOffset);
  }
}

/** Keras's RandomFlip (active only while training): `layers.randomFlip({ mode: "horizontal" })`. */
export function randomFlip(options: RandomFlipArgs = {}): RandomImageLayer {
  const where = "layers.randomFlip";
  args.optionsObject(where, options, ["mode", ...RANDOM_LAYER_KEYS]);
  const mode = options.mode ?? "horizontal_and_vertical";
  if (!["horizontal", "vertical", "horizontal_and_vertical"].includes(mode)) {
    throw new Error(`${where}: mode must be "horizontal", "vertical" or "horizontal_and_vertical", received ${args.show(mode)}`);
  }
  return new RandomImageLayer(new Flip(mode), where, options);
}
