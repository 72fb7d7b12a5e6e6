/** Keras's `AdamW`: Adam with decoupled weight decay (without amsgrad). */
import { adamUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkPositive, checkUnit, checkWeightDecay, decayBeforeUpdate, LearningRate, stateWindows, type Optimizer, type OptimizerConfig } from "./optimizer.js";
import type { LearningRateSchedule } from "./schedules.js";

/** Arguments of {@link AdamW}, with Keras's defaults. */
export interface AdamWArgs {
  /** A number > 0 or a schedule (optimizers.schedules); default 0.001. */
  learningRate?: number | LearningRateSchedule;
  /** Decay per step, multiplied by the learning rate: finite, >= 0; default 0.004. */
  weightDecay?: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to sqrt(v); > 0; default 1e-7. */
  epsilon?: number;
}

/**
 * AdamW (Loshchilov and Hutter's decoupled weight decay), as Keras 3 applies it: at each
 * step every trainable weight first decays, `p -= p * weightDecay * lr` (Keras's
 * `_apply_weight_decay`, which runs before the update and uses the same learning rate,
 * scheduled or not), then takes Adam's step on the unmodified gradient. As in Keras, no
 * weight is excluded by default: biases decay too. Two state slots: m, then v.
 */
export class AdamW implements Optimizer {
  readonly className = "AdamW";
  /** Weight decay per unit of learning rate (>= 0). */
  readonly weightDecay: number;
  /** Decay of the first moment (m), in [0, 1). */
  readonly beta1: number;
  /** Decay of the second moment (v), in [0, 1). */
  readonly beta2: number;
  /** Added to sqrt(v) in the denominator; > 0. */
  readonly epsilon: number;
  private readonly lr: LearningRate;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: AdamWArgs = {}) {
    checkArgKeys("AdamW", args, ["learningRate", "weightDecay", "beta1", "beta2", "epsilon"]);
    this.lr = new LearningRate("AdamW", args.learningRate ?? 0.001);
    // Keras refuses weight_decay=None for AdamW (it would be plain Adam).
    const wd = checkWeightDecay("AdamW", args.weightDecay, 0.004);
    if (wd === null) throw new Error("AdamW: weightDecay must be a finite number >= 0, received null");
    this.weightDecay = wd;
    this.beta1 = checkUnit("AdamW", "beta1", args.beta1 ?? 0.9, true);
    this.beta2 = checkUnit("AdamW", "beta2", args.beta2 ?? 0.999, true);
    this.epsilon = checkPositive("AdamW", "epsilon", args.epsilon ?? 1e-7);
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
    return {
      learning_rate: this.lr.config(), weight_decay: this.weightDecay,
      beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false,
    };
  }

  stateSlots(): number {
    return 2;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): void {
    const [m, v] = stateWindows("AdamW", state, 2, n);
    const lr = this.lr.forStep(step);
    decayBeforeUpdate(core, "AdamW", n, params, grads, this.weightDecay, lr);
    adamUpdate(core, n, params, grads, m!, v!, lr, this.beta1, this.beta2, this.epsilon, step);
  }
}
