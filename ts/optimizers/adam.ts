/** Keras's `Adam` (without amsgrad). */
import { adamUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkLearningRate, checkPositive, checkUnit, stateWindows, type Optimizer } from "./optimizer.js";

/** Arguments of {@link Adam}, with Keras's defaults. */
export interface AdamArgs {
  /** Default 0.001. */
  learningRate?: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to sqrt(v); > 0; default 1e-7. */
  epsilon?: number;
}

/**
 * Adam: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)` at step t.
 * Two state slots: m, then v.
 */
export class Adam implements Optimizer {
  readonly className = "Adam";
  /** Decay of the first moment (m), in [0, 1). */
  readonly beta1: number;
  /** Decay of the second moment (v), in [0, 1). */
  readonly beta2: number;
  /** Added to sqrt(v) in the denominator; > 0. */
  readonly epsilon: number;
  private lr: number;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: AdamArgs = {}) {
    checkArgKeys("Adam", args, ["learningRate", "beta1", "beta2", "epsilon"]);
    this.lr = checkLearningRate("Adam", args.learningRate ?? 0.001);
    this.beta1 = checkUnit("Adam", "beta1", args.beta1 ?? 0.9, true);
    this.beta2 = checkUnit("Adam", "beta2", args.beta2 ?? 0.999, true);
    this.epsilon = checkPositive("Adam", "epsilon", args.epsilon ?? 1e-7);
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkLearningRate("Adam", value);
  }

  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.lr, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }

  stateSlots(): number {
    return 2;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): boolean {
    const [m, v] = stateWindows("Adam", state, 2, n);
    return adamUpdate(core, n, params, grads, m!, v!, this.lr, this.beta1, this.beta2, this.epsilon, step);
  }
}
