/**
 * Inverted dropout over wasm buffers with a counter-based mask: element `i` is kept or
 * dropped from a hash of `(seed, step, i)` alone, so the same seed and step give the same
 * mask on both wasm builds and for any split of the work. Pass a new `step` per batch.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/**
 * Drops each of `n` values with probability `rate` (in [0, 1)) and scales the kept ones
 * by `1 / (1 - rate)`, in place; writes the factor used (0 or `1 / (1 - rate)`) to `mask`.
 * `seed` and `step` are whole numbers in [0, 2^32).
 */
export function dropoutForward(core: WasmCore, n: number, rate: number, seed: number, step: number, xy: WasmBuffer, mask: WasmBuffer): void {
  const op = "dropoutForward";
  checkCount(op, n);
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
    throw new Error(`${op}: rate must be a number in [0, 1), received ${rate}`);
  }
  for (const [name, value] of [["seed", seed], ["step", step]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new Error(`${op}: ${name} must be a whole number from 0 to 4294967295, received ${value}`);
    }
  }
  core.fn("dropout_forward")(n, rate, seed, step, core.check(op, "xy", xy, n), core.check(op, "mask", mask, n));
}

/** Multiplies `n` gradients in place by the mask {@link dropoutForward} wrote. */
export function dropoutBackward(core: WasmCore, n: number, mask: WasmBuffer, dxy: WasmBuffer): void {
  const op = "dropoutBackward";
  checkCount(op, n);
  core.fn("dropout_backward")(n, core.check(op, "mask", mask, n), core.check(op, "dxy", dxy, n));
}

function checkCount(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${op}: n must be a whole number >= 1, received ${n}`);
  }
}
