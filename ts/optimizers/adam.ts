/** Keras's `Adam` (without amsgrad). */
import { adamUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkWeightDecay, decayBeforeUpdate, LearningRate, checkPositive, checkUnit, stateWindows, type Optimizer, type OptimizerConfig } from "./optimizer.js";
import type { LearningRateSchedule } from "./schedules.js";

/** Arguments of {@link Adam}, with Keras's defaults. */
export interface AdamArgs {
  /** A number > 0 or a schedule (optimizers.schedules); default 0.001. */
  learningRate?: number | LearningRateSchedule;
  /** Keras\'s decoupled weight decay (`p -= p * weightDecay * lr` before each update), >= 0; default none. */
  weightDecay?: number | null;
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
  /** Decoupled weight decay per unit of learning rate, or null for none. */
  readonly weightDecay: number | null;
  private readonly lr: LearningRate;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: AdamArgs = {}) {
    checkArgKeys("Adam", args, ["learningRate", "weightDecay", "beta1", "beta2", "epsilon"]);
    this.weightDecay = checkWeightDecay("Adam", args.weightDecay, null);
    this.lr = new LearningRate("Adam", args.learningRate ?? 0.001);
    this.beta1 = checkUnit("Adam", "beta1", args.beta1 ?? 0.9, true);
    this.beta2 = checkUnit("Adam", "beta2", args.beta2 ?? 0.999, true);
    this.epsilon = checkPositive("Adam", "epsilon", args.epsilon ?? 1e-7);
  }

  get learningRate(): number {
    return this.lr.current;
  }

  set learningRate(value: number) {
    this.lr.set(value);
  }

  /** The schedule given as learningRate, or null. */
  get schedule(): LearningRateSchedule | null {
    return this.lr.schedule;
  }

  getConfig(): OptimizerConfig {
    const decay: OptimizerConfig = this.weightDecay === null ? {} : { weight_decay: this.weightDecay };
    return { learning_rate: this.lr.config(), ...decay, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }

  stateSlots(): number {
    return 2;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): void {
    const [m, v] = stateWindows("Adam", state, 2, n);
    const lr = this.lr.forStep(step);
    decayBeforeUpdate(core, "Adam", n, params, grads, this.weightDecay, lr);
    adamUpdate(core, n, params, grads, m!, v!, lr, this.beta1, this.beta2, this.epsilon, step);
  }
}
