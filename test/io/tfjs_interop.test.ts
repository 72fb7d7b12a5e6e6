/**
 * Interop with TensorFlow.js 4.22 in one process, at the format level: a model saved here
 * loads in tfjs-layers and predicts what its file means (the naive reference forward
 * pass), and a model saved by tfjs-layers loads here with the same weights and meaning.
 * Our files' weights fingerprint (userDefinedMetadata) does not get in TF.js's way, and
 * TF.js's files, which have none, load here unchecked.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelParts, saveModel } from "../../ts/io/handlers.js";
import { type LayerDescriptor, topologyFromKeras, topologyToKeras } from "../../ts/io/topology.js";
import type { Tensor } from "../../ts/tensor.js";
import { expectClose } from "../helpers/assert.js";
import { fakeModel, lenetDescriptors, randomInput, randomWeights, variedDescriptors } from "./fixtures.js";
import { referenceForward } from "./reference_forward.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-tfjs-interop-"));
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** TF.js's reading of a model.json and its weight files in `dir` (what its file loaders do). */
function tfFileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const modelJson = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const data = Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
        return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
      });
    },
  };
}

function tfPredict(model: tfl.LayersModel, x: Tensor): Float32Array {
  const input = tf.tensor(x.data, [...x.shape]);
  const out = model.predict(input) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  return values;
}

/** Saves a tfjs-layers model through a save handler and returns its artifacts. */
async function tfArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return captured!;
}

describe.each([
  ["LeNet-5", lenetDescriptors, [28, 28, 1]],
  ["every layer and option", variedDescriptors, [11, 9, 2]],
] as [string, () => LayerDescriptor[], number[]][])("simdnet -> TF.js: %s", (_, describeLayers, inputShape) => {
  it("loads in tfjs-layers with our weights and predicts what the file means", async () => {
    const layers = describeLayers();
    const weights = randomWeights(layers, 11);
    const saved = await saveModel(fakeModel(layers, weights));
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: saved.modelJson.modelTopology, weightSpecs: saved.modelJson.weightsManifest[0]!.weights, weightData: saved.weights }),
    );
    expect(model.layers.map((l) => l.name)).toEqual(layers.map((l) => l.name));
    const tfWeights = model.getWeights();
    expect(tfWeights.length).toBe(weights.length);
    tfWeights.forEach((w, i) => expectClose(w.dataSync(), weights[i]!.data, `weight ${i}`, 0, 0));
    const x = randomInput(3, inputShape, 5);
    const meaning = topologyFromKeras(saved.modelJson.modelTopology).layers;
    expectClose(tfPredict(model, x), referenceForward(meaning, weights, x).data, "prediction", 0, 1e-5);
    model.dispose();
  });
});

describe("files on disk", () => {
  it("TF.js loads our model.json and weights.bin, fingerprint included, and predicts what they mean", async () => {
    const layers = lenetDescriptors();
    const weights = randomWeights(layers, 12);
    const dir = join(root, "ours");
    const saved = await saveModel(fakeModel(layers, weights), `file://${dir}`);
    const model = await tfl.loadLayersModel(tfFileHandler(dir));
    expect(model.getUserDefinedMetadata()).toEqual(saved.modelJson.userDefinedMetadata);
    expect(Object.keys((saved.modelJson.userDefinedMetadata as { simdnet: object }).simdnet).sort()).toEqual(["weightsBytes", "weightsCrc32"]);
    model.getWeights().forEach((w, i) => expectClose(w.dataSync(), weights[i]!.data, `weight ${i}`, 0, 0));
    const x = randomInput(2, [28, 28, 1], 13);
    expectClose(tfPredict(model, x), referenceForward(topologyFromKeras(saved.modelJson.modelTopology).layers, weights, x).data, "prediction", 0, 1e-5);
    model.dispose();
  });

  it("a model.json and weight shards as TF.js writes them (no fingerprint) load here", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [7, 7, 2] }), tfl.layers.flatten(), tfl.layers.dense({ units: 4 })] });
    const artifacts = await tfArtifacts(model);
    expect(artifacts.userDefinedMetadata).toBeUndefined();
    const dir = join(root, "theirs");
    const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
    mkdirSync(dir);
    writeFileSync(join(dir, "group1-shard1of2.bin"), bytes.subarray(0, 100));
    writeFileSync(join(dir, "group1-shard2of2.bin"), bytes.subarray(100));
    const { modelTopology, format, generatedBy, convertedBy, weightSpecs } = artifacts;
    writeFileSync(join(dir, "model.json"), JSON.stringify({ modelTopology, format, generatedBy, convertedBy, weightsManifest: [{ paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"], weights: weightSpecs }] }));
    const parts = await loadModelParts(`file://${dir}`);
    const tfWeights = model.getWeights();
    parts.weights.forEach((w, i) => expectClose(w.data, tfWeights[i]!.dataSync(), `weight ${i}`, 0, 0));
    model.dispose();
  });
});

describe("TF.js -> simdnet", () => {
  it("loads a LeNet-5 built and saved by tfjs-layers, with its weights and meaning", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 6, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
        tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
        tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.25 }),
        tfl.layers.dense({ units: 120, activation: "relu", biasInitializer: "randomNormal" }),
        tfl.layers.dense({ units: 84, activation: "tanh", kernelInitializer: "heUniform" }),
        tfl.layers.activation({ activation: "sigmoid" }),
        tfl.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    const artifacts = await tfArtifacts(model);
    const parts = await loadModelParts({
      modelJson: JSON.stringify({ ...artifacts, weightData: undefined, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }] }),
      weights: artifacts.weightData as ArrayBuffer,
    });
    expect(parts.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.getClassName()));
    expect(parts.layers[0]!.config).toMatchObject({ filters: 6, kernelSize: [5, 5], strides: [1, 1], padding: "same", inputShape: [28, 28, 1], kernelInitializer: "glorotNormal" });
    expect(parts.layers[7]!.config.kernelInitializer).toBe("heUniform");
    const tfWeights = model.getWeights();
    expect(parts.weights.map((w) => w.shape)).toEqual(tfWeights.map((w) => w.shape));
    parts.weights.forEach((w, i) => expectClose(w.data, tfWeights[i]!.dataSync(), `weight ${i}`, 0, 0));
    const x = randomInput(4, [28, 28, 1], 9);
    expectClose(referenceForward(parts.layers, parts.weights, x).data, tfPredict(model, x), "prediction", 0, 1e-5);
    model.dispose();
  });

  it("writes the same config keys per layer class as tfjs-layers", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.averagePooling2d({ poolSize: 1 }),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.1 }),
        tfl.layers.dense({ units: 2 }),
        tfl.layers.activation({ activation: "relu" }),
      ],
    });
    const theirs = ((await tfArtifacts(model)).modelTopology as any).config.layers;
    const mine = (topologyToKeras(topologyFromKeras({ class_name: "Sequential", config: { layers: theirs } })) as any).config.layers;
    const keys = (layers: any[]) => layers.map((l) => [l.class_name, Object.keys(l.config).sort()]);
    expect(keys(mine)).toEqual(keys(theirs));
    model.dispose();
  });

  it("reads an explicit InputLayer as newer Keras writes it", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.inputLayer({ inputShape: [6, 6, 2] }), tfl.layers.conv2d({ filters: 2, kernelSize: 3 }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })],
    });
    const artifacts = await tfArtifacts(model);
    const parts = await loadModelParts({
      modelJson: { modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ["w.bin"], weights: artifacts.weightSpecs }] },
      weights: new Uint8Array(artifacts.weightData as ArrayBuffer),
    });
    expect(parts.layers.map((l) => l.className)).toEqual(["Conv2D", "Flatten", "Dense"]);
    expect(parts.layers[0]!.config.inputShape).toEqual([6, 6, 2]);
    const x = randomInput(2, [6, 6, 2], 3);
    expectClose(referenceForward(parts.layers, parts.weights, x).data, tfPredict(model, x), "prediction", 0, 1e-5);
    model.dispose();
  });
});
