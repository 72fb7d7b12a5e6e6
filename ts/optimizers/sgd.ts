/** Keras's `SGD`: plain, with momentum, or with Nesterov momentum. */
import { sgdUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { BaseOptimizer, checkArgKeys, checkUnit, checkWeightDecay, type OptimizerConfig } from "./optimizer.js";
import type { LearningRateSchedule } from "./schedules.js";

/** Arguments of {@link SGD}, with Keras's defaults. */
export interface SGDArgs {
  /** A number > 0 or a schedule (optimizers.schedules); default 0.01. */
  learningRate?: number | LearningRateSchedule;
  /** Keras\'s decoupled weight decay (`p -= p * weightDecay * lr` before each update), >= 0; default none. */
  weightDecay?: number | null;
  /** In [0, 1]; default 0 (no velocity kept). */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent: `p -= lr g`, or with momentum `vel = momentum vel - lr g`,
 * `p += vel` (Nesterov: `p += momentum vel - lr g`). One state slot (the velocity) when
 * momentum > 0.
 */
export class SGD extends BaseOptimizer {
  readonly className = "SGD";
  /** Velocity decay, in [0, 1]; 0 keeps no velocity. */
  readonly momentum: number;
  /** True for Nesterov momentum. */
  readonly nesterov: boolean;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: SGDArgs = {}) {
    checkArgKeys("SGD", args, ["learningRate", "weightDecay", "momentum", "nesterov"]);
    super("SGD", args.learningRate ?? 0.01, checkWeightDecay("SGD", args.weightDecay, null));
    this.momentum = checkUnit("SGD", "momentum", args.momentum ?? 0, false);
    const nesterov = args.nesterov ?? false;
    if (typeof nesterov !== "boolean") throw new Error(`SGD: nesterov must be true or false, received ${String(nesterov)}`);
    this.nesterov = nesterov;
  }

  getConfig(): OptimizerConfig {
    return { ...this.baseConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }

  stateSlots(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  protected update(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, [velocity]: WasmBuffer[], lr: number): boolean {
    return sgdUpdate(core, n, params, grads, velocity ?? null, lr, this.momentum, this.nesterov);
  }
}
