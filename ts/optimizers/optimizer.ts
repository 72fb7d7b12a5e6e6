/**
 * The optimizer protocol the model's training step calls, and the argument checks the
 * three optimizers share.
 */
import { checkKnownKeys } from "../options.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/**
 * Updates parameters from gradients, one weight tensor at a time. The model keeps, per
 * tensor of `n` parameters, a zeroed state buffer of `stateSlots() * n` floats whose
 * slot `s` is `state.subarray(s * n, n)`.
 */
export interface Optimizer {
  /** Keras class name: "SGD", "Adam" or "RMSprop". */
  readonly className: string;
  /** Step size; callbacks may change it between steps (must stay finite and > 0). */
  learningRate: number;
  /** Keras-style config (snake_case keys: learning_rate, beta_1, ...). */
  getConfig(): Record<string, number | boolean>;
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
