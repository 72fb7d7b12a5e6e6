/**
 * Activation kernels over wasm buffers, in place. Forward overwrites `x` with `f(x)`;
 * backward reads the forward output `y` and turns dL/dy into dL/dx. Softmax acts on
 * each row of `cols` values; the others elementwise on `rows * cols` values.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkCount, checkedBuffer, checkNoOverlap } from "./check.js";

/** The activations a layer may name (as in Keras). */
export type ActivationKind = "linear" | "relu" | "sigmoid" | "tanh" | "softmax";

/** Every {@link ActivationKind}, for validating user input. */
export const ACTIVATION_KINDS: readonly ActivationKind[] = ["linear", "relu", "sigmoid", "tanh", "softmax"];

// Export names spelled out once: building them per call would allocate a string each time.
type Elementwise = "relu" | "sigmoid" | "tanh";
const FORWARD_EXPORT: Record<Elementwise, string> = { relu: "relu_forward", sigmoid: "sigmoid_forward", tanh: "tanh_forward" };
const BACKWARD_EXPORT: Record<Elementwise, string> = { relu: "relu_backward", sigmoid: "sigmoid_backward", tanh: "tanh_backward" };

/** Applies activation `kind` in place to a `[rows, cols]` buffer (`linear` does nothing). */
export function activationForward(core: WasmCore, kind: ActivationKind, rows: number, cols: number, xy: WasmBuffer): void {
  const op = "activationForward";
  checkArgs(op, kind, rows, cols);
  const xyPtr = core.check(op, "xy", xy, rows * cols);
  if (kind === "linear") return;
  if (kind === "softmax") core.fn("softmax_forward")(rows, cols, xyPtr);
  else core.fn(FORWARD_EXPORT[kind])(rows * cols, xyPtr);
}

/**
 * Turns `dxy` from dL/dy into dL/dx in place, given the forward output `y`
 * (relu: `dy * (y > 0)`, sigmoid: `dy y (1 - y)`, tanh: `dy (1 - y^2)`,
 * softmax per row: `y_j (dy_j - sum_k dy_k y_k)`, linear: unchanged). `dxy` must not
 * overlap `y`.
 */
export function activationBackward(core: WasmCore, kind: ActivationKind, rows: number, cols: number, y: WasmBuffer, dxy: WasmBuffer): void {
  const op = "activationBackward";
  checkArgs(op, kind, rows, cols);
  beginBuffers();
  const yPtr = checkedBuffer(core, op, "y", y, rows * cols, false);
  const dxyPtr = checkedBuffer(core, op, "dxy", dxy, rows * cols, true);
  checkNoOverlap(op);
  if (kind === "linear") return;
  if (kind === "softmax") core.fn("softmax_backward")(rows, cols, yPtr, dxyPtr);
  else core.fn(BACKWARD_EXPORT[kind])(rows * cols, yPtr, dxyPtr);
}

function checkArgs(op: string, kind: ActivationKind, rows: number, cols: number): void {
  if (!ACTIVATION_KINDS.includes(kind)) {
    throw new Error(`${op}: kind must be one of ${ACTIVATION_KINDS.map((k) => `"${k}"`).join(", ")}, received ${JSON.stringify(kind)}`);
  }
  checkCount(op, "rows", rows);
  checkCount(op, "cols", cols);
}
