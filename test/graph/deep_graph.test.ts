/**
 * Functional graphs of any depth: a chain of 20,000 Dense layers builds, summarizes (both
 * formats), predicts, saves and loads back (TF.js model.json) without a recursive walk
 * overflowing the JS stack, and trains one step. The values are exact: every layer has a
 * kernel of 0.25 (a uniform input x maps to x) and a bias of 1/1024, so the chain adds
 * n/1024 to a uniform input, and in float32 every partial sum is exact.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initializers } from "../../ts/initializers.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { layers, type Layer } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input, type SymbolicTensor } from "../../ts/model/symbolic.js";
import { keras3Connected } from "../../ts/model/summary_keras3.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";

const DEEP = 20_000;
const BIAS = 1 / 1024;

beforeAll(async () => {
  await init();
});

/** A chain of `n` Dense(4) layers with kernel 0.25 and bias 1/1024, and the layers in the order they were applied. */
function chain(n: number): { model: Model; applied: ReturnType<typeof layers.dense>[] } {
  const x0 = input({ shape: [4] });
  let t: SymbolicTensor = x0;
  const applied = [];
  for (let i = 0; i < n; i++) {
    const layer = layers.dense({ units: 4, kernelInitializer: initializers.constant({ value: 0.25 }), biasInitializer: initializers.constant({ value: BIAS }) });
    applied.push(layer);
    t = layer.apply(t) as SymbolicTensor;
  }
  return { model: new Model({ inputs: x0, outputs: t, name: "deep" }), applied };
}

/** Two uniform samples (all 1, all 3): the chain's output is each plus n/1024. */
const x = () => tensor(Float32Array.from([1, 1, 1, 1, 3, 3, 3, 3]), [2, 4]);
const expected = (n: number) => [1, 1, 1, 1, 3, 3, 3, 3].map((v) => v + n * BIAS);

describe(`functional graphs ${DEEP} layers deep`, () => {
  it("builds in apply order, summarizes, predicts exactly, saves and loads back", async () => {
    const { model, applied } = chain(DEEP);
    expect(model.layers.length).toBe(DEEP);
    // A chain's Keras order (deepest first) is the order the layers were applied.
    expect(model.layers.every((l, i) => l === applied[i])).toBe(true);
    expect(model.layers[DEEP - 1]!.name).toBe(`dense_${DEEP - 1}`);

    const keras2 = model.summary({ print: () => {} }).split("\n");
    expect(keras2.filter((l) => /^ ?dense(_\d+)? \(Dense\)/.test(l))).toHaveLength(DEEP);
    const keras3 = model.summary({ format: "keras3", print: () => {} });
    expect(keras3).toContain(`dense_${DEEP - 1} (Dense)`);
    // A chain is sequential-like: Keras prints no "Connected to" column.
    expect(keras3).not.toContain("Connected to");

    expect(Array.from(model.predict(x()).data)).toEqual(expected(DEEP));

    const saved = await model.save();
    const loaded = await loadSequential(saved);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(Array.from(loaded.predict(x()).data)).toEqual(expected(DEEP));
    loaded.dispose();
    model.dispose();
  });

  it("keras3Connected finds a long chain sequential-like and a fan-out deep in it connected", () => {
    const rows = Array.from({ length: DEEP }, (_, i) => ({
      name: `l${i}`, className: "Dense", outputShape: [null, 4], params: 0,
      connectedTo: i === 0 ? [] : [{ layer: `l${i - 1}`, nodeIndex: 0, tensorIndex: 0 }],
    }));
    expect(keras3Connected(rows)).toBe(false);
    // A second consumer of l1: two layers at the same depth from the outputs.
    const fanOut = [...rows, { name: "side", className: "Dense", outputShape: [null, 4], params: 0, connectedTo: [{ layer: "l1", nodeIndex: 0, tensorIndex: 0 }] }];
    expect(keras3Connected(fanOut)).toBe(true);
  });

  it("a residual chain of 10,000 blocks (20,000 layers, each add reading two): the same walks with branches", () => {
    const x0 = input({ shape: [4] });
    let t: SymbolicTensor = x0;
    const applied: Layer[] = [];
    const blocks = 10_000;
    for (let i = 0; i < blocks; i++) {
      // Kernel 0: the branch is the bias, so each block adds 1/1024 exactly.
      const dense = layers.dense({ units: 4, kernelInitializer: "zeros", biasInitializer: initializers.constant({ value: BIAS }) });
      const add = layers.add();
      applied.push(dense, add);
      t = add.apply([t, dense.apply(t) as SymbolicTensor]) as SymbolicTensor;
    }
    const model = new Model({ inputs: x0, outputs: t });
    // Keras's order: each add is deeper than the next block's dense, which is the apply order.
    expect(model.layers.every((l, i) => l === applied[i])).toBe(true);
    const keras3 = model.summary({ format: "keras3", print: () => {} });
    expect(keras3).toContain("Connected to");
    expect(keras3).toContain(`add_${blocks - 1} (Add)`);
    expect(Array.from(model.predict(x()).data)).toEqual(expected(blocks));
    model.dispose();
  });

  // fit trains a shorter chain, still deeper than the recursive walks managed (about
  // 6,000): the training memory plan keeps every activation until its layer's backward,
  // so all of them overlap and first-fit packing (ts/model/pack.ts) is quadratic in the
  // layers, seconds at 20,000; predict above runs the same graph at full depth.
  it("fits one SGD step through 8,000 layers: the gradient reaches the first layer undiminished", async () => {
    const n = 8_000;
    const { model } = chain(n);
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const y = tensor(new Float32Array(8), [2, 4]);
    const history = await model.fit(x(), y, { epochs: 1, batchSize: 2, verbose: 0 });
    // The loss before the step: mean of (1 + n/1024)^2 and (3 + n/1024)^2.
    const out = expected(n);
    expect(history.history.loss![0]).toBeCloseTo(out.reduce((s, v) => s + v * v, 0) / 8, 4);
    // dL/dy = 2 y / 8 per element; a layer maps a uniform gradient g back to 4 * 0.25 g = g,
    // so every bias moves by lr * (sum over the batch of 2 y / 8), the first as the last.
    const grad = (2 * (out[0]! + out[4]!)) / 8;
    const lr = 0.01; // Keras's SGD default
    for (const layer of [model.layers[0]!, model.layers[n - 1]!]) {
      const bias = Array.from(layer.getWeights()[1]!.data);
      for (const b of bias) expect(b).toBeCloseTo(BIAS - lr * grad, 5);
    }
    model.dispose();
  });
});
