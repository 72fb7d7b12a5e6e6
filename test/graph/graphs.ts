/**
 * Small functional models for the graph tests: residual connections, concatenation, a
 * tensor feeding several layers (fan-out), flatten feeding two layers, the same tensor
 * twice in one merge. Each is built fresh from a seed.
 */
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input } from "../../ts/model/symbolic.js";
import type { Tensor } from "../../ts/tensor.js";
import { randomArray, rng } from "../helpers/random.js";

/** x [4,4,2] -> conv a (tanh) -> conv b (tanh) -> add(a, b) -> flatten -> dense softmax 3. */
export function residualNet(seed: number): Model {
  const x0 = input({ shape: [4, 4, 2] });
  const a = layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation: "tanh" }).apply(x0);
  const b = layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation: "tanh" }).apply(a);
  const s = layers.add().apply([a, b]);
  const out = layers.dense({ units: 3, activation: "softmax" }).apply(layers.flatten().apply(s));
  return new Model({ inputs: x0, outputs: out, seed, name: "residual" });
}

/**
 * x [5] -> dense a (tanh), dense b (sigmoid) both from x -> concatenate -> dense c (tanh)
 * -> add(c, concat) -> add(t, t) -> dense out (2, linear).
 */
export function mergeNet(seed: number): Model {
  const x0 = input({ shape: [5] });
  const a = layers.dense({ units: 4, activation: "tanh" }).apply(x0);
  const b = layers.dense({ units: 3, activation: "sigmoid" }).apply(x0);
  const cat = layers.concatenate().apply([a, b]);
  const c = layers.dense({ units: 7, activation: "tanh" }).apply(cat);
  const t = layers.add().apply([c, cat]);
  const tt = layers.add().apply([t, t]);
  const out = layers.dense({ units: 2 }).apply(tt);
  return new Model({ inputs: x0, outputs: out, seed, name: "merges" });
}

/** x [3,3,2] -> conv (tanh) -> two flattens -> dense each -> add -> dense softmax 3 (flatten with fan-out). */
export function twoFlattens(seed: number): Model {
  const x0 = input({ shape: [3, 3, 2] });
  const a = layers.conv2d({ filters: 2, kernelSize: 2, activation: "tanh" }).apply(x0);
  const f1 = layers.flatten().apply(a);
  const f2 = layers.flatten().apply(a);
  const d1 = layers.dense({ units: 3, activation: "tanh" }).apply(f1);
  const d2 = layers.dense({ units: 3, activation: "tanh" }).apply(f2);
  const out = layers.dense({ units: 3, activation: "softmax" }).apply(layers.add().apply([d1, d2]));
  return new Model({ inputs: x0, outputs: out, seed, name: "two_flattens" });
}

/** `n` random samples for `model` and labels for `loss` (one-hot for categorical, targets for MSE). */
export function batchFor(model: Model, loss: "categoricalCrossentropy" | "meanSquaredError", n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const inShape = model.inputShape!;
  const width = model.outputShape!.reduce((a, b) => a * b, 1);
  const x = { data: randomArray(next, n * inShape.reduce((a, b) => a * b, 1)), shape: [n, ...inShape] };
  if (loss === "meanSquaredError") return { x, y: { data: randomArray(next, n * width), shape: [n, width] } };
  const y = new Float32Array(n * width);
  for (let i = 0; i < n; i++) y[i * width + Math.floor(next() * width)] = 1;
  return { x, y: { data: y, shape: [n, width] } };
}
