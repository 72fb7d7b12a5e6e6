/**
 * Keras 3's RandomRotation, RandomZoom and RandomTranslation: per sample an affine map
 * from output to input pixels (the matrices below are Keras's), sampled by
 * affine_sampler.ts as TensorFlow does, with fill mode "reflect" and bilinear
 * interpolation by default.
 */
import type { Random } from "../../random.js";
import * as args from "../args.js";
import { affineAdjoint, affineForward, type FillMode, type Interpolation, type SampleOptions } from "./affine_sampler.js";
import { affineOptions, factorRange, RANDOM_LAYER_KEYS, RandomImageLayer, type Augmentation, type ImageShape, type RandomLayerArgs } from "./random_image_layer.js";

/** The options RandomRotation, RandomZoom and RandomTranslation share. */
export interface AffineLayerArgs extends RandomLayerArgs {
  /** How points outside the image are read: "reflect" (default), "wrap", "constant" or "nearest". */
  fillMode?: FillMode;
  /** "bilinear" (default) or "nearest". */
  interpolation?: Interpolation;
  /** The value read outside the image with fillMode "constant" (default 0). */
  fillValue?: number;
}

/** Options of {@link randomRotation}. */
export interface RandomRotationArgs extends AffineLayerArgs {
  /** Fraction of a full turn: f gives angles in [-360 f, 360 f] degrees, [lo, hi] in [360 lo, 360 hi]. */
  factor: number | [number, number];
}

/** Options of {@link randomZoom}. */
export interface RandomZoomArgs extends AffineLayerArgs {
  /** Vertical zoom: f gives [-f, f]; the sampled area's height is scaled by 1 + that (positive zooms out). */
  heightFactor: number | [number, number];
  /** Horizontal zoom, likewise; default (null): the vertical zoom, keeping the aspect ratio. */
  widthFactor?: number | [number, number] | null;
}

/** Options of {@link randomTranslation}. */
export interface RandomTranslationArgs extends AffineLayerArgs {
  /** Vertical shift as a fraction of the height: f gives [-f, f]. */
  heightFactor: number | [number, number];
  /** Horizontal shift as a fraction of the width. */
  widthFactor: number | [number, number];
}

/** Keras's rotation matrix: `degrees` about the image centre ((w - 1) / 2, (h - 1) / 2). */
export function rotationMatrix(degrees: number, height: number, width: number, out: Float32Array | number[] = new Float32Array(6), offset = 0): Float32Array | number[] {
  const t = (degrees * Math.PI) / 180, cos = Math.cos(t), sin = Math.sin(t);
  const cx = 0.5 * (width - 1), cy = 0.5 * (height - 1);
  out[offset] = cos; out[offset + 1] = -sin; out[offset + 2] = cx - cx * cos + cy * sin;
  out[offset + 3] = sin; out[offset + 4] = cos; out[offset + 5] = cy - cx * sin - cy * cos;
  return out;
}

/** Keras's zoom matrix: the sampled area scaled by `zoomY`, `zoomX` about the centre. */
export function zoomMatrix(zoomY: number, zoomX: number, height: number, width: number, out: Float32Array | number[] = new Float32Array(6), offset = 0): Float32Array | number[] {
  out[offset] = zoomX; out[offset + 1] = 0; out[offset + 2] = ((width - 1) / 2) * (1 - zoomX);
  out[offset + 3] = 0; out[offset + 4] = zoomY; out[offset + 5] = ((height - 1) / 2) * (1 - zoomY);
  return out;
}

/** Keras's translation matrix: content moved by `dy`, `dx` pixels. */
export function translationMatrix(dy: number, dx: number, out: Float32Array | number[] = new Float32Array(6), offset = 0): Float32Array | number[] {
  out[offset] = 1; out[offset + 1] = 0; out[offset + 2] = -dx;
  out[offset + 3] = 0; out[offset + 4] = 1; out[offset + 5] = -dy;
  return out;
}

type Draw = (random: Random, s: ImageShape, params: Float32Array, offset: number) => void;

class Affine implements Augmentation {
  readonly paramCount = 6;
  constructor(
    readonly className: string,
    private readonly fields: Record<string, unknown>,
    private readonly sampling: { fillMode: FillMode; interpolation: Interpolation; fillValue: number },
    private readonly drawMatrix: Draw,
  ) {}
  config(): Record<string, unknown> {
    return { ...this.fields, fillMode: this.sampling.fillMode, interpolation: this.sampling.interpolation, fillValue: this.sampling.fillValue };
  }
  draw(random: Random, s: ImageShape, params: Float32Array, offset: number): void {
    this.drawMatrix(random, s, params, offset);
  }
  private options(s: ImageShape): SampleOptions {
    return { ...this.sampling, height: s.height, width: s.width, channels: s.channels };
  }
  apply(x: Float32Array, xOffset: number, params: Float32Array, p: number, s: ImageShape, y: Float32Array, yOffset: number): void {
    affineForward(x, xOffset, params.subarray(p, p + 6), this.options(s), y, yOffset);
  }
  adjoint(dy: Float32Array, dyOffset: number, _y: Float32Array, params: Float32Array, p: number, s: ImageShape, dx: Float32Array, dxOffset: number): void {
    affineAdjoint(dy, dyOffset, params.subarray(p, p + 6), this.options(s), dx, dxOffset);
  }
}

/** Keras's RandomRotation (active only while training): `layers.randomRotation({ factor: 0.1 })`. */
export function randomRotation(options: RandomRotationArgs): RandomImageLayer {
  const where = "layers.randomRotation";
  args.optionsObject(where, options, ["factor", "fillMode", "interpolation", "fillValue", ...RANDOM_LAYER_KEYS]);
  const [lo, hi] = factorRange(where, "factor", options.factor, -1, 1);
  const sampling = affineOptions(where, options);
  const draw: Draw = (random, s, params, offset) => void rotationMatrix(random.uniform(lo * 360, hi * 360), s.height, s.width, params, offset);
  return new RandomImageLayer(new Affine("RandomRotation", { factor: [lo, hi] }, sampling, draw), where, options);
}

/** Keras's RandomZoom (active only while training): `layers.randomZoom({ heightFactor: 0.2 })`. */
export function randomZoom(options: RandomZoomArgs): RandomImageLayer {
  const where = "layers.randomZoom";
  args.optionsObject(where, options, ["heightFactor", "widthFactor", "fillMode", "interpolation", "fillValue", ...RANDOM_LAYER_KEYS]);
  // Keras refuses factors <= -1 (a zoom of 0 or less) and above 1.
  const [hl, hu] = factorRange(where, "heightFactor", options.heightFactor, -1, 1, true);
  const width = options.widthFactor ?? null;
  const [wl, wu] = width === null ? [0, 0] : factorRange(where, "widthFactor", width, -1, 1, true);
  const sampling = affineOptions(where, options);
  const draw: Draw = (random, s, params, offset) => {
    const zy = random.uniform(1 + hl, 1 + hu);
    const zx = width === null ? zy : random.uniform(1 + wl, 1 + wu);
    zoomMatrix(zy, zx, s.height, s.width, params, offset);
  };
  return new RandomImageLayer(new Affine("RandomZoom", { heightFactor: options.heightFactor, widthFactor: width }, sampling, draw), where, options);
}

/** Keras's RandomTranslation (active only while training): `layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 })`. */
export function randomTranslation(options: RandomTranslationArgs): RandomImageLayer {
  const where = "layers.randomTranslation";
  args.optionsObject(where, options, ["heightFactor", "widthFactor", "fillMode", "interpolation", "fillValue", ...RANDOM_LAYER_KEYS]);
  const [hl, hu] = factorRange(where, "heightFactor", options.heightFactor, -1, 1);
  const [wl, wu] = factorRange(where, "widthFactor", options.widthFactor, -1, 1);
  const sampling = affineOptions(where, options);
  const draw: Draw = (random, s, params, offset) => {
    const dy = random.uniform(hl, hu) * s.height;
    const dx = random.uniform(wl, wu) * s.width;
    translationMatrix(dy, dx, params, offset);
  };
  return new RandomImageLayer(new Affine("RandomTranslation", { heightFactor: options.heightFactor, widthFactor: options.widthFactor }, sampling, draw), where, options);
}
