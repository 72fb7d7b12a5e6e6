/**
 * Inverted dropout over wasm buffers with a counter-based mask: element `i` is kept or
 * dropped from a hash of `(seed, step, i)` alone, so the same seed and step give the same
 * mask on both wasm builds and for any split of the work. Pass a new `step` per batch.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkCounts, checkedPointers, checkFraction, checkWhole } from "./check.js";

/**
 * Drops each of `n` values with probability `rate` (in [0, 1)) and scales the kept ones
 * by `1 / (1 - rate)`, in place; writes the factor used (0 or `1 / (1 - rate)`) to `mask`.
 * `seed` and `step` are whole numbers in [0, 2^32). `xy` and `mask` must not overlap.
 */
export function dropoutForward(core: WasmCore, n: number, rate: number, seed: number, step: number, xy: WasmBuffer, mask: WasmBuffer): void {
  const op = "dropoutForward";
  checkCounts(op, { n });
  checkFraction(op, "rate", rate);
  checkWhole(op, "seed", seed, 0, 0xffff_ffff);
  checkWhole(op, "step", step, 0, 0xffff_ffff);
  const ptrs = checkedPointers(core, op, [
    ["xy", xy, n, true],
    ["mask", mask, n, true],
  ]);
  core.fn("dropout_forward")(n, rate, seed, step, ...ptrs);
}

/** Multiplies `n` gradients in place by the mask {@link dropoutForward} wrote (`dxy` must not overlap `mask`). */
export function dropoutBackward(core: WasmCore, n: number, mask: WasmBuffer, dxy: WasmBuffer): void {
  const op = "dropoutBackward";
  checkCounts(op, { n });
  const ptrs = checkedPointers(core, op, [
    ["mask", mask, n, false],
    ["dxy", dxy, n, true],
  ]);
  core.fn("dropout_backward")(n, ...ptrs);
}
