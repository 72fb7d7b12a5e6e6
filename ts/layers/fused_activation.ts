/**
 * A layer's own activation, applied in place to its output (Conv2D, Dense, the depthwise
 * and separable convolutions, Activation). relu, sigmoid, tanh and softmax take their
 * gradient from the activated output `y` (layer.ts); the Keras 3 additions (relu6, elu,
 * selu, swish, gelu, hardSigmoid) from their input, so a layer using one keeps a copy of
 * its pre-activation output in its own workspace: {@link FusedActivation.savedFloats}.
 */
import type { ActivationKind } from "../kernels/activation.js";
import { unaryBackward, unaryForward, type UnaryFn } from "../kernels/unary.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import type { ActivationName } from "./args.js";
import { activateGradient, activateOutput, copyFloats } from "./layer.js";

/** The kernel function of each activation that needs its input, as Keras 3 defines it. */
const UNARY: Partial<Record<ActivationName, UnaryFn>> = {
  relu6: { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 },
  elu: { kind: "elu", alpha: 1 },
  selu: { kind: "selu" },
  swish: { kind: "swish" },
  gelu: { kind: "gelu", approximate: false },
  gelu_new: { kind: "gelu", approximate: true },
  hardSigmoid: { kind: "hardSigmoid" },
};

/** The {@link UnaryFn} of an activation whose backward reads its input, else null. */
export function unaryOf(name: ActivationName): UnaryFn | null {
  return UNARY[name] ?? null;
}

/** One layer's output activation. */
export class FusedActivation {
  private readonly fn: UnaryFn | null;

  constructor(readonly name: ActivationName) {
    this.fn = unaryOf(name);
  }

  /** Floats the layer must keep per batch for the backward pass: the pre-activation output when needed. */
  savedFloats(outputFloats: number): number {
    return this.fn ? outputFloats : 0;
  }

  /**
   * Activates `y` (`[rows, cols]`, softmax per row) in place unless `activate` is false;
   * keeps the pre-activation output in `saved` when this activation needs it (`saved`
   * null: the caller keeps it elsewhere, as the Activation layer keeps its input).
   */
  forward(core: WasmCore, activate: boolean, rows: number, cols: number, y: WasmBuffer, saved: WasmBuffer | null): void {
    if (!activate || this.name === "linear") return;
    if (!this.fn) return activateOutput(core, this.name as ActivationKind, activate, rows, cols, y);
    if (saved) copyFloats(core, y, saved, rows * cols);
    unaryForward(core, this.fn, rows * cols, y);
  }

  /** Turns `dy` into the gradient w.r.t. the pre-activation output, in place. */
  backward(core: WasmCore, activate: boolean, rows: number, cols: number, y: WasmBuffer, dy: WasmBuffer, saved: WasmBuffer | null): void {
    if (!activate || this.name === "linear") return;
    if (!this.fn) return activateGradient(core, this.name as ActivationKind, activate, rows, cols, y, dy);
    unaryBackward(core, this.fn, rows * cols, saved!, dy);
  }
}
