import { describeValue } from "../io/json.js";

/**
 * What `fit` trains on when it is not given plain arrays: a source that writes each
 * epoch's samples into the model's batch buffers (so augmentation allocates nothing per
 * batch). `ImageDataGenerator.flow()` returns one.
 */
export interface BatchSource {
  /** Samples in one epoch. */
  readonly length: number;
  /** Batch size the source was made for (fit uses it unless told otherwise). */
  readonly batchSize: number;
  /** Shape of one input sample, e.g. [28, 28, 1]. */
  readonly sampleShape: readonly number[];
  /** Shape of one label: [] for a class index, [classes] for one-hot rows. */
  readonly labelShape: readonly number[];
  /** Starts epoch `epoch` (0-based): decides its sample order (shuffled by seed). */
  startEpoch(epoch: number): void;
  /**
   * Writes samples `start` to `start + count` of the current epoch's order into `x`
   * (count * sampleShape values) and `y` (count * labelShape values).
   */
  fill(start: number, count: number, x: Float32Array, y: Float32Array): void;
  /**
   * Optional: readies samples `start .. start + count` of the current epoch's order for
   * the `fill` of the same samples that follows, asynchronously (a browser image source
   * decodes them here with `createImageBitmap`, which has no synchronous form). `fit`
   * awaits it before every batch's `fill`; a source that has it may refuse a `fill` it
   * did not prepare. Whatever else calls `fill` on a source must await it first too.
   */
  prepare?(start: number, count: number): Promise<void>;
}

/** True when `value` looks like a {@link BatchSource}. */
export function isBatchSource(value: unknown): value is BatchSource {
  return typeof value === "object" && value !== null && typeof (value as BatchSource).fill === "function" && typeof (value as BatchSource).startEpoch === "function";
}

/**
 * Checks what a {@link BatchSource} written by hand claims before `fit` relies on it: its
 * `batchSize` must be a whole number >= 1 (not 0, 2.5, NaN or the string "8"). `where`
 * names the call.
 */
export function checkBatchSize(where: string, source: BatchSource): number {
  const b: unknown = source.batchSize;
  if (typeof b !== "number" || !Number.isSafeInteger(b) || b < 1) {
    throw new Error(`${where}: the batch source's batchSize is ${describeValue(b)}, expected a whole number >= 1`);
  }
  return b;
}
