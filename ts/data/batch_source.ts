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
}

/** True when `value` looks like a {@link BatchSource}. */
export function isBatchSource(value: unknown): value is BatchSource {
  return typeof value === "object" && value !== null && typeof (value as BatchSource).fill === "function" && typeof (value as BatchSource).startEpoch === "function";
}
