/** Keras's `RMSprop` (not centered). */
import { rmspropUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { BaseOptimizer, checkArgKeys, checkPositive, checkUnit, checkWeightDecay, type OptimizerConfig } from "./optimizer.js";
import type { LearningRateSchedule } from "./schedules.js";

/** Arguments of {@link RMSprop}, with Keras's defaults. */
export interface RMSpropArgs {
  /** A number > 0 or a schedule (optimizers.schedules); default 0.001. */
  learningRate?: number | LearningRateSchedule;
  /** Keras\'s decoupled weight decay (`p -= p * weightDecay * lr` before each update), >= 0; default none. */
  weightDecay?: number | null;
  /** Decay of the mean square, in [0, 1); default 0.9. */
  rho?: number;
  /** In [0, 1]; default 0 (no velocity kept). */
  momentum?: number;
  /** Added to the mean square under the root; > 0; default 1e-7. */
  epsilon?: number;
}

/**
 * RMSprop: `ms = rho ms + (1 - rho) g^2`, `inc = lr g / sqrt(ms + epsilon)`, `p -= inc`;
 * with momentum `vel = momentum vel + inc`, `p -= vel`. State slots: the mean square,
 * then the velocity when momentum > 0.
 */
export class RMSprop extends BaseOptimizer {
  readonly className = "RMSprop";
  /** Decay of the mean square, in [0, 1). */
  readonly rho: number;
  /** Velocity decay, in [0, 1]; 0 keeps no velocity. */
  readonly momentum: number;
  /** Added to the mean square under the root; > 0. */
  readonly epsilon: number;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: RMSpropArgs = {}) {
    checkArgKeys("RMSprop", args, ["learningRate", "weightDecay", "rho", "momentum", "epsilon"]);
    super("RMSprop", args.learningRate ?? 0.001, checkWeightDecay("RMSprop", args.weightDecay, null));
    this.rho = checkUnit("RMSprop", "rho", args.rho ?? 0.9, true);
    this.momentum = checkUnit("RMSprop", "momentum", args.momentum ?? 0, false);
    this.epsilon = checkPositive("RMSprop", "epsilon", args.epsilon ?? 1e-7);
  }

  getConfig(): OptimizerConfig {
    return { ...this.baseConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: false };
  }

  stateSlots(): number {
    return this.momentum > 0 ? 2 : 1;
  }

  protected update(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, [meanSquare, velocity]: WasmBuffer[], lr: number): boolean {
    return rmspropUpdate(core, n, params, grads, meanSquare!, velocity ?? null, lr, this.rho, this.momentum, this.epsilon);
  }
}
