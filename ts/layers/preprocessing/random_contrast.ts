/**
 * Keras 3's RandomContrast: each sample's channels are pulled towards (or pushed from)
 * their own mean over the image by a factor c, y = (x - mean) * c + mean, then clipped to
 * `valueRange` ([0, 255] by default: apply it before rescaling, as Keras expects).
 *
 * The factor c is drawn from [1 - lower, 1 + upper], where `factor` f (a number) becomes
 * (lower, upper) = (0, f) as Keras 3.15's factor parsing makes it: a single number only
 * ever raises the contrast, c in [1, 1 + f]. Give [f, f] for Keras's documented
 * [1 - f, 1 + f]. Keras wins: its saved configs hold the pair, which simdnet keeps as is.
 */
import type { Random } from "../../random.js";
import * as args from "../args.js";
import { factorRange, RANDOM_LAYER_KEYS, RandomImageLayer, type Augmentation, type ImageShape, type RandomLayerArgs } from "./random_image_layer.js";

/** Options of {@link randomContrast}. */
export interface RandomContrastArgs extends RandomLayerArgs {
  /** f in [0, 1] (c in [1, 1 + f], see above) or [lower, upper] (c in [1 - lower, 1 + upper]). */
  factor: number | [number, number];
  /** [low, high] the output is clipped to (default [0, 255]). */
  valueRange?: [number, number];
}

/** Writes sample `x` with contrast factor `c` into `y`, clipped to `range`: Keras's transform_images for one image. */
export function adjustContrast(x: Float32Array, xOffset: number, c: number, range: readonly [number, number], s: ImageShape, y: Float32Array, yOffset: number): void {
  const n = s.height * s.width, ch = s.channels;
  for (let k = 0; k < ch; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[xOffset + i * ch + k]!;
    const mean = sum / n;
    for (let i = 0; i < n; i++) {
      const v = (x[xOffset + i * ch + k]! - mean) * c + mean;
      y[yOffset + i * ch + k] = Math.min(Math.max(v, range[0]), range[1]);
    }
  }
}

class Contrast implements Augmentation {
  readonly className = "RandomContrast";
  readonly paramCount = 1;
  constructor(readonly factor: [number, number], readonly valueRange: [number, number]) {}
  config(): Record<string, unknown> {
    return { factor: [...this.factor], valueRange: [...this.valueRange] };
  }
  draw(random: Random, _s: ImageShape, params: Float32Array, offset: number): void {
    params[offset] = random.uniform(1 - this.factor[0], 1 + this.factor[1]);
  }
  apply(x: Float32Array, xOffset: number, params: Float32Array, p: number, s: ImageShape, y: Float32Array, yOffset: number): void {
    adjustContrast(x, xOffset, params[p]!, this.valueRange, s, y, yOffset);
  }
  /** dx_j = c g_j + (1 - c) mean(g) per channel, g being dy where the output was not clipped. */
  adjoint(dy: Float32Array, dyOffset: number, y: Float32Array, params: Float32Array, p: number, s: ImageShape, dx: Float32Array, dxOffset: number): void {
    const c = params[p]!, n = s.height * s.width, ch = s.channels;
    const [lo, hi] = this.valueRange;
    for (let k = 0; k < ch; k++) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const at = i * ch + k, out = y[dyOffset + at]!;
        const g = out > lo && out < hi ? dy[dyOffset + at]! : 0;
        dx[dxOffset + at] = c * g;
        sum += g;
      }
      const shared = ((1 - c) * sum) / n;
      for (let i = 0; i < n; i++) dx[dxOffset + i * ch + k]! += shared;
    }
  }
}

/** Keras's RandomContrast (active only while training): `layers.randomContrast({ factor: 0.2 })`. */
export function randomContrast(options: RandomContrastArgs): RandomImageLayer {
  const where = "layers.randomContrast";
  args.optionsObject(where, options, ["factor", "valueRange", ...RANDOM_LAYER_KEYS]);
  const factor = factorRange(where, "factor", options.factor, 0, 1);
  const range = options.valueRange ?? [0, 255];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === "number" && Number.isFinite(v)) || !(range[0] < range[1])) {
    throw new Error(`${where}: valueRange must be [low, high] with low < high, received ${args.show(range)}`);
  }
  return new RandomImageLayer(new Contrast(factor, [range[0], range[1]]), where, options);
}
