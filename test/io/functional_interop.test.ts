/**
 * Functional models and TensorFlow.js 4.22, both ways: our Functional model.json (tf.keras
 * 2's layout: InputLayer, inbound_nodes, input_layers, output_layers) loads in
 * tfjs-layers and predicts what our model predicts; a functional model built and saved
 * by tfjs-layers (residual add, concatenate, a tensor feeding several layers) loads here
 * with its weights, in its layer order, and predicts what TF.js predicts.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSequential as loadModel, saveSequential as saveModel } from "../../ts/io/sequential_io.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { batchFor, mergeNet, residualNet } from "../graph/graphs.js";

beforeAll(async () => {
  await init();
  await tf.setBackend("cpu");
});

function tfPredict(model: tfl.LayersModel, x: Tensor): Float32Array {
  const input = tf.tensor(x.data, [...x.shape]);
  const out = model.predict(input) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  return values;
}

describe("simdnet -> TF.js", () => {
  it.each([["residual", residualNet], ["merges", mergeNet]] as const)("%s: tfjs-layers loads our Functional file and predicts what we predict", async (_, make) => {
    const model = make(21);
    const saved = await saveModel(model);
    const topology = saved.modelJson.modelTopology as { class_name: string; config: { layers: { class_name: string; inbound_nodes: unknown[] }[] } };
    expect(topology.class_name).toBe("Functional");
    expect(topology.config.layers[0]!.class_name).toBe("InputLayer");
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelJson.modelTopology, weightSpecs: saved.modelJson.weightsManifest[0]!.weights, weightData: saved.weights }));
    expect(theirs.layers.slice(1).map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const { x } = batchFor(model, "meanSquaredError", 4, 3);
    expectClose(tfPredict(theirs, x), model.predict(x).data, "prediction", 1e-4, 1e-5);
    theirs.dispose();
    model.dispose();
  });
});

describe("TF.js -> simdnet", () => {
  it("loads a functional model saved by tfjs-layers and predicts what TF.js predicts", async () => {
    const x0 = tfl.input({ shape: [6, 6, 2] });
    const a = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation: "relu" }).apply(x0) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same" }).apply(a) as tfl.SymbolicTensor;
    const s = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
    const p = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(s) as tfl.SymbolicTensor;
    const q = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(s) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([p, q]) as tfl.SymbolicTensor;
    const f = tfl.layers.flatten().apply(cat) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 4, activation: "softmax" }).apply(f) as tfl.SymbolicTensor;
    const theirs = tfl.model({ inputs: x0, outputs: out });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (a2) => {
      artifacts = a2;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const saved = artifacts! as tf.io.ModelArtifacts;
    const model = await loadModel({
      modelJson: { modelTopology: saved.modelTopology, weightsManifest: [{ paths: ["weights.bin"], weights: saved.weightSpecs }] },
      weights: saved.weightData as ArrayBuffer,
    });
    expect(model.layers.map((l) => l.className)).toEqual(theirs.layers.slice(1).map((l) => l.getClassName()));
    const tfWeights = theirs.getWeights();
    model.getWeights().forEach((w, i) => expectClose(w.data, tfWeights[i]!.dataSync(), `weight ${i}`, 0, 0));
    const x = { data: Float32Array.from({ length: 3 * 72 }, (_, i) => Math.sin(i)), shape: [3, 6, 6, 2] };
    expectClose(model.predict(x).data, tfPredict(theirs, x), "prediction", 1e-4, 1e-5);
    model.dispose();
    theirs.dispose();
  });
});
