/**
 * Inference on a model's plan (what `predict` and `activations` share): samples go through
 * the layers in chunks of at most the plan's batch, dropout off, and chosen windows of the
 * plan are copied out after each chunk.
 */
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import type { Runner } from "./runner.js";

/** Options of `predict`, `activations` and `evaluate`. */
export interface BatchArgs {
  /**
   * Samples per chunk at most (default 32). Chunks are also capped by the samples there
   * are and by a memory bound (256 samples, 64 MiB of buffers; see docs/reliability.md,
   * "Memory"), so a huge value is safe; the results do not depend on it.
   */
  batchSize?: number;
}

/** Checks `op`'s options (only `batchSize`) and returns the batch size. */
export function batchOption(op: string, options: BatchArgs): number {
  if (typeof options !== "object" || options === null) throw new Error(`${op}: options must be an object, received ${String(options)}`);
  for (const key of Object.keys(options)) if (key !== "batchSize") throw new Error(`${op}: unknown option "${key}"; expected batchSize`);
  const b = options.batchSize ?? 32;
  if (typeof b !== "number" || !Number.isSafeInteger(b) || b < 1) throw new Error(`${op}: batchSize must be a whole number > 0, received ${String(b)}`);
  return b;
}

/** An empty batch of `n` samples of `shape`, [n, ...shape]. */
export function emptyBatch(n: number, shape: readonly number[]): Tensor {
  return { data: new Float32Array(n * sizeOf(shape)), shape: [n, ...shape] };
}

/** One window of the plan to copy out per chunk, and the tensor [n, ...] it fills. */
export interface Tap {
  window: WasmBuffer;
  out: Tensor;
  /** Copy right after this layer's forward (its output may not outlive the pass); default after the pass. */
  layer?: number;
}

/**
 * Runs every sample of `x` (already checked) forward in inference mode, `batchSize` at a
 * time (at most the plan's batch, which ModelMemory.inferenceRunner bounds), copying each
 * tap's window into its tensor.
 */
export function inferInChunks(core: WasmCore, runner: Runner, x: Tensor, batchSize: number, taps: readonly Tap[]): void {
  const n = x.shape[0]!;
  const chunk = Math.min(batchSize, runner.plan.batch);
  const size = sizeOf(x.shape.slice(1));
  const widths = taps.map((t) => sizeOf(t.out.shape.slice(1)));
  const byLayer = taps.some((t) => t.layer !== undefined);
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    // The chunk's samples are contiguous in x: one block copy (a per-value loop costs a few
    // percent of a small model's batch-1 latency).
    core.f32(runner.plan.input).set(x.data.subarray(start * size, (start + count) * size));
    const copy = (t: Tap, i: number) => t.out.data.set(core.f32(t.window).subarray(0, count * widths[i]!), start * widths[i]!);
    runner.forward(count, false, 0, false, byLayer ? (layer) => taps.forEach((t, i) => t.layer === layer && copy(t, i)) : undefined);
    taps.forEach((t, i) => t.layer === undefined && copy(t, i));
  }
}
