/**
 * Inverted dropout over wasm buffers with a counter-based mask: element `i` is kept or
 * dropped from a hash of `(seed, step, i)` alone, so the same seed and step give the same
 * mask on both wasm builds and for any split of the work. Pass a new `step` per batch.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkFraction, checkNoOverlap, checkWhole } from "./check.js";

/**
 * Drops each of `n` values with probability `rate` (in [0, 1)) and scales the kept ones
 * by `1 / (1 - rate)`, in place; writes the factor used (0 or `1 / (1 - rate)`) to `mask`.
 * `seed` and `step` are whole numbers in [0, 2^32). `xy` and `mask` must not overlap.
 */
export function dropoutForward(core: WasmCore, n: number, rate: number, seed: number, step: number, xy: WasmBuffer, mask: WasmBuffer): void {
  const op = "dropoutForward";
  checkCount(op, "n", n);
  checkFraction(op, "rate", rate);
  checkWhole(op, "seed", seed, 0, 0xffff_ffff);
  checkWhole(op, "step", step, 0, 0xffff_ffff);
  beginBuffers();
  const xyp = checkedBuffer(core, op, "xy", xy, n, true);
  const mp = checkedBuffer(core, op, "mask", mask, n, true);
  checkNoOverlap(op);
  core.fn("dropout_forward")(n, rate, seed, step, xyp, mp);
}

/** Multiplies `n` gradients in place by the mask {@link dropoutForward} wrote (`dxy` must not overlap `mask`). */
export function dropoutBackward(core: WasmCore, n: number, mask: WasmBuffer, dxy: WasmBuffer): void {
  const op = "dropoutBackward";
  checkCount(op, "n", n);
  beginBuffers();
  const mp = checkedBuffer(core, op, "mask", mask, n, false);
  const dxyp = checkedBuffer(core, op, "dxy", dxy, n, true);
  checkNoOverlap(op);
  core.fn("dropout_backward")(n, mp, dxyp);
}
