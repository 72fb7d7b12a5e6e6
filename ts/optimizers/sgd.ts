/** Keras's `SGD`: plain, with momentum, or with Nesterov momentum. */
import { sgdUpdate } from "../kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { checkArgKeys, checkLearningRate, checkUnit, stateWindows, type Optimizer } from "./optimizer.js";

/** Arguments of {@link SGD}, with Keras's defaults. */
export interface SGDArgs {
  /** Default 0.01. */
  learningRate?: number;
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
export class SGD implements Optimizer {
  readonly className = "SGD";
  /** Velocity decay, in [0, 1]; 0 keeps no velocity. */
  readonly momentum: number;
  /** True for Nesterov momentum. */
  readonly nesterov: boolean;
  private lr: number;

  /** Checks `args` (unknown keys, ranges) and fills in Keras's defaults. */
  constructor(args: SGDArgs = {}) {
    checkArgKeys("SGD", args, ["learningRate", "momentum", "nesterov"]);
    this.lr = checkLearningRate("SGD", args.learningRate ?? 0.01);
    this.momentum = checkUnit("SGD", "momentum", args.momentum ?? 0, false);
    const nesterov = args.nesterov ?? false;
    if (typeof nesterov !== "boolean") throw new Error(`SGD: nesterov must be true or false, received ${String(nesterov)}`);
    this.nesterov = nesterov;
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkLearningRate("SGD", value);
  }

  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.lr, momentum: this.momentum, nesterov: this.nesterov };
  }

  stateSlots(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null): boolean {
    const [velocity] = stateWindows("SGD", state, this.stateSlots(), n);
    return sgdUpdate(core, n, params, grads, velocity ?? null, this.lr, this.momentum, this.nesterov);
  }
}
