/**
 * Learning-rate schedules and AdamW in use: argument checks, what `learningRate` reads,
 * ReduceLROnPlateau beside a schedule (refused as Keras refuses it), and checkpoints that
 * resume a scheduled AdamW run bit for bit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { getOptimizer, optimizerFromConfig, optimizers, type Optimizer } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { noiseData, tinyConvNet, weightBits } from "../helpers/models.js";

const { cosineDecay, exponentialDecay, piecewiseConstantDecay } = optimizers.schedules;
const root = mkdtempSync(join(tmpdir(), "simdnet-schedules-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("schedules", () => {
  it("follow their formulas", () => {
    const cos = cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 });
    expect(cos.at(0)).toBe(Math.fround(0.1));
    expect(cos.at(5)).toBeCloseTo(0.05, 7);
    expect(cos.at(10)).toBe(0);
    expect(cos.at(1000)).toBe(0); // held at the end
    const warm = cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4, alpha: 0.5 });
    expect([0, 1, 2, 3, 4].map((s) => warm.at(s))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(warm.at(14)).toBeCloseTo(0.5, 7);
    const exp = exponentialDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5 });
    expect(exp.at(1)).toBeCloseTo(Math.SQRT1_2, 7);
    const stairs = exponentialDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5, staircase: true });
    expect([0, 1, 2, 3, 4].map((s) => stairs.at(s))).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const pw = piecewiseConstantDecay({ boundaries: [2, 5], values: [3, 2, 1] });
    expect([0, 2, 3, 5, 6, 100].map((s) => pw.at(s))).toEqual([3, 3, 2, 2, 1, 1]);
  });

  it("refuse bad arguments by name", () => {
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 0 })).toThrow("cosineDecay: decaySteps must be a finite number > 0, received 0");
    expect(() => cosineDecay({ initialLearningRate: -1, decaySteps: 5 })).toThrow("cosineDecay: initialLearningRate must be a finite number >= 0, received -1");
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, alpha: 2 })).toThrow("cosineDecay: alpha must be a number in [0, 1], received 2");
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, warmupSteps: 1.5 })).toThrow("cosineDecay: warmupSteps must be a whole number >= 0, received 1.5");
    expect(() => cosineDecay({ initial_learning_rate: 0.1, decaySteps: 5 } as never)).toThrow('cosineDecay: unknown option "initial_learning_rate"');
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5, staircase: 1 } as never)).toThrow("exponentialDecay: staircase must be true or false, received 1");
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 5 } as never)).toThrow("exponentialDecay: decayRate must be a finite number > 0, received undefined");
    expect(() => piecewiseConstantDecay({ boundaries: [5, 3], values: [1, 2, 3] })).toThrow("piecewiseConstantDecay: boundaries must be a non-empty array of increasing whole numbers >= 0, received [5,3]");
    expect(() => piecewiseConstantDecay({ boundaries: [1.5], values: [1, 2] })).toThrow("boundaries must be");
    expect(() => piecewiseConstantDecay({ boundaries: [3], values: [1] })).toThrow("piecewiseConstantDecay: values must hold one more entry than boundaries (2), received 1");
    expect(() => piecewiseConstantDecay({ boundaries: [3], values: [1, NaN] })).toThrow("piecewiseConstantDecay: values must be an array of finite numbers >= 0, received [1,null]");
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 5 }).at(-1)).toThrow("CosineDecay.at: iterations must be a whole number >= 0, received -1");
  });

  it("rebuild from Keras's serialized form and refuse what they do not know", () => {
    const config = { learning_rate: { module: "keras.optimizers.schedules", class_name: "PolynomialDecay", config: {}, registered_name: null } };
    expect(() => optimizerFromConfig("Adam", config)).toThrow('optimizerFromConfig(Adam): unsupported learning rate schedule "PolynomialDecay"; expected CosineDecay, ExponentialDecay, PiecewiseConstantDecay');
    const typo = { learning_rate: { class_name: "ExponentialDecay", config: { initial_learning_rate: 0.1, decay_steps: 3, decay_rate: 0.5, cycle: true } } };
    expect(() => optimizerFromConfig("SGD", typo)).toThrow('optimizerFromConfig(SGD): unsupported ExponentialDecay config key "cycle"');
    const bad = { learning_rate: { class_name: "ExponentialDecay", config: { initial_learning_rate: 0.1, decay_steps: -3, decay_rate: 0.5 } } };
    expect(() => optimizerFromConfig("SGD", bad)).toThrow("optimizerFromConfig(SGD): exponentialDecay: decaySteps must be a finite number > 0, received -3");
  });
});

describe("weight decay on every optimizer", () => {
  it("is off by default (no weight_decay in the config), and round-trips when set", () => {
    for (const opt of [optimizers.sgd(), optimizers.adam(), optimizers.rmsprop()]) expect(opt.getConfig().weight_decay).toBeUndefined();
    const sgd = optimizers.sgd({ learningRate: 0.1, weightDecay: 0.01 });
    expect(sgd.getConfig()).toEqual({ learning_rate: 0.1, weight_decay: 0.01, momentum: 0, nesterov: false });
    expect(optimizerFromConfig("SGD", sgd.getConfig()).getConfig()).toEqual(sgd.getConfig());
    expect(optimizerFromConfig("Adam", { learning_rate: 0.1, weight_decay: null }).getConfig().weight_decay).toBeUndefined();
    expect(() => optimizers.rmsprop({ weightDecay: -0.5 })).toThrow("RMSprop: weightDecay must be a finite number >= 0, received -0.5");
    expect(() => optimizerFromConfig("AdamW", { weight_decay: null })).toThrow("AdamW: weightDecay must be a finite number >= 0, received null");
  });
});

describe("AdamW settings", () => {
  it("use Keras's defaults and round-trip through their config", () => {
    const opt = optimizers.adamW();
    expect(opt.getConfig()).toEqual({ learning_rate: 0.001, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(opt.stateSlots()).toBe(2);
    expect(getOptimizer("adamw").className).toBe("AdamW");
    expect(getOptimizer("AdamW").className).toBe("AdamW");
    const custom = optimizers.adamW({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.9 }), weightDecay: 0.05 });
    expect(optimizerFromConfig("AdamW", custom.getConfig()).getConfig()).toEqual(custom.getConfig());
    expect(() => optimizers.adamW({ weightDecay: -1 })).toThrow("AdamW: weightDecay must be a finite number >= 0, received -1");
    expect(() => optimizers.adamW({ weight_decay: 0.1 } as never)).toThrow('AdamW: unknown option "weight_decay"');
  });
});

function model(optimizer: Optimizer) {
  const m = tinyConvNet({ seed: 3, filters: 3, padding: "same", dropout: 0.3 });
  m.compile({ optimizer, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

describe("a scheduled optimizer in fit", () => {
  it("learningRate reads the rate after the steps taken, and cannot be set", async () => {
    const schedule = piecewiseConstantDecay({ boundaries: [2, 4], values: [0.1, 0.01, 0.001] });
    const opt = optimizers.sgd({ learningRate: schedule });
    expect(opt.learningRate).toBe(Math.fround(0.1));
    expect(opt.schedule).toBe(schedule);
    expect(() => (opt.learningRate = 0.5)).toThrow("SGD: the learning rate is a PiecewiseConstantDecay schedule, so it cannot be set (received 0.5)");
    const { x, y } = noiseData(15, 2);
    const m = model(opt);
    const seen: number[] = [];
    await m.fit(x, y, { epochs: 1, batchSize: 5, seed: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { seen.push(opt.learningRate); } }] });
    // After updates 1, 2, 3 (which used the rates at steps 0, 1, 2) the next rates are at 1, 2, 3.
    expect(seen).toEqual([0.1, 0.1, 0.01].map(Math.fround));
    m.dispose();
  });

  it("ReduceLROnPlateau beside a schedule fails when it first reduces, as in Keras, and fit puts the weights back", async () => {
    const { x, y } = noiseData(15, 2);
    const m = model(optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.01, decaySteps: 100 }) }));
    const before = weightBits(m);
    const reduce = callbacks.reduceLROnPlateau({ monitor: "loss", patience: 0, minDelta: 1e9 });
    await expect(m.fit(x, y, { epochs: 3, batchSize: 5, seed: 1, verbose: 0, callbacks: [reduce] }))
      .rejects.toThrow("Adam: the learning rate is a CosineDecay schedule, so it cannot be set");
    expect(weightBits(m)).toEqual(before);
    m.dispose();
  });

  it.each<[string, () => Optimizer]>([
    ["adamW with cosine decay and warmup", () => optimizers.adamW({ weightDecay: 0.05, learningRate: cosineDecay({ initialLearningRate: 0, decaySteps: 12, warmupTarget: 0.02, warmupSteps: 5, alpha: 0.1 }) })],
    ["sgd with momentum and piecewise constant decay", () => optimizers.sgd({ momentum: 0.9, learningRate: piecewiseConstantDecay({ boundaries: [4, 9], values: [0.05, 0.02, 0.005] }) })],
    ["rmsprop with exponential decay", () => optimizers.rmsprop({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.7, staircase: true }) })],
  ])("%s: 2 epochs, crash, resume for 2 = 4 epochs straight, bit for bit", async (name, make) => {
    const { x, y } = noiseData(23, 21);
    const fitArgs = { epochs: 4, batchSize: 5, seed: 9, verbose: 0 as const, validationSplit: 0.2 };
    const straight = model(make());
    const h = await straight.fit(x, y, fitArgs);
    const dir = join(root, name.replace(/\W+/g, "-"));
    const interrupted = model(make());
    const crash = { onEpochEnd: (epoch: number) => { if (epoch === 1) throw new Error("power cut"); } };
    const checkpoint = callbacks.modelCheckpoint({ path: `file://${dir}`, saveOptimizer: true });
    await expect(interrupted.fit(x, y, { ...fitArgs, callbacks: [checkpoint, crash] })).rejects.toThrow("power cut");
    interrupted.dispose();
    const resumed = await loadSequential(`file://${join(dir, "model.json")}`);
    expect(resumed.optimizer!.getConfig()).toEqual(make().getConfig());
    expect(resumed.optimizer!.schedule).not.toBeNull();
    const h2 = await resumed.fit(x, y, { ...fitArgs, initialEpoch: resumed.epochsTrained });
    expect(h2.history.loss).toEqual(h.history.loss!.slice(2));
    expect(weightBits(resumed)).toEqual(weightBits(straight));
    straight.dispose();
    resumed.dispose();
  });
});
