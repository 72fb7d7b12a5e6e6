/**
 * The dense (fully connected) layer's kernels over wasm buffers.
 *
 * Layouts (row-major, Keras): `x` `[batch, inputs]`, `w` `[inputs, units]`,
 * `bias` `[units]`, `y` and `dy` `[batch, units]`.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkCounts, checkedPointers } from "./check.js";

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
  checkCounts(op, { batch, inputs, units });
  const ptrs = checkedPointers(core, op, [
    ["x", x, batch * inputs, false],
    ["w", w, inputs * units, false],
    ["bias", bias, units, false],
    ["y", y, batch * units, true],
  ]);
  core.fn("dense_forward")(batch, inputs, units, ...ptrs);
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
  checkCounts(op, { batch, inputs, units });
  const ptrs = checkedPointers(core, op, [
    ["x", x, batch * inputs, false],
    ["w", w, inputs * units, false],
    ["dy", dy, batch * units, false],
    ["dx", dx, batch * inputs, true],
    ["dw", dw, inputs * units, true],
    ["db", db, units, true],
  ]);
  core.fn("dense_backward")(batch, inputs, units, ...ptrs);
}
