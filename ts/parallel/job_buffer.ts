/**
 * The one buffer the main thread and a worker exchange each training step: a
 * SharedArrayBuffer both sides keep (signalled with Atomics), or an ArrayBuffer passed
 * back and forth as a transferable (postMessage fallback). Same layout either way:
 *
 *   bytes 0..31    Int32 header: seq, done, count, offset, step (see the H_* indices)
 *   bytes 32..79   Float64 results: the shard's mean loss, its number of correct samples,
 *                  then the worker's clock at four points of the job (see the R_* indices)
 *   then           Uint32 per-layer seeds (padded to 16 bytes)
 *   then           Float32 params[P], grads[P], inputs[S * inSize], labels[S * outSize]
 *
 * where P is the model's parameter count and S the largest shard a worker gets.
 */

/** Header slot: job number the main thread posted (increments per step). */
export const H_SEQ = 0;
/** Header slot: job number the worker finished. */
export const H_DONE = 1;
/** Header slot: samples in this shard. */
export const H_COUNT = 2;
/** Header slot: position of the shard's first sample in the batch. */
export const H_OFFSET = 3;
/** Header slot: the optimizer step (dropout draws its masks from it). */
export const H_STEP = 4;
/** Header slot: nonzero asks a waiting worker to stop serving: {@link STOP_EXIT} or {@link STOP_PARK}. */
export const H_STOP = 5;
/** H_STOP value: the worker ends. */
export const STOP_EXIT = 1;
/** H_STOP value: the worker is parked between fit calls and waits for its next "init" (pool.ts). */
export const STOP_PARK = 2;

/** Sizes that fix a job buffer's layout. */
export interface JobSizes {
  /** Parameters of the model. */
  params: number;
  /** Layers of the model (one seed each). */
  layers: number;
  /** Most samples a shard holds. */
  shard: number;
  /** Floats per input sample. */
  inSize: number;
  /** Floats per label row (the model's output size). */
  outSize: number;
}

/** Result slot: the shard's mean loss. */
export const R_LOSS = 0;
/** Result slot: the shard's correctly classified samples. */
export const R_CORRECT = 1;
/**
 * Result slots: the worker's wall clock (`performance.timeOrigin + performance.now()`,
 * milliseconds) when it woke for the job, had loaded the weights and shard, had computed
 * the gradient, and had written it back. Diagnostics only (bench/parallel.ts reads them
 * to show where a step's time goes); nothing depends on them.
 */
export const R_WOKE = 2;
/** Result slot: see {@link R_WOKE}. */
export const R_LOADED = 3;
/** Result slot: see {@link R_WOKE}. */
export const R_COMPUTED = 4;
/** Result slot: see {@link R_WOKE}. */
export const R_STORED = 5;

/** The wall clock in milliseconds, comparable between threads (for the R_* timestamps). */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}
const RESULTS = 6;

const HEADER_BYTES = 32;
const RESULT_BYTES = 8 * RESULTS;

function seedBytes(layers: number): number {
  return Math.ceil((layers * 4) / 16) * 16;
}

/** Bytes of a job buffer for `s`. */
export function jobBytes(s: JobSizes): number {
  return HEADER_BYTES + RESULT_BYTES + seedBytes(s.layers) + 4 * (2 * s.params + s.shard * (s.inSize + s.outSize));
}

/** Typed views of every region of a job buffer. */
export interface JobViews {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly header: Int32Array;
  /** The shard's loss and correct count, and the worker's timestamps (the R_* slots). */
  readonly results: Float64Array;
  readonly seeds: Uint32Array;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly inputs: Float32Array;
  readonly labels: Float32Array;
}

/** Views of `buffer` (of at least {@link jobBytes} bytes) laid out for `s`. */
export function jobViews(buffer: ArrayBuffer | SharedArrayBuffer, s: JobSizes): JobViews {
  if (buffer.byteLength < jobBytes(s)) throw new Error(`simdnet: a job buffer of ${buffer.byteLength} bytes is too small; expected ${jobBytes(s)}`);
  let at = HEADER_BYTES + RESULT_BYTES;
  const seeds = new Uint32Array(buffer, at, s.layers);
  at += seedBytes(s.layers);
  const f32 = (n: number): Float32Array => {
    const view = new Float32Array(buffer, at, n);
    at += 4 * n;
    return view;
  };
  return {
    buffer,
    header: new Int32Array(buffer, 0, HEADER_BYTES / 4),
    results: new Float64Array(buffer, HEADER_BYTES, RESULTS),
    seeds,
    params: f32(s.params),
    grads: f32(s.params),
    inputs: f32(s.shard * s.inSize),
    labels: f32(s.shard * s.outSize),
  };
}
