/**
 * A {@link BatchSource} over in-memory tensors: each epoch a (seeded) order of the
 * samples, written batch by batch into the caller's arrays, optionally through a
 * per-sample transform (augmentation). Everything per epoch is decided in `startEpoch`,
 * so `fill` gives the same samples however the epoch is cut into batches, and it
 * allocates nothing.
 */
import type { BatchSource } from "./batch_source.js";
import { formatShape, type Tensor } from "../tensor.js";
import { Random, randomSeed } from "../random.js";
import { sizeOf } from "../shapes.js";

/** Options of {@link arraySource} and `ImageDataGenerator.flow`. */
export interface ArraySourceOptions {
  /** Samples per batch (default 32, as Keras's flow). */
  batchSize?: number;
  /** Reorder the samples each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles (and augmentation); default: a random one. */
  seed?: number;
}

/**
 * A per-sample transform: at the start of an epoch `draw` writes `paramCount` numbers
 * for a sample; `fill` later hands them to `apply` along with the sample.
 */
export interface SampleTransform {
  readonly paramCount: number;
  draw(random: Random, params: Float64Array, offset: number): void;
  apply(src: Float32Array, srcOffset: number, params: Float64Array, paramOffset: number, dst: Float32Array, dstOffset: number): void;
}

// Epochs per seed are folded into the seed's high 32 bits, so they must stay below this
// for the derived seed to remain a safe integer.
const MAX_EPOCH = 2 ** 21 - 1;

class TensorSource implements BatchSource {
  readonly length: number;
  readonly batchSize: number;
  readonly sampleShape: readonly number[];
  readonly labelShape: readonly number[];
  private readonly sampleSize: number;
  private readonly labelSize: number;
  private readonly order: Uint32Array;
  private readonly params: Float64Array;
  private readonly baseSeed: number;
  private started = false;

  constructor(
    private readonly op: string,
    private readonly x: Tensor,
    private readonly y: Tensor,
    private readonly shuffle: boolean,
    batchSize: number,
    seed: number,
    private readonly transform: SampleTransform | null,
  ) {
    this.length = x.shape[0]!;
    this.batchSize = batchSize;
    this.sampleShape = x.shape.slice(1);
    this.labelShape = y.shape.slice(1);
    this.sampleSize = sizeOf(this.sampleShape);
    this.labelSize = sizeOf(this.labelShape);
    this.order = new Uint32Array(this.length);
    this.params = new Float64Array(transform ? this.length * transform.paramCount : 0);
    this.baseSeed = new Random(seed).nextUint32();
  }

  startEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
      throw new Error(`${this.op}: startEpoch: epoch must be a whole number in [0, ${MAX_EPOCH}], received ${epoch}`);
    }
    const random = new Random(epoch * 0x1_0000_0000 + this.baseSeed);
    for (let i = 0; i < this.length; i++) this.order[i] = i;
    if (this.shuffle) random.shuffle(this.order);
    const t = this.transform;
    if (t) for (let i = 0; i < this.length; i++) t.draw(random, this.params, i * t.paramCount);
    this.started = true;
  }

  fill(start: number, count: number, x: Float32Array, y: Float32Array): void {
    const op = `${this.op}: fill`;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.length) {
      throw new Error(`${op}: samples ${start} to ${start + count} are outside the epoch's ${this.length} (start and count must be whole numbers >= 0)`);
    }
    if (!(x instanceof Float32Array) || x.length < count * this.sampleSize) {
      throw new Error(`${op}: x must be a Float32Array of at least ${count * this.sampleSize} values (${count} samples of ${formatShape(this.sampleShape)}), received ${describe(x)}`);
    }
    if (!(y instanceof Float32Array) || y.length < count * this.labelSize) {
      throw new Error(`${op}: y must be a Float32Array of at least ${count * this.labelSize} values (${count} labels of ${formatShape(this.labelShape)}), received ${describe(y)}`);
    }
    if (!this.started) this.startEpoch(0);
    const xs = this.x.data, ys = this.y.data, s = this.sampleSize, l = this.labelSize;
    const t = this.transform;
    for (let i = 0; i < count; i++) {
      const pos = start + i;
      const j = this.order[pos]!;
      if (t) t.apply(xs, j * s, this.params, pos * t.paramCount, x, i * s);
      else for (let k = 0; k < s; k++) x[i * s + k] = xs[j * s + k]!;
      for (let k = 0; k < l; k++) y[i * l + k] = ys[j * l + k]!;
    }
  }
}

function describe(a: unknown): string {
  return a instanceof Float32Array ? `${a.length} values` : Object.prototype.toString.call(a);
}

/** Checks `x`, `y` and the options, then builds the source (shared with the generator). */
export function makeSource(
  op: string, x: Tensor, y: Tensor, options: ArraySourceOptions, defaultSeed: number | undefined,
  transform: ((sampleShape: readonly number[]) => SampleTransform) | null,
): BatchSource {
  if (typeof options !== "object" || options === null) {
    throw new Error(`${op}: options must be an object, received ${options === null ? "null" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!["batchSize", "shuffle", "seed"].includes(key)) {
      throw new Error(`${op}: unknown option "${key}"; expected batchSize, shuffle or seed`);
    }
  }
  if (!x || !(x.data instanceof Float32Array) || !Array.isArray(x.shape) || x.shape.length < 2 || sizeOf(x.shape) !== x.data.length) {
    throw new Error(`${op}: x must be a tensor of shape [samples, ...sample shape], received ${x && Array.isArray(x.shape) ? `shape ${formatShape(x.shape)}` : String(x)}`);
  }
  if (!y || !(y.data instanceof Float32Array) || !Array.isArray(y.shape) || y.shape.length < 1 || sizeOf(y.shape) !== y.data.length) {
    throw new Error(`${op}: y must be a tensor of shape [samples] or [samples, ...label shape], received ${y && Array.isArray(y.shape) ? `shape ${formatShape(y.shape)}` : String(y)}`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${op}: x has ${x.shape[0]} samples (shape ${formatShape(x.shape)}) but y has ${y.shape[0]} (shape ${formatShape(y.shape)}); expected the same count`);
  }
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new Error(`${op}: batchSize must be a whole number >= 1, received ${batchSize}`);
  }
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") {
    throw new Error(`${op}: shuffle must be true or false, received ${String(shuffle)}`);
  }
  const seed = options.seed ?? defaultSeed ?? randomSeed();
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${op}: seed must be a safe integer, received ${seed}`);
  }
  const t = transform ? transform(x.shape.slice(1)) : null;
  return new TensorSource(op, x, y, shuffle, batchSize, seed, t);
}

/**
 * A {@link BatchSource} over `x` `[n, ...]` and `y` `[n]` or `[n, ...]` without
 * augmentation: every sample once per epoch, reshuffled per epoch when `shuffle`
 * (default true) in an order fixed by `seed`.
 */
export function arraySource(x: Tensor, y: Tensor, options: ArraySourceOptions = {}): BatchSource {
  return makeSource("arraySource", x, y, options, undefined, null);
}
