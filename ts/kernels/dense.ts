/**
 * The dense (fully connected) layer's kernels over wasm buffers.
 *
 * Layouts (row-major, Keras): `x` `[batch, inputs]`, `w` `[inputs, units]`,
 * `bias` `[units]`, `y` and `dy` `[batch, units]`.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/** `y = x w + bias` (no bias when `bias` is null). Overwrites `y`. */
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
  checkDims(op, batch, inputs, units);
  core.fn("dense_forward")(
    batch,
    inputs,
    units,
    core.check(op, "x", x, batch * inputs),
    core.check(op, "w", w, inputs * units),
    bias === null ? 0 : core.check(op, "bias", bias, units),
    core.check(op, "y", y, batch * units),
  );
}

/**
 * Gradients of {@link denseForward} from `dy`, overwriting each output:
 * `dw = x^T dy`, `db` = column sums of `dy` (skipped when null), `dx = dy w^T`
 * (skipped when null, as for a model's first layer).
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
  checkDims(op, batch, inputs, units);
  core.fn("dense_backward")(
    batch,
    inputs,
    units,
    core.check(op, "x", x, batch * inputs),
    core.check(op, "w", w, inputs * units),
    core.check(op, "dy", dy, batch * units),
    dx === null ? 0 : core.check(op, "dx", dx, batch * inputs),
    core.check(op, "dw", dw, inputs * units),
    db === null ? 0 : core.check(op, "db", db, units),
  );
}

function checkDims(op: string, batch: number, inputs: number, units: number): void {
  for (const [name, value] of [["batch", batch], ["inputs", inputs], ["units", units]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${op}: ${name} must be a whole number >= 1, received ${value}`);
    }
  }
}
