/**
 * Weight initializers with Keras's names, formulas and configs.
 *
 * The variance-scaling family (Glorot, He, LeCun) follows Keras 3's `VarianceScaling`:
 * n = fanIn, fanOut or their mean; normal variants draw from a normal truncated at two
 * standard deviations whose stddev is sqrt(scale / n) / 0.87962566103423978, the
 * correction that makes the *truncated* distribution's stddev sqrt(scale / n); uniform
 * variants draw from [-limit, limit] with limit = sqrt(3 * scale / n).
 */
import { Random } from "./random.js";
import { sizeOf } from "./shapes.js";
import { formatShape } from "./tensor.js";

/** Fills a weight tensor with initial values. */
export interface Initializer {
  /** Keras class name, e.g. "GlorotUniform". */
  readonly className: string;
  /** Keras config, e.g. `{ seed: null }` or `{ mean: 0, stddev: 0.05, seed: 7 }`. */
  getConfig(): Record<string, unknown>;
  /**
   * Writes `sizeOf(shape)` values into `out` (whose length must match). Draws from
   * `new Random(seed)` when the initializer has a seed of its own, else from `random`.
   */
  fill(out: Float32Array, shape: readonly number[], random: Random): void;
}

/** Stddev of a standard normal truncated to [-2, 2]: dividing by it restores unit variance. */
const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

/**
 * Keras's fans of a weight shape: [in, out] gives (in, out); a conv kernel
 * [kh, kw, cin, cout] gives (kh*kw*cin, kh*kw*cout); [n] gives (n, n); [] gives (1, 1).
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptiveField = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptiveField, fanOut: shape[shape.length - 1]! * receptiveField };
}

function checkFillTarget(className: string, out: Float32Array, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`${className}.fill: shape ${formatShape(shape)} has dimension ${d}; expected whole numbers >= 0`);
    }
  }
  if (out.length !== sizeOf(shape)) {
    throw new Error(`${className}.fill: out has ${out.length} elements, expected ${sizeOf(shape)} for shape ${formatShape(shape)}`);
  }
}

function checkFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`initializers.${fn}: ${name} must be a finite number, received ${String(value)}`);
  }
  return value;
}

function checkSeed(fn: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new Error(`initializers.${fn}: seed must be a safe integer, received ${String(seed)}`);
  }
  return seed;
}

/** An initializer drawing one value at a time from a generator. */
class SampledInitializer implements Initializer {
  constructor(
    readonly className: string,
    private readonly config: Record<string, unknown>,
    private readonly seed: number | null,
    /** Returns a sampler for a given shape (variance scaling needs the fans). */
    private readonly sampler: (shape: readonly number[]) => (random: Random) => number,
  ) {}

  getConfig(): Record<string, unknown> {
    return { ...this.config, seed: this.seed };
  }

  fill(out: Float32Array, shape: readonly number[], random: Random): void {
    checkFillTarget(this.className, out, shape);
    const source = this.seed === null ? random : new Random(this.seed);
    const draw = this.sampler(shape);
    for (let i = 0; i < out.length; i++) out[i] = draw(source);
  }
}

/** A constant fill (Zeros, Ones, Constant): no randomness, so no seed in the config. */
class ConstantInitializer implements Initializer {
  constructor(
    readonly className: string,
    private readonly value: number,
    private readonly config: Record<string, unknown>,
  ) {}

  getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  fill(out: Float32Array, shape: readonly number[]): void {
    checkFillTarget(this.className, out, shape);
    out.fill(this.value);
  }
}

type FanMode = "fan_in" | "fan_out" | "fan_avg";
type Distribution = "truncated_normal" | "uniform";

function varianceScaling(
  fn: string, className: string, scale: number, mode: FanMode, distribution: Distribution, args: { seed?: number } | undefined,
): Initializer {
  const seed = checkSeed(fn, args?.seed);
  return new SampledInitializer(className, {}, seed, (shape) => {
    const { fanIn, fanOut } = computeFans(shape);
    const n = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, n);
    if (distribution === "uniform") {
      const limit = Math.sqrt(3 * variance);
      return (r) => r.uniform(-limit, limit);
    }
    const stddev = Math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV;
    return (r) => r.truncatedNormal(0, stddev);
  });
}

/** Arguments of the seeded variance-scaling initializers. */
export interface SeedArgs {
  /** Same seed, same values on every call; without one, values come from the model's generator. */
  seed?: number;
}

/** Arguments of {@link initializers.randomNormal} and {@link initializers.truncatedNormal}. */
export interface NormalArgs extends SeedArgs {
  /** Default 0. */
  mean?: number;
  /** Default 0.05; must be >= 0. */
  stddev?: number;
}

/** Arguments of {@link initializers.randomUniform}. */
export interface UniformArgs extends SeedArgs {
  /** Default -0.05. */
  minval?: number;
  /** Default 0.05; must be >= minval. */
  maxval?: number;
}

function normalArgs(fn: string, args: NormalArgs | undefined): { mean: number; stddev: number; seed: number | null } {
  const mean = checkFinite(fn, "mean", args?.mean ?? 0);
  const stddev = checkFinite(fn, "stddev", args?.stddev ?? 0.05);
  if (stddev < 0) throw new Error(`initializers.${fn}: stddev must be >= 0, received ${stddev}`);
  return { mean, stddev, seed: checkSeed(fn, args?.seed) };
}

/** Factories for every initializer, named as in TensorFlow.js. */
export const initializers = {
  /** Keras GlorotUniform: uniform in ±sqrt(6 / (fanIn + fanOut)). The default for kernels. */
  glorotUniform: (args?: SeedArgs): Initializer => varianceScaling("glorotUniform", "GlorotUniform", 1, "fan_avg", "uniform", args),
  /** Keras GlorotNormal: truncated normal, stddev sqrt(2 / (fanIn + fanOut)). */
  glorotNormal: (args?: SeedArgs): Initializer => varianceScaling("glorotNormal", "GlorotNormal", 1, "fan_avg", "truncated_normal", args),
  /** Keras HeNormal: truncated normal, stddev sqrt(2 / fanIn). */
  heNormal: (args?: SeedArgs): Initializer => varianceScaling("heNormal", "HeNormal", 2, "fan_in", "truncated_normal", args),
  /** Keras HeUniform: uniform in ±sqrt(6 / fanIn). */
  heUniform: (args?: SeedArgs): Initializer => varianceScaling("heUniform", "HeUniform", 2, "fan_in", "uniform", args),
  /** Keras LecunNormal: truncated normal, stddev sqrt(1 / fanIn). */
  lecunNormal: (args?: SeedArgs): Initializer => varianceScaling("lecunNormal", "LecunNormal", 1, "fan_in", "truncated_normal", args),
  /** Keras LecunUniform: uniform in ±sqrt(3 / fanIn). */
  lecunUniform: (args?: SeedArgs): Initializer => varianceScaling("lecunUniform", "LecunUniform", 1, "fan_in", "uniform", args),
  /** All zeros. The default for biases. */
  zeros: (): Initializer => new ConstantInitializer("Zeros", 0, {}),
  /** All ones. */
  ones: (): Initializer => new ConstantInitializer("Ones", 1, {}),
  /** Every value `value` (default 0). */
  constant: (args?: {
    /** The fill value, finite (default 0). */
    value?: number;
  }): Initializer => {
    const value = checkFinite("constant", "value", args?.value ?? 0);
    return new ConstantInitializer("Constant", value, { value });
  },
  /** Normal with the given mean and stddev (defaults 0 and 0.05). */
  randomNormal: (args?: NormalArgs): Initializer => {
    const { mean, stddev, seed } = normalArgs("randomNormal", args);
    return new SampledInitializer("RandomNormal", { mean, stddev }, seed, () => (r) => mean + stddev * r.normal());
  },
  /** Normal with the given mean and stddev, values beyond two stddevs redrawn (Keras TruncatedNormal). */
  truncatedNormal: (args?: NormalArgs): Initializer => {
    const { mean, stddev, seed } = normalArgs("truncatedNormal", args);
    return new SampledInitializer("TruncatedNormal", { mean, stddev }, seed, () => (r) => r.truncatedNormal(mean, stddev));
  },
  /** Uniform in [minval, maxval] (defaults -0.05 and 0.05; float32 rounding can reach maxval). */
  randomUniform: (args?: UniformArgs): Initializer => {
    const minval = checkFinite("randomUniform", "minval", args?.minval ?? -0.05);
    const maxval = checkFinite("randomUniform", "maxval", args?.maxval ?? 0.05);
    if (maxval < minval) {
      throw new Error(`initializers.randomUniform: maxval (${maxval}) must be >= minval (${minval})`);
    }
    const seed = checkSeed("randomUniform", args?.seed);
    return new SampledInitializer("RandomUniform", { minval, maxval }, seed, () => (r) => r.uniform(minval, maxval));
  },
};

/** Name of an initializer factory. */
export type InitializerName = keyof typeof initializers;

/** The factory names (a function, not a top-level table, so that bundlers can drop it). */
function factoryNames(): InitializerName[] {
  return Object.keys(initializers) as InitializerName[];
}

/** "glorot_uniform", "GlorotUniform", "glorotUniform" -> "glorotuniform". */
function normalizeName(name: string): string {
  return name.replace(/_/g, "").toLowerCase();
}

function factoryFor(id: string): InitializerName | undefined {
  const key = normalizeName(id);
  return factoryNames().find((name) => normalizeName(name) === key);
}

function unknownName(fn: string, id: string): Error {
  return new Error(`${fn}: unknown initializer ${JSON.stringify(id)}; expected one of ${factoryNames().join(", ")} (also snake_case or Keras class names)`);
}

/**
 * An initializer from its name in any of Keras's spellings ("glorotUniform",
 * "glorot_uniform", "GlorotUniform"), with default arguments; an Initializer passes through.
 */
export function getInitializer(id: string | Initializer): Initializer {
  if (typeof id !== "string") {
    if (id && typeof id === "object" && typeof id.fill === "function") return id;
    throw new Error(`getInitializer: expected a name or an Initializer, received ${String(id)}`);
  }
  const name = factoryFor(id);
  if (!name) throw unknownName("getInitializer", id);
  return initializers[name]();
}

/**
 * Rebuilds an initializer from a Keras class name and config, as found in a saved
 * model's `kernel_initializer: { class_name, config }` (snake_case keys, seed null or a number).
 */
export function initializerFromConfig(className: string, config: Record<string, unknown> = {}): Initializer {
  const name = factoryFor(className);
  if (!name) throw unknownName("initializerFromConfig", className);
  const { seed, ...rest } = config;
  const args: Record<string, unknown> = { ...rest };
  if (seed !== null && seed !== undefined) args.seed = seed;
  return (initializers[name] as (a: Record<string, unknown>) => Initializer)(args);
}
