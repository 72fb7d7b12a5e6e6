/**
 * What Keras 3's random image preprocessing layers share: each sample of a batch gets a
 * random transform while training (drawn from the layer's seed, or fit's, and the
 * training step, as dropout's masks are), and passes unchanged otherwise. The transform
 * itself is an {@link Augmentation}; this class is the {@link Layer} around it.
 *
 * Gradients: Keras puts these layers at the model's input, where no gradient is needed
 * (the first layer's `dx` is null and backward returns at once). Anywhere else, backward
 * applies the adjoint of the very transform forward applied (its parameters are kept in
 * the layer's workspace), so they are correct wherever they sit.
 */
import { Random } from "../../random.js";
import { sizeOf } from "../../shapes.js";
import type { WasmCore } from "../../wasm/core.js";
import * as args from "../args.js";
import { BaseLayer } from "../base.js";
import { copyFloats, type LayerBuffers, type Pass, type Workspace } from "../layer.js";

/** Height, width and channels of one image. */
export interface ImageShape {
  /** Rows of pixels. */
  height: number;
  /** Columns of pixels. */
  width: number;
  /** Values per pixel (1 grayscale, 3 rgb, 4 rgba). */
  channels: number;
}

/** One kind of random transform: how it draws its parameters and applies them. */
export interface Augmentation {
  /** Keras's class name, e.g. "RandomFlip". */
  readonly className: string;
  /** Numbers drawn per sample. */
  readonly paramCount: number;
  /** The config fields of this kind (Keras's names in camelCase), in Keras's order. */
  config(): Record<string, unknown>;
  /** Draws one sample's parameters into `params` from `offset`. */
  draw(random: Random, shape: ImageShape, params: Float32Array, offset: number): void;
  /** Writes the transformed sample `x` (from `xOffset`) into `y` (from `yOffset`). */
  apply(x: Float32Array, xOffset: number, params: Float32Array, pOffset: number, shape: ImageShape, y: Float32Array, yOffset: number): void;
  /** The gradient w.r.t. the sample from the one w.r.t. its output `dy` (the output `y` given too). */
  adjoint(dy: Float32Array, dyOffset: number, y: Float32Array, params: Float32Array, pOffset: number, shape: ImageShape, dx: Float32Array, dxOffset: number): void;
}

/** Options every random preprocessing layer takes besides its own. */
export interface RandomLayerArgs {
  /** Fixes this layer's draws; by default they follow `fit`'s seed. */
  seed?: number | null;
  /** Shape of one sample, [height, width, channels]; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default the Keras stem with a counter (random_flip, random_flip_1, ...). */
  name?: string;
}

/** The option names of {@link RandomLayerArgs}. */
export const RANDOM_LAYER_KEYS = ["seed", "inputShape", "name"] as const;

// Batch positions are folded into the generator's seed below a 32-bit hash of (seed, step).
const POSITION_SPAN = 2 ** 21;

/** A 32-bit hash of the layer seed and the training step (murmur3's finalizer on their mix). */
function mixSeedStep(seed: number, step: number): number {
  let h = (seed ^ Math.imul(step >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(step / 0x1_0000_0000), 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A random image preprocessing layer (randomFlip, randomRotation, ...). */
export class RandomImageLayer extends BaseLayer {
  readonly className: string;
  /** The fixed seed, or null when draws follow `fit`'s seed. */
  readonly seed: number | null;
  /**
   * Batch position of the first sample of the current pass (0 unless a worker trains on
   * a shard): each sample's draw depends on (seed, step, batch position) only, so
   * `fit({ workers })` draws what one worker draws when replicas set this as for dropout.
   */
  offset = 0;
  private shape: ImageShape | null = null;

  /** The transform this layer draws and applies (flip, rotation, ...). */
  readonly augmentation: Augmentation;

  /** Checks the shared options; the factories (randomFlip, ...) check their own first. */
  constructor(augmentation: Augmentation, where: string, options: RandomLayerArgs) {
    super(where, options);
    this.augmentation = augmentation;
    this.className = augmentation.className;
    const seed = options.seed ?? null;
    if (seed !== null && (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0)) {
      throw new Error(`${where}: seed must be a whole number >= 0 (or null), received ${args.show(seed)}`);
    }
    this.seed = seed;
  }

  /** Keras's config: the layer's own fields, then its seed. */
  get config(): Record<string, unknown> {
    return { ...this.commonConfig(), ...this.augmentation.config(), seed: this.seed };
  }

  /** Images only: [height, width, channels]. */
  override build(inputShape: readonly number[]): number[] {
    args.expectRank(`${this.className} ${this.name}`, inputShape, 3, "[height, width, channels] (images)");
    const [height, width, channels] = inputShape as [number, number, number];
    this.shape = { height, width, channels };
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    return this.outputShape;
  }

  /** Room for each sample's drawn parameters (backward needs the same step's transform). */
  override workspace(_core: WasmCore, batch: number): Workspace {
    return { f32: batch * this.augmentation.paramCount, u32: 0, scratch: 0 };
  }

  /** Training: a fresh transform per sample; inference: the input unchanged. */
  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const size = sizeOf(this.inputShape!);
    if (!pass.training) {
      copyFloats(core, bufs.x, bufs.y, pass.count * size);
      return;
    }
    const aug = this.augmentation, shape = this.shape!, p = aug.paramCount;
    const seed = this.seed !== null ? this.seed % 0x1_0000_0000 : pass.seed >>> 0;
    const base = mixSeedStep(seed, pass.step) * POSITION_SPAN;
    const params = core.f32(bufs.f32!), x = core.f32(bufs.x), y = core.f32(bufs.y);
    for (let i = 0; i < pass.count; i++) {
      aug.draw(new Random(base + ((this.offset + i) % POSITION_SPAN)), shape, params, i * p);
      aug.apply(x, i * size, params, i * p, shape, y, i * size);
    }
  }

  /** The adjoint of forward's transforms (nothing at the model's input, where dx is null). */
  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    if (!bufs.dx) return;
    const size = sizeOf(this.inputShape!);
    if (!pass.training) {
      copyFloats(core, bufs.dy, bufs.dx, pass.count * size);
      return;
    }
    const aug = this.augmentation, shape = this.shape!, p = aug.paramCount;
    const params = core.f32(bufs.f32!), dy = core.f32(bufs.dy), dx = core.f32(bufs.dx), y = core.f32(bufs.y);
    for (let i = 0; i < pass.count; i++) aug.adjoint(dy, i * size, y, params, i * p, shape, dx, i * size);
  }
}

/** A number, or a pair sorted, as Keras's factor arguments; each in [lo, hi] (`openLo`: lo excluded). */
export function factorRange(where: string, name: string, value: unknown, lo: number, hi: number, openLo = false): [number, number] {
  const ok = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
  const range = `${openLo ? "(" : "["}${lo}, ${hi}]`;
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) {
    const [a, b] = value as [number, number];
    return a <= b ? [a, b] : [b, a];
  }
  if (ok(value)) {
    const f = Math.abs(value);
    return [Math.max(-f, lo), f];
  }
  throw new Error(`${where}: ${name} must be a number or a pair of numbers in ${range}, received ${args.show(value)}`);
}

/** Checks a fill mode, interpolation and fill value as Keras's affine layers take them. */
export function affineOptions(where: string, options: { fillMode?: unknown; interpolation?: unknown; fillValue?: unknown }): { fillMode: "reflect" | "wrap" | "constant" | "nearest"; interpolation: "bilinear" | "nearest"; fillValue: number } {
  const fillMode = options.fillMode ?? "reflect";
  if (!["reflect", "wrap", "constant", "nearest"].includes(fillMode as string)) throw new Error(`${where}: fillMode must be "reflect", "wrap", "constant" or "nearest", received ${args.show(fillMode)}`);
  const interpolation = options.interpolation ?? "bilinear";
  if (interpolation !== "bilinear" && interpolation !== "nearest") throw new Error(`${where}: interpolation must be "bilinear" or "nearest", received ${args.show(interpolation)}`);
  const fillValue = options.fillValue ?? 0;
  if (typeof fillValue !== "number" || !Number.isFinite(fillValue)) throw new Error(`${where}: fillValue must be a finite number, received ${args.show(fillValue)}`);
  return { fillMode: fillMode as "reflect", interpolation, fillValue };
}
