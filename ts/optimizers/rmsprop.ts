/** Keras's `RMSprop` (not centered). */
import { rmspropUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkLearningRate, checkPositive, checkUnit, stateWindows, type Optimizer } from "./optimizer.js";

/** Arguments of {@link RMSprop}, with Keras's defaults. */
export interface RMSpropArgs {
  /** Default 0.001. */
  learningRate?: number;
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
  private lr: number;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: RMSpropArgs = {}) {
    checkArgKeys("RMSprop", args, ["learningRate", "rho", "momentum", "epsilon"]);
    this.lr = checkLearningRate("RMSprop", args.learningRate ?? 0.001);
    this.rho = checkUnit("RMSprop", "rho", args.rho ?? 0.9, true);
    this.momentum = checkUnit("RMSprop", "momentum", args.momentum ?? 0, false);
    this.epsilon = checkPositive("RMSprop", "epsilon", args.epsilon ?? 1e-7);
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkLearningRate("RMSprop", value);
  }

  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: false };
  }

  stateSlots(): number {
    return this.momentum > 0 ? 2 : 1;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null): boolean {
    const [meanSquare, velocity] = stateWindows("RMSprop", state, this.stateSlots(), n);
    return rmspropUpdate(core, n, params, grads, meanSquare!, velocity ?? null, this.lr, this.rho, this.momentum, this.epsilon);
  }
}
