/**
 * Learning-rate schedules with Keras 3's formulas
 * (keras/src/optimizers/schedules/learning_rate_schedule.py). An optimizer given one
 * evaluates it once per update at Keras's `iterations`: the number of updates already
 * applied (0 for the first). Keras computes schedules in float32; each step below is
 * rounded to float32 as Keras rounds it, so the rates match Keras's to the last bit or
 * one (cosine and power come from the platform's libm on both sides).
 */
import { checkKnownKeys } from "../options.js";

/** A schedule as Keras serializes it inside an optimizer config. */
export interface SerializedSchedule {
  /** Always "keras.optimizers.schedules". */
  module: "keras.optimizers.schedules";
  /** "CosineDecay", "ExponentialDecay" or "PiecewiseConstantDecay". */
  class_name: string;
  /** The schedule's `getConfig()`. */
  config: Record<string, unknown>;
  /** Always null (a built-in class). */
  registered_name: null;
}

/** A learning rate that depends on the optimizer's step count. */
export interface LearningRateSchedule {
  /** Keras class name: "CosineDecay", "ExponentialDecay" or "PiecewiseConstantDecay". */
  readonly className: string;
  /** The rate for an update taken after `iterations` earlier updates (0 for the first). */
  at(iterations: number): number;
  /** Keras's config (snake_case keys), as `get_config` returns it. */
  getConfig(): Record<string, unknown>;
}

/** Arguments of {@link CosineDecay}, as Keras's `CosineDecay`. */
export interface CosineDecayArgs {
  /** Rate at step 0 (>= 0: a warmup may start from 0); with warmup, where it starts. */
  initialLearningRate: number;
  /** Steps of the cosine decay (> 0), after any warmup. */
  decaySteps: number;
  /** Floor as a fraction of the decayed-from rate, in [0, 1]; default 0. */
  alpha?: number;
  /** Rate reached at the end of a linear warmup (> 0); default none (no warmup). */
  warmupTarget?: number | null;
  /** Steps of linear warmup (whole, >= 0); default 0. */
  warmupSteps?: number;
  /** Keras's name (kept in the config); default "CosineDecay". */
  name?: string;
}

/** Arguments of {@link ExponentialDecay}, as Keras's `ExponentialDecay`. */
export interface ExponentialDecayArgs {
  /** Rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by `decayRate` once (> 0). */
  decaySteps: number;
  /** Multiplier per `decaySteps` steps (> 0). */
  decayRate: number;
  /** Decay in whole periods (floor(step / decaySteps)); default false. */
  staircase?: boolean;
  /** Keras's name (kept in the config); default "ExponentialDecay". */
  name?: string;
}

/** Arguments of {@link PiecewiseConstantDecay}, as Keras's `PiecewiseConstantDecay`. */
export interface PiecewiseConstantDecayArgs {
  /** Increasing whole step counts (>= 0). */
  boundaries: number[];
  /** One more rate than boundaries (each finite, >= 0). */
  values: number[];
  /** Keras's name (kept in the config); default "PiecewiseConstant". */
  name?: string;
}

const f = Math.fround;

function fail(owner: string, name: string, value: unknown, expected: string): never {
  throw new Error(`${owner}: ${name} must be ${expected}, received ${Array.isArray(value) ? JSON.stringify(value) : String(value)}`);
}

function checkArgs(owner: string, args: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args)) fail(owner, "options", args, `an object like { ${known[0]}: ... }`);
  // Keras's snake_case spellings, which config files and the course use, are refused by name.
  checkKnownKeys(owner, args, known);
  return args as Record<string, unknown>;
}

function positive(owner: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail(owner, name, v, "a finite number > 0");
  return v;
}

function nameArg(owner: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string") fail(owner, "name", v, "a string");
  return v;
}

/** The step as Keras casts it (float32; exact below 2^24). */
function stepOf(owner: string, iterations: number): number {
  if (!Number.isSafeInteger(iterations) || iterations < 0) fail(`${owner}.at`, "iterations", iterations, "a whole number >= 0");
  return f(iterations);
}

/**
 * Cosine decay with optional linear warmup. Without warmup:
 * `lr = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decaySteps)) + alpha)` with
 * `s = min(step, decaySteps)`. With a `warmupTarget`: for `step < warmupSteps`,
 * `lr = initial + (target - initial) * step / warmupSteps`; then the cosine decay from
 * `target` over the next `decaySteps` steps.
 */
export class CosineDecay implements LearningRateSchedule {
  readonly className = "CosineDecay";
  /** Rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps of the cosine decay. */
  readonly decaySteps: number;
  /** Floor, as a fraction of the rate decayed from. */
  readonly alpha: number;
  /** End of the warmup, or null without one. */
  readonly warmupTarget: number | null;
  /** Steps of warmup. */
  readonly warmupSteps: number;
  /** Keras's name. */
  readonly name: string;

  /** Checks `args`: every number finite and in range, unknown keys refused. */
  constructor(args: CosineDecayArgs) {
    const o = "cosineDecay";
    const a = checkArgs(o, args, ["initialLearningRate", "decaySteps", "alpha", "warmupTarget", "warmupSteps", "name"]);
    const initial = a.initialLearningRate;
    if (typeof initial !== "number" || !Number.isFinite(initial) || initial < 0) fail(o, "initialLearningRate", initial, "a finite number >= 0");
    this.initialLearningRate = initial;
    this.decaySteps = positive(o, "decaySteps", a.decaySteps);
    const alpha = a.alpha ?? 0;
    if (typeof alpha !== "number" || !(alpha >= 0 && alpha <= 1)) fail(o, "alpha", alpha, "a number in [0, 1]");
    this.alpha = alpha;
    this.warmupTarget = a.warmupTarget === undefined || a.warmupTarget === null ? null : positive(o, "warmupTarget", a.warmupTarget);
    const ws = a.warmupSteps ?? 0;
    if (typeof ws !== "number" || !Number.isSafeInteger(ws) || ws < 0) fail(o, "warmupSteps", ws, "a whole number >= 0");
    this.warmupSteps = ws;
    this.name = nameArg(o, a.name, "CosineDecay");
  }

  at(iterations: number): number {
    const step = stepOf("CosineDecay", iterations);
    const initial = f(this.initialLearningRate);
    const decaySteps = f(this.decaySteps);
    if (this.warmupTarget === null) return this.decay(Math.min(step, decaySteps), decaySteps, initial);
    const target = f(this.warmupTarget);
    const warmupSteps = f(this.warmupSteps);
    const s = Math.min(step, f(decaySteps + warmupSteps));
    if (s < warmupSteps) return f(f(f(target - initial) * f(s / warmupSteps)) + initial);
    return this.decay(f(s - warmupSteps), decaySteps, target);
  }

  private decay(step: number, decaySteps: number, from: number): number {
    const fraction = f(step / decaySteps);
    const cosine = f(0.5 * f(1 + f(Math.cos(f(f(Math.PI) * fraction)))));
    // (1 - alpha) and alpha are Python floats, rounded to float32 where they meet tensors.
    const decayed = f(f(f(1 - this.alpha) * cosine) + f(this.alpha));
    return f(from * decayed);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, alpha: this.alpha,
      name: this.name, warmup_target: this.warmupTarget, warmup_steps: this.warmupSteps,
    };
  }
}

/**
 * Exponential decay: `lr = initial * decayRate ^ (step / decaySteps)`, the exponent
 * floored with `staircase`.
 */
export class ExponentialDecay implements LearningRateSchedule {
  readonly className = "ExponentialDecay";
  /** Rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps per multiplication by `decayRate`. */
  readonly decaySteps: number;
  /** Multiplier per `decaySteps` steps. */
  readonly decayRate: number;
  /** True: the exponent is floored (the rate changes every `decaySteps` steps). */
  readonly staircase: boolean;
  /** Keras's name. */
  readonly name: string;

  /** Checks `args`: every number finite and > 0, unknown keys refused. */
  constructor(args: ExponentialDecayArgs) {
    const o = "exponentialDecay";
    const a = checkArgs(o, args, ["initialLearningRate", "decaySteps", "decayRate", "staircase", "name"]);
    this.initialLearningRate = positive(o, "initialLearningRate", a.initialLearningRate);
    this.decaySteps = positive(o, "decaySteps", a.decaySteps);
    this.decayRate = positive(o, "decayRate", a.decayRate);
    const staircase = a.staircase ?? false;
    if (typeof staircase !== "boolean") fail(o, "staircase", staircase, "true or false");
    this.staircase = staircase;
    this.name = nameArg(o, a.name, "ExponentialDecay");
  }

  at(iterations: number): number {
    const step = stepOf("ExponentialDecay", iterations);
    let p = f(step / f(this.decaySteps));
    if (this.staircase) p = Math.floor(p);
    return f(f(this.initialLearningRate) * f(Math.pow(f(this.decayRate), p)));
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate,
      staircase: this.staircase, name: this.name,
    };
  }
}

/**
 * Piecewise constant: `values[0]` while `step <= boundaries[0]`, `values[i]` while
 * `boundaries[i - 1] < step <= boundaries[i]`, and the last value after the last boundary.
 */
export class PiecewiseConstantDecay implements LearningRateSchedule {
  readonly className = "PiecewiseConstantDecay";
  /** Increasing step counts where the rate changes. */
  readonly boundaries: readonly number[];
  /** The rates, one more than boundaries. */
  readonly values: readonly number[];
  /** Keras's name. */
  readonly name: string;

  /** Checks `args`: whole increasing boundaries, one value more, each finite and >= 0. */
  constructor(args: PiecewiseConstantDecayArgs) {
    const o = "piecewiseConstantDecay";
    const a = checkArgs(o, args, ["boundaries", "values", "name"]);
    const { boundaries, values } = a;
    // Keras casts boundaries to the integer step type; a fraction would be truncated there.
    const whole = Array.isArray(boundaries) && boundaries.length > 0 &&
      boundaries.every((b, i) => Number.isSafeInteger(b) && b >= 0 && (i === 0 || b > boundaries[i - 1]));
    if (!whole) fail(o, "boundaries", boundaries, "a non-empty array of increasing whole numbers >= 0");
    const ok = Array.isArray(values) && values.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0);
    if (!ok) fail(o, "values", values, "an array of finite numbers >= 0");
    if (values.length !== boundaries.length + 1) {
      throw new Error(`${o}: values must hold one more entry than boundaries (${boundaries.length + 1}), received ${values.length}`);
    }
    this.boundaries = Object.freeze([...(boundaries as number[])]);
    this.values = Object.freeze([...(values as number[])]);
    this.name = nameArg(o, a.name, "PiecewiseConstant");
  }

  at(iterations: number): number {
    stepOf("PiecewiseConstantDecay", iterations);
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && iterations > b[i]!) i++;
    return f(this.values[i]!);
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

/** The schedule factories of `optimizers.schedules`. */
export interface ScheduleFactories {
  /** Cosine decay (alpha 0), with optional linear warmup to `warmupTarget`. */
  cosineDecay(args: CosineDecayArgs): LearningRateSchedule;
  /** `initial * decayRate ^ (step / decaySteps)`; staircase false. */
  exponentialDecay(args: ExponentialDecayArgs): LearningRateSchedule;
  /** Constant rates between step boundaries. */
  piecewiseConstantDecay(args: PiecewiseConstantDecayArgs): LearningRateSchedule;
}

/** Factories for the schedules, with TensorFlow.js-style camelCase options. */
export const schedules: ScheduleFactories = {
  cosineDecay: (args) => new CosineDecay(args),
  exponentialDecay: (args) => new ExponentialDecay(args),
  piecewiseConstantDecay: (args) => new PiecewiseConstantDecay(args),
};

/** True for the schedules of this module (and anything shaped like one). */
export function isSchedule(v: unknown): v is LearningRateSchedule {
  return typeof v === "object" && v !== null && typeof (v as LearningRateSchedule).at === "function" &&
    typeof (v as LearningRateSchedule).getConfig === "function";
}

/** `schedule` as Keras serializes it in an optimizer config. */
export function serializeSchedule(schedule: LearningRateSchedule): SerializedSchedule {
  return { module: "keras.optimizers.schedules", class_name: schedule.className, config: schedule.getConfig(), registered_name: null };
}

// Keras config keys -> our argument names, per schedule.
const SCHEDULE_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CosineDecay: {
    initial_learning_rate: "initialLearningRate", decay_steps: "decaySteps", alpha: "alpha",
    warmup_target: "warmupTarget", warmup_steps: "warmupSteps", name: "name",
  },
  ExponentialDecay: {
    initial_learning_rate: "initialLearningRate", decay_steps: "decaySteps", decay_rate: "decayRate",
    staircase: "staircase", name: "name",
  },
  PiecewiseConstantDecay: { boundaries: "boundaries", values: "values", name: "name" },
};

/**
 * Rebuilds a schedule from Keras's serialized form
 * `{ module: "keras.optimizers.schedules", class_name, config }` (or the older
 * `{ class_name, config }`); anything else is an error naming `where`.
 */
export function scheduleFromConfig(where: string, value: unknown): LearningRateSchedule {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "learning_rate", value, "a number or a serialized schedule");
  const v = value as Record<string, unknown>;
  const className = v.class_name;
  if (typeof className !== "string" || !Object.hasOwn(SCHEDULE_KEYS, className)) {
    throw new Error(`${where}: unsupported learning rate schedule ${JSON.stringify(className)}; expected ${Object.keys(SCHEDULE_KEYS).join(", ")}`);
  }
  if (v.module !== undefined && v.module !== "keras.optimizers.schedules") fail(where, "learning_rate.module", JSON.stringify(v.module), '"keras.optimizers.schedules"');
  const config = v.config;
  if (typeof config !== "object" || config === null || Array.isArray(config)) fail(where, "learning_rate.config", config, "an object");
  const keys = SCHEDULE_KEYS[className]!;
  const args: Record<string, unknown> = {};
  for (const [key, arg] of Object.entries(config as Record<string, unknown>)) {
    if (!Object.hasOwn(keys, key)) throw new Error(`${where}: unsupported ${className} config key "${key}"; expected ${Object.keys(keys).join(", ")}`);
    args[keys[key]!] = arg;
  }
  const make = schedules[(className[0]!.toLowerCase() + className.slice(1)) as keyof typeof schedules] as (a: unknown) => LearningRateSchedule;
  try {
    return make(args);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
