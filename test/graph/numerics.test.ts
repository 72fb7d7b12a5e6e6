/**
 * Functional models compute what their graph means: predictions against a plain
 * TypeScript forward pass from the same weights, gradients (fan-out sums, merge layers,
 * flatten feeding two layers, one tensor twice in one add) against central finite
 * differences of the model's own loss, and a functional chain that trains bit for bit
 * like the Sequential with the same layers and seed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Model } from "../../ts/model/model.js";
import { Model as FunctionalModel } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { input } from "../../ts/model/symbolic.js";
import { optimizers } from "../../ts/optimizers/index.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { batchFor, mergeNet, residualNet, twoFlattens } from "./graphs.js";

beforeAll(async () => {
  await init();
});

/** Every weight's gradient against (L(w + h) - L(w - h)) / 2h, in f32 by the model itself. */
function checkGradients(model: Model, loss: "categoricalCrossentropy" | "meanSquaredError"): void {
  model.compile({ optimizer: optimizers.sgd(), loss });
  const { x, y } = batchFor(model, loss, 3, 11);
  const { grads } = model.lossAndGradients(x, y, 7, 3);
  const weights = model.getWeights();
  const h = 1e-2;
  let at = 0;
  for (const [wi, w] of weights.entries()) {
    for (let j = 0; j < w.data.length; j++, at++) {
      const orig = w.data[j]!;
      w.data[j] = orig + h;
      model.setWeights(weights);
      const up = model.lossAndGradients(x, y, 7, 3).loss;
      w.data[j] = orig - h;
      model.setWeights(weights);
      const down = model.lossAndGradients(x, y, 7, 3).loss;
      w.data[j] = orig;
      const numeric = (up - down) / (2 * h);
      const tol = 2e-3 + 2e-2 * Math.abs(numeric);
      if (!(Math.abs(grads[at]! - numeric) <= tol)) expect.fail(`${model.name}: weight ${wi} element ${j}: analytic ${grads[at]}, numeric ${numeric}`);
    }
  }
  expect(at).toBe(grads.length);
  expect(Math.max(...Array.from(grads, Math.abs))).toBeGreaterThan(1e-4);
  model.dispose();
}

describe("graph gradients vs finite differences", () => {
  it("residual add: a conv output feeding a conv and the add (gradients summed)", () => checkGradients(residualNet(1), "categoricalCrossentropy"));
  it("concatenate, the input feeding two layers, add(t, t), MSE", () => checkGradients(mergeNet(2), "meanSquaredError"));
  it("one conv output flattened twice (flatten cannot share its gradient buffer)", () => checkGradients(twoFlattens(3), "categoricalCrossentropy"));
});

/** x W + b, then an activation, on rows of `x`. */
function dense(x: Float32Array, n: number, w: Tensor, b: Tensor, act: (v: number) => number): Float32Array {
  const [inputs, units] = w.shape as [number, number];
  const y = new Float32Array(n * units);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < units; u++) {
      let s = b.data[u]!;
      for (let k = 0; k < inputs; k++) s += x[i * inputs + k]! * w.data[k * units + u]!;
      y[i * units + u] = act(s);
    }
  }
  return y;
}

describe("graph forward", () => {
  it("mergeNet predicts what its graph means (a TypeScript forward pass from its weights)", () => {
    const model = mergeNet(4);
    const { x } = batchFor(model, "meanSquaredError", 5, 3);
    const w = model.getWeights();
    // Keras's order: dense a, dense b, concatenate, dense c, add, add_1, dense out.
    expect(model.layers.map((l) => l.name)).toEqual(["dense", "dense_1", "concatenate", "dense_2", "add", "add_1", "dense_3"]);
    const n = 5;
    const a = dense(x.data, n, w[0]!, w[1]!, Math.tanh);
    const b = dense(x.data, n, w[2]!, w[3]!, (v) => 1 / (1 + Math.exp(-v)));
    const cat = new Float32Array(n * 7);
    for (let i = 0; i < n; i++) {
      cat.set(a.subarray(i * 4, i * 4 + 4), i * 7);
      cat.set(b.subarray(i * 3, i * 3 + 3), i * 7 + 4);
    }
    const c = dense(cat, n, w[4]!, w[5]!, Math.tanh);
    const tt = c.map((v, i) => 2 * (v + cat[i]!));
    const out = dense(tt, n, w[6]!, w[7]!, (v) => v);
    expectClose(model.predict(x).data, out, "predict", 1e-5, 1e-5);
    // activations: one entry per layer, the last one the prediction.
    const acts = model.activations(x);
    expect(acts.map((t) => t.shape)).toEqual([[5, 4], [5, 3], [5, 7], [5, 7], [5, 7], [5, 7], [5, 2]]);
    expectClose(acts[2]!.data, cat, "concatenate's output", 1e-6, 1e-6);
    expectClose(acts[6]!.data, out, "last activation", 1e-5, 1e-5);
    model.dispose();
  });
});

describe("a functional chain is a Sequential", () => {
  it("same seed and layers: same weights, and fit gives the same bits", async () => {
    const make = () => [
      layers.conv2d({ filters: 3, kernelSize: 3, activation: "relu" }),
      layers.maxPooling2d(),
      layers.flatten(),
      layers.dropout({ rate: 0.25 }),
      layers.dense({ units: 3, activation: "softmax" }),
    ];
    const seq = new Sequential({ seed: 9, layers: [layers.conv2d({ filters: 3, kernelSize: 3, activation: "relu", inputShape: [6, 6, 1] }), ...make().slice(1)] });
    const x0 = input({ shape: [6, 6, 1] });
    let t = x0;
    for (const l of make()) t = l.apply(t);
    const fun = new FunctionalModel({ inputs: x0, outputs: t, seed: 9 });
    expect(fun.layers.map((l) => l.name)).toEqual(seq.layers.map((l) => l.name));
    const { x, y } = batchFor(seq, "categoricalCrossentropy", 20, 5);
    for (const m of [seq, fun]) m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const h1 = await seq.fit(x, y, { epochs: 2, batchSize: 6, seed: 3, verbose: 0 });
    const h2 = await fun.fit(x, y, { epochs: 2, batchSize: 6, seed: 3, verbose: 0 });
    expect(h2.history).toEqual(h1.history);
    const bits = (m: Model) => m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.slice().buffer)));
    expect(bits(fun)).toEqual(bits(seq));
    seq.dispose();
    fun.dispose();
  });
});
