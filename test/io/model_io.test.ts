/**
 * Save and load of real Sequential models: round trips (same predictions, summary,
 * weights and saved bytes), failed loads that allocate nothing, and interop with
 * TensorFlow.js 4.22 in one process (our LeNet-5 in tfjs-layers, theirs here, 1e-5).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSequential, saveSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import type { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { expectSameFloats, randomInput, withoutFingerprint } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-model-io-"));
beforeAll(async () => {
  await init();
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every layer class and option our layers have, with odd shapes. */
function variedModel(): Sequential {
  const model = new Sequential({ name: "varied", seed: 5 });
  model.add(layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: "same", activation: "tanh", kernelInitializer: "heNormal", inputShape: [11, 9, 2] }));
  model.add(layers.maxPooling2d({ poolSize: [3, 3], strides: [2, 2], padding: "same" }));
  model.add(layers.conv2d({ filters: 3, kernelSize: 2, activation: "sigmoid", useBias: false }));
  model.add(layers.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: "same" }));
  model.add(layers.flatten());
  model.add(layers.dropout({ rate: 0.3, seed: 7 }));
  model.add(layers.dense({ units: 5, biasInitializer: "randomNormal" }));
  model.add(layers.activation({ activation: "relu" }));
  model.add(layers.dense({ units: 3, activation: "softmax", useBias: false }));
  return model;
}

function expectSameModel(a: Model, b: Model, x: Tensor): void {
  expect(b.name).toBe(a.name);
  expect(b.summary({ print: () => undefined })).toBe(a.summary({ print: () => undefined }));
  const wa = a.getWeights();
  b.getWeights().forEach((w, i) => expectSameFloats(w.data, wa[i]!.data, `weight ${i}`));
  expectSameFloats(b.predict(x).data, a.predict(x).data, "prediction");
}

describe.each([
  ["LeNet-5", () => lenet5({ seed: 3 }), [28, 28, 1]],
  ["every layer and option", variedModel, [11, 9, 2]],
] as [string, () => Sequential, number[]][])("Sequential round trip: %s", (_, make, inputShape) => {
  it("in memory: same summary, weights and predictions; saving again gives the same bytes", async () => {
    const model = make();
    const saved = await saveSequential(model);
    const again = await loadSequential({ modelJson: JSON.stringify(saved.modelJson), weights: saved.weights });
    expectSameModel(model, again, randomInput(3, inputShape, 1));
    const resaved = await saveSequential(again);
    expect(resaved.modelJson).toEqual(saved.modelJson);
    expectSameFloats(new Float32Array(resaved.weights), new Float32Array(saved.weights), "weights.bin");
    model.dispose();
    again.dispose();
  });

  it("through file://", async () => {
    const model = make();
    const dir = join(root, `m-${inputShape.join("x")}`);
    await saveSequential(model, `file://${dir}`);
    const again = await loadSequential(`file://${join(dir, "model.json")}`);
    expectSameModel(model, again, randomInput(2, inputShape, 2));
    model.dispose();
    again.dispose();
  });
});

describe("a failed load", () => {
  const truncated = (w: ArrayBuffer) => w.slice(0, w.byteLength - 4);
  const nan = (w: ArrayBuffer) => { const c = w.slice(0); new Float32Array(c)[100] = NaN; return c; };
  const mismatch = "loadModel: source.weights does not match source.modelJson: the files come from different saves or source.weights is damaged";
  it.each([
    ["truncated weights", truncated, true, mismatch],
    ["a NaN weight", nan, true, mismatch],
    // Without the fingerprint (a TF.js file), the size and value checks catch the same damage.
    ["truncated weights, no fingerprint", truncated, false, "weights data is truncated"],
    ["a NaN weight, no fingerprint", nan, false, "load: weight conv2d/kernel has NaN at index 100"],
  ])("(%s) throws and allocates no wasm memory", async (_, damage, fingerprinted, message) => {
    const model = lenet5({ seed: 1 });
    const saved = await saveSequential(model);
    model.dispose();
    const core = getCore();
    const before = { live: core.liveBuffers, bytes: core.memoryBytes };
    const modelJson = fingerprinted ? saved.modelJson : withoutFingerprint(saved.modelJson);
    await expect(loadSequential({ modelJson, weights: damage(saved.weights) })).rejects.toThrow(message);
    expect({ live: core.liveBuffers, bytes: core.memoryBytes }).toEqual(before);
  });
});

function tfPredict(model: tfl.LayersModel, x: Tensor): Float32Array {
  const input = tf.tensor(x.data, [...x.shape]);
  const out = model.predict(input) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  return values;
}

describe("interop with TensorFlow.js 4.22", () => {
  it("our saved LeNet-5 loads in tfjs-layers and predicts the same within 1e-5", async () => {
    const model = lenet5({ seed: 11 });
    const saved = await saveSequential(model);
    const theirs = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: saved.modelJson.modelTopology, weightSpecs: saved.modelJson.weightsManifest[0]!.weights, weightData: saved.weights }),
    );
    const x = randomInput(8, [28, 28, 1], 4);
    expectClose(tfPredict(theirs, x), model.predict(x).data, "prediction", 0, 1e-5);
    theirs.dispose();
    model.dispose();
  });

  it("a LeNet-5 built and saved by tfjs-layers loads here and predicts the same within 1e-5", async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 6, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
        tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
        tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
        tfl.layers.averagePooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 120, activation: "relu", biasInitializer: "randomNormal" }),
        tfl.layers.dense({ units: 84, activation: "relu", biasInitializer: "randomUniform" }),
        tfl.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const { modelTopology, weightSpecs, weightData } = artifacts!;
    const ours = await loadSequential({ modelJson: { modelTopology: modelTopology!, weightsManifest: [{ paths: ["weights.bin"], weights: weightSpecs! }] }, weights: weightData as ArrayBuffer });
    expect(ours.countParams()).toBe(61706);
    const x = randomInput(8, [28, 28, 1], 6);
    expectClose(ours.predict(x).data, tfPredict(theirs, x), "prediction", 0, 1e-5);
    ours.dispose();
    theirs.dispose();
  });
});
