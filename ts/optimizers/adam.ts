/** Keras's `Adam` (without amsgrad), and the moment options and step AdamW shares with it. */
import { adamUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { BaseOptimizer, checkArgKeys, checkPositive, checkUnit, checkWeightDecay, type OptimizerConfig } from "./optimizer.js";
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

/** The option names of Adam and AdamW. */
export const ADAM_KEYS = ["learningRate", "weightDecay", "beta1", "beta2", "epsilon"] as const;

/**
 * Adam's update, shared by {@link Adam} and AdamW (which differ only in their weight-decay
 * default): `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)` at step t.
 * Two state slots: m, then v.
 */
export abstract class AdamBase extends BaseOptimizer {
  /** Decay of the first moment (m), in [0, 1). */
  readonly beta1: number;
  /** Decay of the second moment (v), in [0, 1). */
  readonly beta2: number;
  /** Added to sqrt(v) in the denominator; > 0. */
  readonly epsilon: number;

  /** Checks the moment options with Keras's defaults (0.9, 0.999, 1e-7); `owner` names the optimizer. */
  protected constructor(owner: string, args: AdamArgs, weightDecay: number | null) {
    super(owner, args.learningRate ?? 0.001, weightDecay);
    this.beta1 = checkUnit(owner, "beta1", args.beta1 ?? 0.9, true);
    this.beta2 = checkUnit(owner, "beta2", args.beta2 ?? 0.999, true);
    this.epsilon = checkPositive(owner, "epsilon", args.epsilon ?? 1e-7);
  }

  getConfig(): OptimizerConfig {
    return { ...this.baseConfig(), beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }

  stateSlots(): number {
    return 2;
  }

  protected update(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, [m, v]: WasmBuffer[], lr: number, step: number): boolean {
    return adamUpdate(core, n, params, grads, m!, v!, lr, this.beta1, this.beta2, this.epsilon, step);
  }
}

/** Adam (see {@link AdamBase} for the update), with Keras's defaults and no weight decay unless given. */
export class Adam extends AdamBase {
  readonly className = "Adam";

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: AdamArgs = {}) {
    checkArgKeys("Adam", args, ADAM_KEYS);
    super("Adam", args, checkWeightDecay("Adam", args.weightDecay, null));
  }
}
