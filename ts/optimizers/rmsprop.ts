/** Keras's `RMSprop` (not centered). */
import { rmspropUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkWeightDecay, decayBeforeUpdate, LearningRate, checkPositive, checkUnit, stateWindows, type Optimizer, type OptimizerConfig } from "./optimizer.js";
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
export class RMSprop implements Optimizer {
  readonly className = "RMSprop";
  /** Decay of the mean square, in [0, 1). */
  readonly rho: number;
  /** Velocity decay, in [0, 1]; 0 keeps no velocity. */
  readonly momentum: number;
  /** Added to the mean square under the root; > 0. */
  readonly epsilon: number;
  /** Decoupled weight decay per unit of learning rate, or null for none. */
  readonly weightDecay: number | null;
  private readonly lr: LearningRate;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: RMSpropArgs = {}) {
    checkArgKeys("RMSprop", args, ["learningRate", "weightDecay", "rho", "momentum", "epsilon"]);
    this.weightDecay = checkWeightDecay("RMSprop", args.weightDecay, null);
    this.lr = new LearningRate("RMSprop", args.learningRate ?? 0.001);
    this.rho = checkUnit("RMSprop", "rho", args.rho ?? 0.9, true);
    this.momentum = checkUnit("RMSprop", "momentum", args.momentum ?? 0, false);
    this.epsilon = checkPositive("RMSprop", "epsilon", args.epsilon ?? 1e-7);
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
    return { learning_rate: this.lr.config(), ...decay, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: false };
  }

  stateSlots(): number {
    return this.momentum > 0 ? 2 : 1;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): void {
    const [meanSquare, velocity] = stateWindows("RMSprop", state, this.stateSlots(), n);
    const lr = this.lr.forStep(step);
    decayBeforeUpdate(core, "RMSprop", n, params, grads, this.weightDecay, lr);
    rmspropUpdate(core, n, params, grads, meanSquare!, velocity ?? null, lr, this.rho, this.momentum, this.epsilon);
  }
}
