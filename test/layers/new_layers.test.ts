/**
 * The layers of issue 10 through the public API: output shapes, parameter counts (and
 * which are trainable), option errors by their text, Keras names, a training model's
 * gradients against finite differences of its own loss, and summary explanations.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

const count = (l: Layer, trainable?: boolean) =>
  l.weights.specs.filter((s) => trainable === undefined || (s.trainable ?? true) === trainable).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);

describe("shapes and parameter counts", () => {
  it("batchNormalization: 4*C parameters, 2*C of them not trainable, in Keras order", () => {
    const bn = layers.batchNormalization();
    expect(bn.build([5, 5, 16])).toEqual([5, 5, 16]);
    expect(bn.weights.specs.map((s) => s.name)).toEqual(["gamma", "beta", "moving_mean", "moving_variance"]);
    expect([count(bn), count(bn, true), count(bn, false)]).toEqual([64, 32, 32]);
    const noScale = layers.batchNormalization({ scale: false, center: false });
    noScale.build([7]);
    expect(noScale.weights.specs.map((s) => s.name)).toEqual(["moving_mean", "moving_variance"]);
  });

  it("depthwiseConv2d: kh*kw*C*M + C*M, output channels C*M, dilation in the output size", () => {
    const d = layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 });
    expect(d.build([10, 9, 8])).toEqual([8, 7, 16]);
    expect(count(d)).toBe(3 * 3 * 8 * 2 + 16);
    const dil = layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, strides: 2, useBias: false });
    expect(dil.build([11, 11, 4])).toEqual([4, 4, 4]); // span 5: floor((11 - 5) / 2) + 1
    expect(count(dil)).toBe(36);
  });

  it("separableConv2d: depthwise + pointwise + bias, Keras weight order", () => {
    const s = layers.separableConv2d({ filters: 32, kernelSize: 3, padding: "same" });
    expect(s.build([16, 16, 16])).toEqual([16, 16, 32]);
    expect(s.weights.specs.map((w) => [w.name, w.shape])).toEqual([["depthwise_kernel", [3, 3, 16, 1]], ["pointwise_kernel", [1, 1, 16, 32]], ["bias", [32]]]);
    expect(count(s)).toBe(3 * 3 * 16 + 16 * 32 + 32);
  });

  it("conv2d dilationRate changes the output size, not the parameters", () => {
    const c = layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 3 });
    expect(c.build([10, 12, 2])).toEqual([4, 6, 4]);
    expect(count(c)).toBe(3 * 3 * 2 * 4 + 4);
  });

  it("the shape-only layers", () => {
    expect(layers.globalAveragePooling2d().build([4, 5, 6])).toEqual([6]);
    expect(layers.globalMaxPooling2d({ keepdims: true }).build([4, 5, 6])).toEqual([1, 1, 6]);
    expect(layers.zeroPadding2d().build([4, 5, 6])).toEqual([6, 7, 6]);
    expect(layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }).build([4, 5, 6])).toEqual([7, 8, 6]);
    expect(layers.zeroPadding2d({ padding: [2, 1] }).build([4, 5, 6])).toEqual([8, 7, 6]);
    expect(layers.reshape({ targetShape: [-1, 3] }).build([4, 3, 2])).toEqual([8, 3]);
    expect(layers.rescaling({ scale: 2 }).build([3])).toEqual([3]);
    for (const l of [layers.reLU(), layers.leakyReLU(), layers.softmax()]) expect(l.build([2, 3])).toEqual([2, 3]);
  });

  it("Keras 3 defaults and names", () => {
    const bn = layers.batchNormalization();
    expect([bn.momentum, bn.epsilon, bn.center, bn.scale, bn.axis]).toEqual([0.99, 1e-3, true, true, -1]);
    expect(layers.batchNormalization({ axis: 3 }).build([4, 4, 2])).toEqual([4, 4, 2]); // TF.js writes the index
    expect(layers.leakyReLU().negativeSlope).toBe(0.3);
    const r = layers.reLU();
    expect([r.maxValue, r.negativeSlope, r.threshold]).toEqual([null, 0, 0]);
    const m = new Sequential({ layers: [layers.zeroPadding2d({ inputShape: [4, 4, 2] }), layers.depthwiseConv2d({ kernelSize: 3 }), layers.batchNormalization(),
      layers.reLU({ maxValue: 6 }), layers.separableConv2d({ filters: 3, kernelSize: 1 }), layers.globalAveragePooling2d(), layers.leakyReLU(), layers.reshape({ targetShape: [3, 1] })] });
    expect(m.layers.map((l) => l.name)).toEqual(["zero_padding2d", "depthwise_conv2d", "batch_normalization", "re_lu", "separable_conv2d", "global_average_pooling2d", "leaky_re_lu", "reshape"]);
    m.dispose();
  });
});

describe("option errors name the factory, the option and the value", () => {
  it.each([
    [() => layers.batchNormalization({ momentum: 1 }), "layers.batchNormalization: momentum must be a number in [0, 1), received 1"],
    [() => layers.batchNormalization({ axis: 0 }), "layers.batchNormalization: axis must be -1 (the last axis, channels), received 0"],
    [() => layers.batchNormalization({ axis: 1, name: "bn" }).build([4, 4, 2]), "bn (BatchNormalization): axis 1 is not the last axis of an input of rank 4 (with the batch); only the last axis is supported"],
    [() => layers.batchNormalization({ epsilon: -1 }), "layers.batchNormalization: epsilon must be a finite number >= 0, received -1"],
    [() => layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 }), "layers.depthwiseConv2d: depthMultiplier must be a whole number > 0, received 0"],
    [() => layers.separableConv2d({ filters: 2, kernelSize: 3, dilationRate: [1, 0] }), "layers.separableConv2d: dilationRate must be a whole number > 0 or a pair [h, w] of them, received [1, 0]"],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), "layers.conv2d: strides above 1 cannot be combined with a dilationRate above 1 (Keras refuses it too), received strides [2, 2] and dilationRate [2, 2]"],
    [() => layers.reLU({ negativeSlope: -0.1 }), "layers.reLU: negativeSlope must be a finite number >= 0, received -0.1"],
    [() => layers.reLU({ maxValue: -1 }), "layers.reLU: maxValue must be a finite number >= 0, received -1"],
    [() => layers.leakyReLU({ negativeSlope: NaN }), "layers.leakyReLU: negativeSlope must be a finite number >= 0, received NaN"],
    [() => layers.softmax({ axis: 1 }), "layers.softmax: axis must be -1 (the last axis), received 1"],
    [() => layers.reshape({ targetShape: [-1, -1] }), "layers.reshape: targetShape must be a non-empty array of whole numbers >= 1 with at most one -1, received [-1, -1]"],
    [() => layers.rescaling({} as never), "layers.rescaling: scale is required, e.g. { scale: 1 / 255 }"],
    [() => layers.zeroPadding2d({ padding: -1 as never }), "layers.zeroPadding2d: padding must be a whole number >= 0 or a pair of them, received -1"],
    [() => layers.globalMaxPooling2d({ keepDims: true } as never), "layers.globalMaxPooling2d"],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, activation: "gelu" }).build([2, 9, 1]), '(Conv2D): kernel 3x3 is larger than its input 2x9 with padding "valid"'],
  ])("%#", (make, message) => {
    expect(make).toThrow(message);
  });

  it("build errors say what the input was", () => {
    const d = layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 3, name: "dw" });
    expect(() => d.build([6, 9, 2])).toThrow('dw (DepthwiseConv2D): dilated kernel 3x3 (spanning 7x7) is larger than its input 6x9 with padding "valid"');
    expect(() => layers.reshape({ targetShape: [5, -1], name: "r" }).build([3, 3])).toThrow("r (Reshape): cannot reshape an input of [3, 3] (9 values) to [5, -1]");
    expect(() => layers.globalAveragePooling2d({ name: "g" }).build([3, 3])).toThrow("g (GlobalAveragePooling2D): expected an input of rank 3");
  });
});

describe("training models with the new layers", () => {
  function checkGradients(what: string, layerList: Layer[]): void {
    const model = new Sequential({ seed: 5, layers: layerList });
    model.compile({ optimizer: optimizers.sgd(), loss: "meanSquaredError" });
    const next = rng(9);
    const inShape = model.inputShape!;
    const n = 3;
    const x = { data: randomArray(next, n * inShape.reduce((a, b) => a * b, 1)), shape: [n, ...inShape] };
    const y = { data: randomArray(next, n * model.outputShape!.reduce((a, b) => a * b, 1)), shape: [n, ...model.outputShape!] };
    const { grads } = model.lossAndGradients(x, y, 7, 3);
    const weights = model.getWeights();
    const trainable = model.layers.flatMap((l) => l.weights.specs.map((s) => s.trainable ?? true));
    const h = 1e-2;
    let at = 0;
    let checked = 0;
    for (const [wi, w] of weights.entries()) {
      for (let j = 0; j < w.data.length; j++, at++) {
        if (!trainable[wi]) continue; // moving statistics: the loss does not depend on them while training
        const orig = w.data[j]!;
        w.data[j] = orig + h;
        model.setWeights(weights);
        const up = model.lossAndGradients(x, y, 7, 3).loss;
        w.data[j] = orig - h;
        model.setWeights(weights);
        const down = model.lossAndGradients(x, y, 7, 3).loss;
        w.data[j] = orig;
        const numeric = (up - down) / (2 * h);
        if (!(Math.abs(grads[at]! - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric))) {
          expect.fail(`${what}: weight ${wi} element ${j}: analytic ${grads[at]}, numeric ${numeric}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    model.dispose();
  }

  // Smooth activations only (selu has a kink at 0 too): a finite-difference step across a kink (common right
  // after batch normalization) is not a gradient error; the ReLU family is checked
  // against Keras (keras_goldens.test.ts) and per kernel (test/gradients/).
  it("conv (dilated, gelu) - batch norm - swish - depthwise (elu) - separable (swish) - global pooling - dense (gelu)", () => {
    checkGradients("mobile-like", [
      layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", dilationRate: 2, activation: "gelu", inputShape: [6, 6, 2] }),
      layers.batchNormalization(),
      layers.activation({ activation: "swish" }),
      layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", activation: "elu" }),
      layers.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, activation: "swish" }),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 2, activation: "gelu" }),
    ]);
  });

  it("zero padding - conv (hardSigmoid) - global max - leaky relu - rescaling - reshape - softmax", () => {
    checkGradients("the rest", [
      layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], inputShape: [4, 3, 2] }),
      layers.conv2d({ filters: 4, kernelSize: 2, activation: "hardSigmoid" }),
      layers.batchNormalization({ center: false }),
      layers.globalMaxPooling2d(),
      layers.leakyReLU(),
      layers.rescaling({ scale: 0.5, offset: 0.1 }),
      layers.reshape({ targetShape: [2, -1] }),
      layers.softmax(),
    ]);
  });

  it("batch normalization moves its statistics while training and uses them in predict", async () => {
    const bn = layers.batchNormalization({ momentum: 0.5, inputShape: [3] });
    const model = new Sequential({ layers: [bn] });
    model.compile({ optimizer: optimizers.sgd({ learningRate: 1e-9 }), loss: "meanSquaredError" });
    const x = { data: Float32Array.from([1, 2, 3, 3, 6, 9]), shape: [2, 3] };
    await model.fit(x, { data: new Float32Array(6), shape: [2, 3] }, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
    const [, , mean, variance] = model.getWeights();
    // Batch mean [2, 4, 6], biased variance [1, 4, 9]; moving = 0.5 * initial + 0.5 * batch.
    expect(Array.from(mean!.data)).toEqual([1, 2, 3]);
    expect(Array.from(variance!.data)).toEqual([1, 2.5, 5]);
    const y = model.predict(x).data;
    expect(y[0]).toBeCloseTo((1 - 1) / Math.sqrt(1 + 1e-3), 5);
    expect(y[4]).toBeCloseTo((6 - 2) / Math.sqrt(2.5 + 1e-3), 5);
    model.dispose();
  });
});

describe("summary({ explain }) of the new layers", () => {
  it("explains batch norm, depthwise and separable counts and MobileNet's saving", () => {
    const model = new Sequential({ layers: [
      layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", inputShape: [8, 8, 3] }),
      layers.batchNormalization(),
      layers.depthwiseConv2d({ kernelSize: 3, padding: "same" }),
      layers.separableConv2d({ filters: 32, kernelSize: 3, padding: "same" }),
    ] });
    const lines: string[] = [];
    model.summary({ explain: true, print: (s: string) => lines.push(s) });
    const text = lines.join("\n");
    expect(text).toContain("params: 4*16 = 64 (gamma, beta, moving mean, moving variance: one per channel)");
    expect(text).toContain("not trained: the moving mean and variance, 2*16 = 32");
    expect(text).toContain("params: 3*3*16*1 + 16 = 160");
    expect(text).toContain("a full Conv2D to 16 channels would need 3*3*16*16 + 16 = 2,320");
    expect(text).toContain("params: depthwise 3*3*16*1 + pointwise 16*32 + bias 32 = 688");
    expect(text).toContain("a full Conv2D with the same 3x3 kernel and 32 filters would need 3*3*16*32 + 32 = 4,640 (6.7x as many)");
    expect(text).toContain("multiplications per output pixel: 656 against 4,608");
    model.dispose();
  });
});
