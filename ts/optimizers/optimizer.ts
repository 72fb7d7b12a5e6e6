/**
 * The optimizer protocol the model's training step calls, and what the built-in
 * optimizers share: their base class and argument checks.
 */
import { decayWeights } from "../kernels/adamw.js";
import { checkKnownKeys } from "../options.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { isSchedule, serializeSchedule, type LearningRateSchedule, type SerializedSchedule } from "./schedules.js";

/** An optimizer's Keras config: numbers and flags, and a learning rate that may be a schedule. */
export type OptimizerConfig = Record<string, number | boolean | SerializedSchedule>;

/**
 * Updates parameters from gradients, one weight tensor at a time. The model keeps, per
 * tensor of `n` parameters, a zeroed state buffer of `stateSlots() * n` floats whose
 * slot `s` is `state.subarray(s * n, n)`.
 */
export interface Optimizer {
  /** Keras class name: "SGD", "Adam", "AdamW" or "RMSprop". */
  readonly className: string;
  /**
   * Step size; callbacks may change it between steps (must stay finite and > 0). With a
   * schedule it reads the schedule's rate at the steps taken so far, as Keras's
   * `optimizer.learning_rate` does, and setting it throws, as in Keras.
   */
  learningRate: number;
  /** The learning-rate schedule the optimizer was made with, or null for a fixed rate. */
  readonly schedule?: LearningRateSchedule | null;
  /** Keras-style config (snake_case keys: learning_rate, beta_1, ...). */
  getConfig(): OptimizerConfig;
  /** Floats of state per parameter. */
  stateSlots(): number;
  /**
   * Updates `n` parameters in place. `state` holds `stateSlots() * n` floats (null when
   * there are no slots); `step` counts updates from 1. Returns false when it refused the
   * step, writing nothing, because a parameter or state value would not be finite (the
   * built-in optimizers' kernels check; `fit` then stops). An optimizer that returns
   * nothing is taken to have applied the step.
   */
  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): boolean | void;
}

// Keras's (Python) spellings of the options, which students bring from the course.
const KERAS_SPELLINGS: Record<string, string> = {
  lr: "learningRate", learning_rate: "learningRate", beta_1: "beta1", beta_2: "beta2",
};

/**
 * Throws on an option `owner` does not know, so that e.g. Keras's `lr` is not silently
 * ignored (leaving the default learning rate); `known` lists the accepted names.
 */
export function checkArgKeys(owner: string, args: unknown, known: readonly string[]): void {
  if (args === undefined) return;
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new Error(`${owner}: options must be an object like { ${known[0]}: ... }, received ${Array.isArray(args) ? "an Array" : String(args)}`);
  }
  checkKnownKeys(owner, args, known, (key) => {
    const ours = KERAS_SPELLINGS[key];
    return ours && known.includes(ours) ? `; did you mean ${ours}?` : "";
  });
}

/**
 * An optimizer's learning rate: a fixed number callbacks may change, or a schedule
 * evaluated at each update (at Keras's `iterations`, the updates already applied).
 */
export class LearningRate {
  /** The schedule, or null for a fixed rate. */
  readonly schedule: LearningRateSchedule | null;
  private value: number;
  /** Updates seen (the last `step` given to {@link forStep}); what the getter evaluates at. */
  private iterations = 0;

  /** `arg` is a number (checked as {@link checkLearningRate}) or a schedule. */
  constructor(private readonly owner: string, arg: unknown) {
    this.schedule = isSchedule(arg) ? arg : null;
    if (!this.schedule && (typeof arg !== "number" || !Number.isFinite(arg) || arg <= 0)) {
      throw new Error(`${owner}: learningRate must be a finite number > 0 or a schedule (optimizers.schedules.cosineDecay(...), ...), received ${String(arg)}`);
    }
    this.value = this.schedule ? NaN : (arg as number);
  }

  /** The fixed rate, or the schedule's rate after the updates seen so far. */
  get current(): number {
    return this.schedule ? this.schedule.at(this.iterations) : this.value;
  }

  /** Sets a fixed rate; with a schedule this throws, as Keras's setter does. */
  set(value: number): void {
    if (this.schedule) {
      throw new Error(`${this.owner}: the learning rate is a ${this.schedule.className} schedule, so it cannot be set (received ${String(value)}); `
        + "as in Keras, callbacks that change it (ReduceLROnPlateau) need an optimizer made with a number learningRate");
    }
    this.value = checkLearningRate(this.owner, value);
  }

  /** The rate of update `step` (counting from 1): the schedule at `step - 1`. */
  forStep(step: number): number {
    this.iterations = step;
    return this.schedule ? this.schedule.at(step - 1) : this.value;
  }

  /** The number, or the schedule serialized as Keras does. */
  config(): number | SerializedSchedule {
    return this.schedule ? serializeSchedule(this.schedule) : this.value;
  }
}

/**
 * What the built-in optimizers share: a {@link LearningRate} and Keras's decoupled weight
 * decay, which `apply` runs before the optimizer's own `update` on its state windows.
 */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly className: string;
  /** Decoupled weight decay per unit of learning rate, or null for none. */
  readonly weightDecay: number | null;
  /** The rate, fixed or scheduled. */
  protected readonly lr: LearningRate;

  /** `owner` names the optimizer in errors; `learningRate` is checked by {@link LearningRate}. */
  protected constructor(private readonly owner: string, learningRate: unknown, weightDecay: number | null) {
    this.lr = new LearningRate(owner, learningRate);
    this.weightDecay = weightDecay;
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

  abstract getConfig(): OptimizerConfig;
  abstract stateSlots(): number;

  apply(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, state: WasmBuffer | null, step: number): boolean {
    const slots = stateWindows(this.owner, state, this.stateSlots(), n);
    const lr = this.lr.forStep(step);
    decayBeforeUpdate(core, this.owner, n, params, grads, this.weightDecay, lr);
    return this.update(core, n, params, grads, slots, lr, step);
  }

  /** The optimizer's own update with the step's rate `lr` (`slots`: its state windows, in order). */
  protected abstract update(core: WasmCore, n: number, params: WasmBuffer, grads: WasmBuffer, slots: WasmBuffer[], lr: number, step: number): boolean;

  /** The config keys every optimizer starts with: learning_rate, then weight_decay when set. */
  protected baseConfig(): OptimizerConfig {
    return { learning_rate: this.lr.config(), ...(this.weightDecay === null ? {} : { weight_decay: this.weightDecay }) };
  }
}

/**
 * Keras's `weight_decay` of every optimizer: null (none) or a finite number >= 0.
 * `undefined` gives `fallback`.
 */
export function checkWeightDecay(owner: string, value: unknown, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${owner}: weightDecay must be a finite number >= 0, received ${String(value)}`);
  }
  return value;
}

/**
 * Keras's decoupled weight decay (`BaseOptimizer._apply_weight_decay`), which runs before
 * every optimizer's own update with the step's learning rate: `p -= p * wd * lr`. Nothing
 * when `weightDecay` is null or 0. It writes the weights before the update's own checks
 * run, so it checks `grads` first: a bad call still changes nothing.
 */
export function decayBeforeUpdate(core: WasmCore, owner: string, n: number, params: WasmBuffer, grads: WasmBuffer, weightDecay: number | null, lr: number): void {
  if (!weightDecay) return;
  core.check(`${owner}.apply`, "grads", grads, n, "f32");
  decayWeights(core, n, params, weightDecay, lr);
}

/** A learning rate: finite and > 0. */
export function checkLearningRate(owner: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${owner}: learningRate must be a finite number > 0, received ${String(value)}`);
  }
  return value;
}

/** A number in [0, 1] (`upperOpen` makes it [0, 1)). */
export function checkUnit(owner: string, name: string, value: unknown, upperOpen: boolean): number {
  const ok = typeof value === "number" && value >= 0 && (upperOpen ? value < 1 : value <= 1);
  if (!ok) throw new Error(`${owner}: ${name} must be a number in [0, 1${upperOpen ? ")" : "]"}, received ${String(value)}`);
  return value as number;
}

/** A finite number > 0 (epsilon: at 0 a zero gradient would give 0/0). */
export function checkPositive(owner: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${owner}: ${name} must be a finite number > 0, received ${String(value)}`);
  }
  return value;
}

/**
 * The `slots` windows of `n` floats in `state`, checked first so that a missing or
 * short state buffer is reported in the optimizer's terms.
 */
export function stateWindows(owner: string, state: WasmBuffer | null, slots: number, n: number): WasmBuffer[] {
  if (slots === 0) return [];
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${owner}.apply: n must be a whole number >= 1, received ${n}`);
  if (state === null) throw new Error(`${owner}.apply: state must hold ${slots} * ${n} = ${slots * n} floats, received null`);
  if (state.length < slots * n) {
    throw new Error(`${owner}.apply: state must hold ${slots} * ${n} = ${slots * n} floats, received ${state.length}`);
  }
  // Reused across steps: a training step should leave no garbage behind.
  const cached = windowCache.get(state);
  if (cached && cached.n === n && cached.windows.length === slots) return cached.windows;
  const windows: WasmBuffer[] = [];
  for (let s = 0; s < slots; s++) windows.push(state.subarray(s * n, n));
  windowCache.set(state, { n, windows });
  return windows;
}

/** Per state buffer, the windows {@link stateWindows} last cut from it. */
const windowCache = new WeakMap<WasmBuffer, { n: number; windows: WasmBuffer[] }>();

// Keys Keras writes into every optimizer config that do not change the update when they
// hold these values (names, switched-off regularisation, clipping and EMA, compile flags).
const NEUTRAL_KEYS: Record<string, (v: unknown) => boolean> = {
  name: () => true,
  jit_compile: () => true,
  is_legacy_optimizer: () => true,
  decay: (v) => v === 0 || v === null,
  weight_decay: (v) => v === 0 || v === null,
  clipnorm: (v) => v === null,
  clipvalue: (v) => v === null,
  global_clipnorm: (v) => v === null,
  use_ema: (v) => v === false,
  ema_momentum: () => true,
  ema_overwrite_frequency: () => true,
  loss_scale_factor: (v) => v === null,
  gradient_accumulation_steps: (v) => v === null,
};

/**
 * Checks that a Keras config holds only `known` keys and neutral ones (e.g. `name`,
 * `clipnorm: null`), so that a setting this library cannot honour (e.g. `clipnorm: 1`)
 * is an error instead of being silently dropped.
 */
export function checkConfigKeys(owner: string, config: Record<string, unknown>, known: readonly string[]): void {
  for (const [key, value] of Object.entries(config)) {
    if (known.includes(key)) continue;
    const neutral = NEUTRAL_KEYS[key];
    if (neutral === undefined) throw new Error(`${owner}: unsupported config key "${key}"; expected ${known.join(", ")}`);
    if (!neutral(value)) throw new Error(`${owner}: ${key} ${JSON.stringify(value)} is not supported`);
  }
}
