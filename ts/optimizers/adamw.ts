/** Keras's `AdamW`: Adam with decoupled weight decay (without amsgrad). */
import { ADAM_KEYS, AdamBase } from "./adam.js";
import { checkArgKeys, checkWeightDecay } from "./optimizer.js";
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
 * weight is excluded by default: biases decay too. The update is Adam's ({@link AdamBase}).
 */
export class AdamW extends AdamBase {
  readonly className = "AdamW";
  /** Weight decay per unit of learning rate (>= 0). */
  declare readonly weightDecay: number;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: AdamWArgs = {}) {
    checkArgKeys("AdamW", args, ADAM_KEYS);
    // Keras refuses weight_decay=None for AdamW (it would be plain Adam).
    const wd = checkWeightDecay("AdamW", args.weightDecay, 0.004);
    if (wd === null) throw new Error("AdamW: weightDecay must be a finite number >= 0, received null");
    super("AdamW", args, wd);
  }
}
