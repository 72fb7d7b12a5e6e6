/**
 * The dense (fully connected) layer's kernels over wasm buffers.
 *
 * Layouts (row-major, Keras): `x` `[batch, inputs]`, `w` `[inputs, units]`,
 * `bias` `[units]`, `y` and `dy` `[batch, units]`.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap } from "./check.js";

/** `y = x w + bias` (no bias when `bias` is null). Overwrites `y`, which must not overlap an input. */
export function denseForward(
  core: WasmCore,
  batch: number,
  inputs: number,
  units: number,
  x: WasmBuffer,
  w: WasmBuffer,
  bias: WasmBuffer | null,
  y: WasmBuffer,
): void {
  const op = "denseForward";
  checkCount(op, "batch", batch);
  checkCount(op, "inputs", inputs);
  checkCount(op, "units", units);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, batch * inputs, false);
  const wp = checkedBuffer(core, op, "w", w, inputs * units, false);
  const bp = checkedBuffer(core, op, "bias", bias, units, false);
  const yp = checkedBuffer(core, op, "y", y, batch * units, true);
  checkNoOverlap(op);
  core.fn("dense_forward")(batch, inputs, units, xp, wp, bp, yp);
}

/**
 * Gradients of {@link denseForward} from `dy`, overwriting each output:
 * `dw = x^T dy`, `db` = column sums of `dy` (skipped when null), `dx = dy w^T`
 * (skipped when null, as for a model's first layer). No output may overlap another argument.
 */
export function denseBackward(
  core: WasmCore,
  batch: number,
  inputs: number,
  units: number,
  x: WasmBuffer,
  w: WasmBuffer,
  dy: WasmBuffer,
  dx: WasmBuffer | null,
  dw: WasmBuffer,
  db: WasmBuffer | null,
): void {
  const op = "denseBackward";
  checkCount(op, "batch", batch);
  checkCount(op, "inputs", inputs);
  checkCount(op, "units", units);
  beginBuffers();
  const xp = checkedBuffer(core, op, "x", x, batch * inputs, false);
  const wp = checkedBuffer(core, op, "w", w, inputs * units, false);
  const dyp = checkedBuffer(core, op, "dy", dy, batch * units, false);
  const dxp = checkedBuffer(core, op, "dx", dx, batch * inputs, true);
  const dwp = checkedBuffer(core, op, "dw", dw, inputs * units, true);
  const dbp = checkedBuffer(core, op, "db", db, units, true);
  checkNoOverlap(op);
  core.fn("dense_backward")(batch, inputs, units, xp, wp, dyp, dxp, dwp, dbp);
}
