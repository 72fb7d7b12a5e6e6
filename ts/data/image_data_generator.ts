/**
 * Keras's ImageDataGenerator, geometric part: random rotations, shifts, zooms and
 * horizontal flips, drawn from a seed, sampled bilinearly with fill mode "nearest".
 * See affine.ts for the exact geometry.
 */
import type { BatchSource } from "./batch_source.js";
import { inverseMap, MAP_LENGTH, resample, type AffineParams } from "./affine.js";
import { makeSource, type ArraySourceOptions, type SampleTransform } from "./array_source.js";
import { checkKnownKeys } from "../options.js";
import { Random } from "../random.js";
import { formatShape, type Tensor } from "../tensor.js";

export type { AffineParams } from "./affine.js";

/** Options of {@link ImageDataGenerator} (Keras names in camelCase; all default to off). */
export interface ImageDataGeneratorOptions {
  /** Rotations drawn uniformly from [-r, r] degrees. */
  rotationRange?: number;
  /** Horizontal shifts from [-r, r] times the width when r < 1, else [-r, r] pixels. */
  widthShiftRange?: number;
  /** Vertical shifts from [-r, r] times the height when r < 1, else [-r, r] pixels. */
  heightShiftRange?: number;
  /**
   * Zoom factors, horizontal and vertical drawn independently: z gives [1 - z, 1 + z],
   * or [lo, hi]. As in Keras, a factor below 1 enlarges the content.
   */
  zoomRange?: number | readonly [number, number];
  /** Mirror left-right with probability 1/2. */
  horizontalFlip?: boolean;
  /** Only "nearest" (edge pixels repeat outward) is supported. */
  fillMode?: "nearest";
  /** Default seed of {@link ImageDataGenerator.flow}. */
  seed?: number;
}

const OPTION_NAMES = ["rotationRange", "widthShiftRange", "heightShiftRange", "zoomRange", "horizontalFlip", "fillMode", "seed"];

function range(name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`ImageDataGenerator: ${name} must be a finite number >= 0, received ${describe(value)}`);
  }
  return value;
}

function zoomBounds(value: unknown): [number, number] {
  if (value === undefined) return [1, 1];
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0 || value >= 1) {
      throw new Error(`ImageDataGenerator: zoomRange as a number z must be in [0, 1) (it means [1 - z, 1 + z]), received ${describe(value)}`);
    }
    return [1 - value, 1 + value];
  }
  if (Array.isArray(value) && value.length === 2) {
    const [lo, hi] = value as unknown[];
    if (typeof lo === "number" && typeof hi === "number" && Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && lo <= hi) {
      return [lo, hi];
    }
  }
  throw new Error(`ImageDataGenerator: zoomRange must be a number in [0, 1) or [lo, hi] with 0 < lo <= hi, received ${describe(value)}`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** Random geometric augmentation of images `[h, w, c]`, Keras-style. */
export class ImageDataGenerator {
  /** Largest rotation in degrees (0: none). */
  readonly rotationRange: number;
  /** Largest horizontal shift: a fraction of the width when < 1, else pixels (0: none). */
  readonly widthShiftRange: number;
  /** Largest vertical shift: a fraction of the height when < 1, else pixels (0: none). */
  readonly heightShiftRange: number;
  /** Zoom factors [lo, hi] (a number z given as an option becomes [1 - z, 1 + z]; [1, 1]: none). */
  readonly zoomRange: readonly [number, number];
  /** Whether images are mirrored left-right with probability 1/2. */
  readonly horizontalFlip: boolean;
  /** How pixels outside the image are filled: always "nearest" (edge pixels repeat). */
  readonly fillMode = "nearest" as const;
  /** Default seed of {@link ImageDataGenerator.flow}, or undefined when none was given. */
  readonly seed: number | undefined;
  // Scratch for one inverse map, so that single-image calls allocate nothing.
  private readonly map = new Float64Array(MAP_LENGTH);

  /** Validates every option; unknown names (e.g. Keras's snake_case) are errors. */
  constructor(options: ImageDataGeneratorOptions = {}) {
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw new Error(`ImageDataGenerator: options must be an object, received ${describe(options)}`);
    }
    checkKnownKeys("ImageDataGenerator", options, OPTION_NAMES);
    this.rotationRange = range("rotationRange", options.rotationRange);
    this.widthShiftRange = range("widthShiftRange", options.widthShiftRange);
    this.heightShiftRange = range("heightShiftRange", options.heightShiftRange);
    this.zoomRange = zoomBounds(options.zoomRange);
    const flip = options.horizontalFlip ?? false;
    if (typeof flip !== "boolean") {
      throw new Error(`ImageDataGenerator: horizontalFlip must be true or false, received ${describe(flip)}`);
    }
    this.horizontalFlip = flip;
    const fillMode: unknown = options.fillMode ?? "nearest";
    if (fillMode !== "nearest") {
      throw new Error(`ImageDataGenerator: fillMode ${describe(fillMode)} is not supported; expected "nearest"`);
    }
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new Error(`ImageDataGenerator: seed must be a safe integer, received ${describe(options.seed)}`);
    }
    this.seed = options.seed;
  }

  /**
   * Draws one transform for an `h` x `w` image. Always draws the same count of numbers
   * (in the order rotation, shiftX, shiftY, zoomX, zoomY, flip), so switching one option
   * on does not change what the others draw.
   */
  getRandomTransform(h: number, w: number, random: Random): AffineParams {
    const rotation = random.uniform(-this.rotationRange, this.rotationRange);
    const shiftX = random.uniform(-1, 1) * pixels(this.widthShiftRange, w);
    const shiftY = random.uniform(-1, 1) * pixels(this.heightShiftRange, h);
    const zoomX = random.uniform(this.zoomRange[0], this.zoomRange[1]);
    const zoomY = random.uniform(this.zoomRange[0], this.zoomRange[1]);
    const flipHorizontal = random.next() < 0.5 && this.horizontalFlip;
    return { rotation, shiftX, shiftY, zoomX, zoomY, flipHorizontal };
  }

  /**
   * Writes `image` (`h * w * c` floats, HWC) under one random transform drawn from
   * `random` into `out` (same length, not overlapping `image`); returns the transform.
   */
  randomTransform(image: Float32Array, h: number, w: number, c: number, random: Random, out: Float32Array): AffineParams {
    checkImage("randomTransform", image, h, w, c, out);
    if (!(random instanceof Random)) {
      throw new Error(`ImageDataGenerator.randomTransform: random must be a Random, received ${describe(random)}`);
    }
    const params = this.getRandomTransform(h, w, random);
    inverseMap(params, h, w, this.map, 0);
    resample(image, 0, h, w, c, this.map, 0, out, 0);
    return params;
  }

  /** Writes `image` (HWC) under the given transform into `out` (Keras's apply_transform). */
  applyTransform(image: Float32Array, h: number, w: number, c: number, params: AffineParams, out: Float32Array): void {
    checkImage("applyTransform", image, h, w, c, out);
    for (const key of ["rotation", "shiftX", "shiftY", "zoomX", "zoomY"] as const) {
      const v = params?.[key];
      if (typeof v !== "number" || !Number.isFinite(v) || (key.startsWith("zoom") && v <= 0)) {
        throw new Error(`ImageDataGenerator.applyTransform: params.${key} must be a finite number${key.startsWith("zoom") ? " > 0" : ""}, received ${describe(v)}`);
      }
    }
    if (typeof params.flipHorizontal !== "boolean") {
      throw new Error(`ImageDataGenerator.applyTransform: params.flipHorizontal must be true or false, received ${describe(params.flipHorizontal)}`);
    }
    inverseMap(params, h, w, this.map, 0);
    resample(image, 0, h, w, c, this.map, 0, out, 0);
  }

  /**
   * A {@link BatchSource} of augmented samples of `x` `[n, h, w, c]` with labels `y`
   * `[n]` or `[n, k]`: each epoch a shuffled order (unless `shuffle: false`) and a fresh
   * transform per sample, all fixed by `seed` (default: the generator's seed, else random).
   */
  flow(x: Tensor, y: Tensor, options: ArraySourceOptions = {}): BatchSource {
    if (!x || !Array.isArray(x.shape) || x.shape.length !== 4) {
      throw new Error(`ImageDataGenerator.flow: x must be images of shape [n, height, width, channels], received ${x && Array.isArray(x.shape) ? `shape ${formatShape(x.shape)}` : String(x)}`);
    }
    return makeSource("ImageDataGenerator.flow", x, y, options, this.seed, ([h, w, c]) => this.sampleTransform(h!, w!, c!));
  }

  private sampleTransform(h: number, w: number, c: number): SampleTransform {
    return {
      paramCount: MAP_LENGTH,
      draw: (random, params, offset) => inverseMap(this.getRandomTransform(h, w, random), h, w, params, offset),
      apply: (src, srcOffset, params, paramOffset, dst, dstOffset) => resample(src, srcOffset, h, w, c, params, paramOffset, dst, dstOffset),
    };
  }
}

/** A shift range in pixels: fractions of `size` below 1, pixels from 1 up (Keras). */
function pixels(range: number, size: number): number {
  return range < 1 ? range * size : range;
}

function checkImage(op: string, image: Float32Array, h: number, w: number, c: number, out: Float32Array): void {
  const where = `ImageDataGenerator.${op}`;
  for (const [name, v] of [["h", h], ["w", w], ["c", c]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a whole number >= 1, received ${describe(v)}`);
  }
  const n = h * w * c;
  for (const [name, a] of [["image", image], ["out", out]] as const) {
    if (!(a instanceof Float32Array) || a.length !== n) {
      throw new Error(`${where}: ${name} must be a Float32Array of ${n} values (${h} x ${w} x ${c}), received ${a instanceof Float32Array ? `${a.length} values` : describe(a)}`);
    }
  }
  if (image.buffer === out.buffer && image.byteOffset < out.byteOffset + out.byteLength && out.byteOffset < image.byteOffset + image.byteLength) {
    throw new Error(`${where}: out overlaps image; the transform cannot run in place`);
  }
}
