import { describe, expect, it } from "vitest";
import { computeFans, getInitializer, initializerFromConfig, initializers, type Initializer } from "../ts/initializers.js";
import { Random } from "../ts/random.js";
import { sizeOf } from "../ts/shapes.js";

function sample(init: Initializer, shape: number[], seed = 1): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  init.fill(out, shape, new Random(seed));
  return out;
}

function stats(a: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / a.length;
  let sq = 0;
  for (const v of a) sq += (v - mean) ** 2;
  return { mean, variance: sq / a.length, min, max };
}

describe("computeFans", () => {
  it("follows Keras for dense, conv, vector and scalar shapes", () => {
    expect(computeFans([784, 120])).toEqual({ fanIn: 784, fanOut: 120 });
    expect(computeFans([5, 5, 1, 6])).toEqual({ fanIn: 25, fanOut: 150 });
    expect(computeFans([3, 2, 4, 7])).toEqual({ fanIn: 24, fanOut: 42 });
    expect(computeFans([9])).toEqual({ fanIn: 9, fanOut: 9 });
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });
});

describe("variance scaling", () => {
  // 200,000 samples: the sample variance's relative error is about sqrt(2/N) ~ 0.3%,
  // so 3% tolerances cannot fail by chance yet catch a wrong formula (factors of 2 or 3).
  const shape = [5, 5, 40, 200]; // fanIn 1000, fanOut 5000
  const fanIn = 1000;
  const fanAvg = 3000;
  const cases: [string, Initializer, number, "uniform" | "normal"][] = [
    ["glorotUniform", initializers.glorotUniform(), 1 / fanAvg, "uniform"],
    ["glorotNormal", initializers.glorotNormal(), 1 / fanAvg, "normal"],
    ["heUniform", initializers.heUniform(), 2 / fanIn, "uniform"],
    ["heNormal", initializers.heNormal(), 2 / fanIn, "normal"],
    ["lecunUniform", initializers.lecunUniform(), 1 / fanIn, "uniform"],
    ["lecunNormal", initializers.lecunNormal(), 1 / fanIn, "normal"],
  ];
  for (const [name, init, variance, kind] of cases) {
    it(`${name} has variance scale/n and the right support`, () => {
      const s = stats(sample(init, shape));
      const sd = Math.sqrt(variance);
      expect(Math.abs(s.mean)).toBeLessThan(0.01 * sd);
      expect(s.variance / variance).toBeGreaterThan(0.97);
      expect(s.variance / variance).toBeLessThan(1.03);
      if (kind === "uniform") {
        const limit = Math.sqrt(3 * variance);
        expect(s.min).toBeGreaterThanOrEqual(-limit);
        expect(s.max).toBeLessThanOrEqual(limit);
        expect(s.max).toBeGreaterThan(0.99 * limit);
      } else {
        // Truncated at two of the pre-correction stddevs.
        const bound = (2 * sd) / 0.87962566103423978;
        expect(s.max).toBeLessThanOrEqual(bound * (1 + 1e-6));
        expect(s.min).toBeGreaterThanOrEqual(-bound * (1 + 1e-6));
        expect(s.max).toBeGreaterThan(0.99 * bound);
      }
    });
  }

  it("uses fan_avg of the dense shape for glorotUniform", () => {
    const s = stats(sample(initializers.glorotUniform(), [300, 500]));
    const limit = Math.sqrt(6 / 800);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
  });

  it("reports Keras class names and configs", () => {
    expect(initializers.heNormal().className).toBe("HeNormal");
    expect(initializers.glorotUniform().getConfig()).toEqual({ seed: null });
    expect(initializers.lecunUniform({ seed: 3 }).getConfig()).toEqual({ seed: 3 });
  });
});

describe("plain distributions", () => {
  it("randomNormal has the requested mean and stddev", () => {
    const s = stats(sample(initializers.randomNormal({ mean: 2, stddev: 0.5 }), [200_000]));
    expect(Math.abs(s.mean - 2)).toBeLessThan(0.01);
    expect(Math.sqrt(s.variance)).toBeCloseTo(0.5, 2);
  });

  it("truncatedNormal stays within two stddevs of the mean", () => {
    const s = stats(sample(initializers.truncatedNormal({ mean: -1, stddev: 0.1 }), [100_000]));
    expect(s.min).toBeGreaterThanOrEqual(-1.2 - 1e-6);
    expect(s.max).toBeLessThanOrEqual(-0.8 + 1e-6);
    expect(Math.abs(s.mean + 1)).toBeLessThan(0.002);
    // A standard normal truncated to [-2, 2] has stddev 0.8796.
    expect(Math.sqrt(s.variance)).toBeCloseTo(0.1 * 0.87962566103423978, 3);
  });

  it("randomUniform stays in [minval, maxval] with the uniform variance", () => {
    const s = stats(sample(initializers.randomUniform({ minval: 1, maxval: 3 }), [100_000]));
    expect(s.min).toBeGreaterThanOrEqual(1);
    expect(s.max).toBeLessThanOrEqual(3); // float32 rounding may reach maxval
    expect(Math.abs(s.mean - 2)).toBeLessThan(0.01);
    expect(s.variance).toBeCloseTo(4 / 12, 2);
  });

  it("uses Keras defaults", () => {
    expect(initializers.randomNormal().getConfig()).toEqual({ mean: 0, stddev: 0.05, seed: null });
    expect(initializers.truncatedNormal().getConfig()).toEqual({ mean: 0, stddev: 0.05, seed: null });
    expect(initializers.randomUniform().getConfig()).toEqual({ minval: -0.05, maxval: 0.05, seed: null });
    expect(initializers.constant().getConfig()).toEqual({ value: 0 });
  });

  it("constant, zeros and ones fill exactly", () => {
    expect(Array.from(sample(initializers.zeros(), [2, 2]))).toEqual([0, 0, 0, 0]);
    expect(Array.from(sample(initializers.ones(), [3]))).toEqual([1, 1, 1]);
    expect(Array.from(sample(initializers.constant({ value: 0.25 }), [1, 2]))).toEqual([0.25, 0.25]);
    expect(initializers.constant({ value: 0.25 }).getConfig()).toEqual({ value: 0.25 });
    expect(initializers.zeros().className).toBe("Zeros");
    expect(initializers.ones().getConfig()).toEqual({});
  });
});

describe("determinism", () => {
  it("gives the same values for the same own seed, whatever generator is passed", () => {
    const init = initializers.heUniform({ seed: 42 });
    const a = sample(init, [4, 5], 1);
    const b = sample(init, [4, 5], 999);
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = sample(initializers.heUniform({ seed: 43 }), [4, 5], 1);
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("draws from the passed generator without a seed, advancing it", () => {
    const init = initializers.glorotNormal();
    const r = new Random(5);
    const first = new Float32Array(6);
    const second = new Float32Array(6);
    init.fill(first, [2, 3], r);
    init.fill(second, [2, 3], r);
    expect(Array.from(first)).not.toEqual(Array.from(second));
    expect(Array.from(sample(init, [2, 3], 5))).toEqual(Array.from(first));
  });
});

describe("lookup", () => {
  it("accepts camelCase, snake_case and class names", () => {
    for (const id of ["glorotUniform", "glorot_uniform", "GlorotUniform"]) {
      expect(getInitializer(id).className).toBe("GlorotUniform");
    }
    expect(getInitializer("he_normal").className).toBe("HeNormal");
    expect(getInitializer("RandomNormal").className).toBe("RandomNormal");
    expect(getInitializer("zeros").className).toBe("Zeros");
    const own = initializers.ones();
    expect(getInitializer(own)).toBe(own);
  });

  it("rejects unknown names, listing the valid ones", () => {
    expect(() => getInitializer("xavier")).toThrow(
      'getInitializer: unknown initializer "xavier"; expected one of glorotUniform, glorotNormal, heNormal, heUniform, lecunNormal, lecunUniform, zeros, ones, constant, randomNormal, truncatedNormal, randomUniform',
    );
  });

  it("rebuilds an initializer from a Keras class name and config", () => {
    const a = initializerFromConfig("RandomUniform", { minval: -1, maxval: 1, seed: 9 });
    expect(a.getConfig()).toEqual({ minval: -1, maxval: 1, seed: 9 });
    expect(initializerFromConfig("GlorotUniform", { seed: null }).getConfig()).toEqual({ seed: null });
    expect(initializerFromConfig("Constant", { value: 3 }).getConfig()).toEqual({ value: 3 });
    expect(() => initializerFromConfig("Orthogonal")).toThrow(/unknown initializer "Orthogonal"/);
  });
});

describe("bad arguments", () => {
  it("names the argument and the value received", () => {
    expect(() => initializers.randomNormal({ stddev: -1 })).toThrow("initializers.randomNormal: stddev must be >= 0, received -1");
    expect(() => initializers.truncatedNormal({ mean: NaN })).toThrow("initializers.truncatedNormal: mean must be a finite number, received NaN");
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow("initializers.randomUniform: maxval (0) must be >= minval (1)");
    expect(() => initializers.glorotUniform({ seed: 1.5 })).toThrow("initializers.glorotUniform: seed must be a safe integer, received 1.5");
    expect(() => initializers.constant({ value: Infinity })).toThrow("initializers.constant: value must be a finite number, received Infinity");
  });

  it("checks the fill target against the shape", () => {
    const r = new Random(1);
    expect(() => initializers.heNormal().fill(new Float32Array(5), [2, 3], r)).toThrow("HeNormal.fill: out has 5 elements, expected 6 for shape [2, 3]");
    expect(() => initializers.zeros().fill(new Float32Array(0), [2, -1], r)).toThrow("Zeros.fill: shape [2, -1] has dimension -1");
  });
});
