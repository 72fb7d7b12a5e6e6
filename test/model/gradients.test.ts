/**
 * The gradients a model computes (every layer's backward chained through the planned
 * buffers) against central finite differences of the model's own training loss, for
 * every layer type, padding, stride, activation and loss. Masks of dropout are fixed
 * by seed and step, so the loss is a smooth function of the weights for the check.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

type LossName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "meanSquaredError";

/** Random inputs and labels that fit `model` and `loss`. */
function batch(model: Sequential, loss: LossName, n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const inShape = model.inputShape!;
  const width = model.outputShape!.reduce((a, b) => a * b, 1);
  const x = { data: randomArray(next, n * inShape.reduce((a, b) => a * b, 1)), shape: [n, ...inShape] };
  if (loss === "meanSquaredError") return { x, y: { data: randomArray(next, n * width), shape: [n, ...model.outputShape!] } };
  const classes = Array.from({ length: n }, () => Math.floor(next() * width));
  if (loss === "sparseCategoricalCrossentropy") return { x, y: { data: Float32Array.from(classes), shape: [n] } };
  const oneHot = new Float32Array(n * width);
  classes.forEach((c, i) => (oneHot[i * width + c] = 1));
  return { x, y: { data: oneHot, shape: [n, width] } };
}

/**
 * Checks every weight's gradient against (L(w + h) - L(w - h)) / 2h, computed in f32
 * by the model itself, so the tolerance allows for f32 rounding of the loss.
 */
function checkGradients(what: string, layerList: Layer[], loss: LossName, seed = 1): void {
  const model = new Sequential({ seed, layers: layerList });
  model.compile({ optimizer: optimizers.sgd(), loss });
  const { x, y } = batch(model, loss, 3, seed + 100);
  const { grads } = model.lossAndGradients(x, y, 7, 3);
  const weights = model.getWeights();
  const h = 1e-2;
  let at = 0;
  let checked = 0;
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
      const analytic = grads[at]!;
      const tol = 2e-3 + 2e-2 * Math.abs(numeric);
      if (!(Math.abs(analytic - numeric) <= tol)) {
        expect.fail(`${what}: weight ${wi} element ${j}: analytic ${analytic}, numeric ${numeric}`);
      }
      checked++;
    }
  }
  model.setWeights(weights);
  expect(checked).toBe(grads.length);
  expect(Math.max(...Array.from(grads, Math.abs))).toBeGreaterThan(1e-4); // not trivially zero
  model.dispose();
}

describe("model gradients vs finite differences", () => {
  it("conv valid stride 1 (tanh), dense softmax, categorical cross-entropy (fused)", () => {
    checkGradients("conv valid", [
      layers.conv2d({ filters: 3, kernelSize: 3, activation: "tanh", inputShape: [5, 6, 2] }),
      layers.flatten(),
      layers.dense({ units: 4, activation: "softmax" }),
    ], "categoricalCrossentropy");
  });

  it("conv same stride 2 (sigmoid), rectangular kernel, mean squared error", () => {
    checkGradients("conv same", [
      layers.conv2d({ filters: 2, kernelSize: [3, 2], strides: 2, padding: "same", activation: "sigmoid", inputShape: [7, 6, 2] }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ], "meanSquaredError");
  });

  it("conv strides [2, 1] (relu, no bias), max pooling, sparse cross-entropy", () => {
    checkGradients("max pool", [
      layers.conv2d({ filters: 2, kernelSize: 2, strides: [2, 1], activation: "relu", useBias: false, inputShape: [7, 7, 1], biasInitializer: "zeros" }),
      layers.maxPooling2d({ poolSize: 2, strides: 1 }),
      layers.flatten(),
      layers.dense({ units: 3, activation: "softmax" }),
    ], "sparseCategoricalCrossentropy", 3);
  });

  it("average pooling valid and same (padded cells left out of the divisor)", () => {
    checkGradients("avg pool", [
      layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", activation: "tanh", inputShape: [6, 5, 1] }),
      layers.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" }),
      layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      layers.flatten(),
      layers.dense({ units: 2, activation: "sigmoid" }),
    ], "meanSquaredError");
  });

  it("pooling as the first layer (no input gradient), max pool same", () => {
    checkGradients("pool first", [
      layers.maxPooling2d({ poolSize: 2, padding: "same", inputShape: [5, 5, 2] }),
      layers.conv2d({ filters: 2, kernelSize: 2, activation: "tanh" }),
      layers.flatten(),
      layers.dense({ units: 3, activation: "softmax" }),
    ], "categoricalCrossentropy");
  });

  it("dense chain with each activation layer", () => {
    checkGradients("activations", [
      layers.dense({ units: 5, inputShape: [4] }),
      layers.activation({ activation: "relu" }),
      layers.dense({ units: 5 }),
      layers.activation({ activation: "sigmoid" }),
      layers.dense({ units: 5 }),
      layers.activation({ activation: "tanh" }),
      layers.dense({ units: 4 }),
      layers.activation({ activation: "softmax" }),
      layers.activation({ activation: "linear" }),
      layers.dense({ units: 3 }),
    ], "meanSquaredError");
  });

  it("softmax activation layer last, cross-entropy (fused)", () => {
    checkGradients("softmax layer", [
      layers.dense({ units: 4, activation: "tanh", inputShape: [3] }),
      layers.dense({ units: 3 }),
      layers.activation({ activation: "softmax" }),
    ], "sparseCategoricalCrossentropy");
  });

  it("categorical cross-entropy on a sigmoid output (not fused)", () => {
    checkGradients("ce sigmoid", [
      layers.dense({ units: 4, activation: "tanh", inputShape: [3] }),
      layers.dense({ units: 3, activation: "sigmoid" }),
    ], "categoricalCrossentropy");
  });

  it("dropout with a fixed mask", () => {
    checkGradients("dropout", [
      layers.dense({ units: 8, activation: "tanh", inputShape: [4] }),
      layers.dropout({ rate: 0.4 }),
      layers.dense({ units: 3, activation: "softmax" }),
    ], "categoricalCrossentropy");
  });
});
