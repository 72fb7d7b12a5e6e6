/** Running a replica over the shards of one batch, as the workers of a data-parallel step do. */
import { combine } from "../../ts/parallel/data_parallel.js";
import { H_COUNT, H_OFFSET, H_STEP, R_LOSS, type JobSizes, type jobViews } from "../../ts/parallel/job_buffer.js";
import type { Replica } from "../../ts/parallel/replica.js";

/** One batch and the step it is trained at. */
export interface ShardedBatch {
  x: Float32Array;
  /** One-hot labels, `sizes.outSize` per sample. */
  y: Float32Array;
  /** The model's weights, flattened in order. */
  params: readonly number[];
  seed: number;
  step: number;
}

/**
 * Runs `replica` on each shard (sizes in `shards`, in order) of `batch` through `job`, and
 * returns the batch's mean loss and the shards' gradients combined as fit combines them.
 * `beforeShard` is told each shard's first sample before it runs.
 */
export function runShards(
  replica: Replica,
  job: ReturnType<typeof jobViews>,
  sizes: JobSizes,
  shards: readonly number[],
  batch: ShardedBatch,
  beforeShard: (offset: number) => void = () => {},
): { loss: number; grads: Float32Array } {
  let offset = 0;
  let lossSum = 0;
  const results: { grads: Float32Array; count: number }[] = [];
  for (const count of shards) {
    beforeShard(offset);
    job.header[H_COUNT] = count;
    job.header[H_OFFSET] = offset;
    job.header[H_STEP] = batch.step;
    job.seeds.fill(batch.seed);
    job.params.set(batch.params);
    job.inputs.set(batch.x.subarray(offset * sizes.inSize, (offset + count) * sizes.inSize));
    job.labels.set(batch.y.subarray(offset * sizes.outSize, (offset + count) * sizes.outSize));
    replica.run(job);
    lossSum += job.results[R_LOSS]! * count;
    results.push({ grads: job.grads.slice(), count });
    offset += count;
  }
  const grads = new Float32Array(sizes.params);
  combine(grads, 0, results, offset);
  return { loss: lossSum / offset, grads };
}
