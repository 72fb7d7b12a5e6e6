/**
 * Every error of the model API by its message, and the model unchanged after each
 * failed call (weights compared bit for bit).
 */
import { describe, expect, it } from "vitest";
import { arraySource } from "../../ts/data/array_source.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { noiseData, tinyConvNet } from "../helpers/models.js";

function small(seed = 1): Sequential {
  return tinyConvNet({ seed, filters: 2 });
}

function flat(ws: Tensor[]): number[] {
  return ws.flatMap((w) => Array.from(w.data));
}

describe("before init()", () => {
  it("says to call init", () => {
    const m = small();
    expect(() => m.predict(noiseData(2, 2).x)).toThrow("call `await init()` before using models or kernels");
    expect(() => m.getWeights()).toThrow("call `await init()`");
    // conv (3*3*1 + 1) * 2 = 20 -> 4x4x2, pool -> 2x2x2 = 8, dense (8 + 1) * 3 = 27
    expect(m.countParams()).toBe(47);
  });
});

describe("model errors", () => {
  it("loads the kernels", async () => {
    await init();
  });

  it("needs compile before fit and evaluate, not before predict", async () => {
    const m = small();
    const { x, y } = noiseData(4, 2);
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow("fit: call compile({ optimizer, loss }) first");
    expect(() => m.evaluate(x, y)).toThrow("evaluate: call compile({ optimizer, loss }) first (loadModel returns a compiled model only if it was saved with { includeOptimizer: true })");
    expect(m.predict(x).shape).toEqual([4, 3]);
  });

  it("rejects bad compile options", () => {
    const m = small();
    expect(() => m.compile({ optimizer: "adagrad", loss: "mse" })).toThrow(/^compile: .*adagrad/);
    expect(() => m.compile({ optimizer: "adam", loss: "hinge" })).toThrow('compile: unknown loss "hinge"; expected "categoricalCrossentropy", "sparseCategoricalCrossentropy" or "meanSquaredError"');
    expect(() => m.compile({ optimizer: "adam", loss: "mse", metrics: ["auc"] })).toThrow('compile: unknown metric "auc"; expected "accuracy" (or "acc")');
    const conv = new Sequential({ layers: [layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [4, 4, 1] })] });
    expect(() => conv.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" })).toThrow("compile: categoricalCrossentropy needs a flat output [classes], but the last layer outputs [2, 2, 2]");
    expect(() => new Sequential().compile({ optimizer: "sgd", loss: "mse" })).toThrow("compile: the model has no layers; add some first");
  });

  it("checks x and y before training, leaving the weights as they were", async () => {
    const m = small();
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["acc"] });
    const before = flat(m.getWeights());
    const { x, y } = noiseData(5, 2);
    const cases: [() => Promise<unknown>, string][] = [
      [() => m.fit({ data: new Float32Array(5 * 49), shape: [5, 7, 7, 1] }, y), "fit: x has shape [5, 7, 7, 1], expected [n, 6, 6, 1] (the model's input shape)"],
      [() => m.fit(x, { data: new Float32Array(4), shape: [4] }), "fit: x has 5 samples but y has 4 (shape [4])"],
      [() => m.fit(x, { data: Float32Array.of(0, 1, 2, 3, 1), shape: [5] }), "fit: y[3] is 3, expected a class index: a whole number in [0, 3)"],
      [() => m.fit(x, { data: Float32Array.of(0, 1, 0.5, 1, 1), shape: [5] }), "fit: y[2] is 0.5, expected a class index"],
      [() => m.fit(x, { data: new Float32Array(15), shape: [5, 3] }), "fit: y has shape [5, 3], expected [n] class indices for sparseCategoricalCrossentropy"],
      [() => { const bad = new Float32Array(x.data); bad[40] = Number.NaN; return m.fit({ data: bad, shape: x.shape }, y); }, "fit: x holds NaN at index 40; inputs must be finite"],
      [() => m.fit(x, y, { epochs: 0 }), "fit: epochs must be a whole number > 0, received 0"],
      [() => m.fit(x, y, { batchSize: 2.5 }), "fit: batchSize must be a whole number > 0, received 2.5"],
      [() => m.fit(x, y, { validationSplit: 1 }), "fit: validationSplit must be a number in [0, 1), received 1"],
      [() => m.fit(x, y, { validationSplit: 0.9 }), "fit: validationSplit 0.9 leaves no training samples out of 5"],
      [() => m.fit(x, y, { validationData: [x] as never }), "fit: validationData must be [x, y] or a BatchSource, received an array of 1"],
      [() => m.fit(x, y, { validationData: [x, { data: new Float32Array(2), shape: [2] }] }), "fit: x has 5 samples but validationData[1] has 2"],
      [() => m.fit(x, y, { epoch: 3 } as never), 'fit: unknown option "epoch"'],
      [() => m.fit(x, y, { verbose: 2 as never }), "fit: verbose must be 0 or 1, received 2"],
      [() => m.fit(arraySource(x, y, { batchSize: 2 }) as never, y, { epochs: 1 }), "fit: x is a BatchSource (e.g. generator.flow(x, y)), which carries its own labels; call fit(source, options) without y"],
    ];
    for (const [call, message] of cases) {
      await expect(call()).rejects.toThrow(message);
      expect(flat(m.getWeights())).toEqual(before);
    }
    expect(() => m.evaluate(x, { data: new Float32Array(5), shape: [5] }, { batchSize: 0 })).toThrow("evaluate: batchSize must be a whole number > 0, received 0");
    expect(() => m.predict({ data: new Float32Array(36), shape: [36] })).toThrow("predict: x has shape [36], expected [n, 6, 6, 1]");
    const inf = new Float32Array(x.data);
    inf[7] = Infinity;
    expect(() => m.predict({ data: inf, shape: x.shape })).toThrow("predict: x holds Infinity at index 7; inputs must be finite");
  });

  it("checks one-hot labels and targets", () => {
    const m = small();
    m.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const { x, y } = noiseData(4, 2);
    expect(() => m.evaluate(x, y)).toThrow('evaluate: y has shape [4], expected [n, 3] one-hot rows for categoricalCrossentropy; for class indices use loss "sparseCategoricalCrossentropy" or toCategorical(y)');
    expect(() => m.evaluate(x, { data: new Float32Array(16), shape: [4, 4] })).toThrow("evaluate: y has shape [4, 4], expected [n, 3] one-hot rows");
    m.compile({ optimizer: "adam", loss: "meanSquaredError" });
    const t = new Float32Array(12);
    t[5] = Number.NaN;
    expect(() => m.evaluate(x, { data: t, shape: [4, 3] })).toThrow("evaluate: y holds NaN at index 5");
  });

  it("setWeights checks count, shapes and values, all or nothing", () => {
    const m = small();
    const before = m.getWeights();
    const good = m.getWeights().map((w) => ({ data: w.data.map(() => 0.5), shape: w.shape }));
    expect(() => m.setWeights(good.slice(0, 3))).toThrow("setWeights: expected 4 tensors (kernel and bias per layer, in order), received 3");
    const wrongShape = [...good];
    wrongShape[2] = { data: new Float32Array(24), shape: [24] };
    expect(() => m.setWeights(wrongShape)).toThrow("setWeights: weight 2 (dense/kernel) has shape [24], expected [8, 3]");
    const nan = good.map((w) => ({ data: new Float32Array(w.data), shape: w.shape }));
    nan[3]!.data[1] = Number.NaN;
    expect(() => m.setWeights(nan)).toThrow("setWeights: weight 3 (dense/bias) holds NaN at index 1; weights must be finite");
    expect(flat(m.getWeights())).toEqual(flat(before));
    expect(() => m.layers[0]!.setWeights([good[0]!])).toThrow("conv2d.setWeights: expected 2 tensors (kernel [3, 3, 1, 2], bias [2]), received 1");
    expect(() => m.layers[1]!.setWeights([good[0]!])).toThrow("max_pooling2d.setWeights: expected 0 tensors (none), received 1");
    m.layers[3]!.setWeights([good[2]!, good[3]!]);
    expect(flat(m.layers[3]!.getWeights())).toEqual(flat([good[2]!, good[3]!]));
    expect(flat(m.layers[0]!.getWeights())).toEqual(flat(before.slice(0, 2)));
    m.setWeights(good);
    expect(flat(m.getWeights())).toEqual(flat(good));
  });

  it("a fit that fails midway restores the weights and optimizer state", async () => {
    const m = small();
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    const { x, y } = noiseData(12, 2);
    const before = flat(m.getWeights());
    const failing = { onEpochEnd: (epoch: number) => { if (epoch === 1) throw new Error("boom"); } };
    await expect(m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [failing] })).rejects.toThrow("boom");
    expect(flat(m.getWeights())).toEqual(before);
    // The restored model trains exactly as a fresh twin does.
    const twin = small();
    twin.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 5 });
    await twin.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 5 });
    expect(flat(m.getWeights())).toEqual(flat(twin.getWeights()));
  });

  it("refuses use after dispose", async () => {
    const m = small();
    m.predict(noiseData(1, 2).x);
    m.dispose();
    expect(() => m.predict(noiseData(1, 2).x)).toThrow("predict: the model has been disposed");
    expect(() => m.getWeights()).toThrow("getWeights: the model has been disposed");
    await expect(m.fit(noiseData(1, 2).x, noiseData(1, 2).y)).rejects.toThrow("fit: the model has been disposed");
    expect(() => m.add(layers.dense({ units: 1 }))).toThrow("add: the model has been disposed");
    expect(() => m.activations(noiseData(1, 2).x)).toThrow("activations: the model has been disposed");
    expect(() => m.lossAndGradients(noiseData(1, 2).x, noiseData(1, 2).y, 1, 1)).toThrow("lossAndGradients: the model has been disposed");
    m.dispose(); // idempotent
  });
});
