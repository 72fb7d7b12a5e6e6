/**
 * Sequential.activations: every layer's output from one inference pass. Each entry is
 * checked against `predict` of a prefix model (the first i+1 layers, same weights), on
 * random shapes and batch sizes that split the input into several chunks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

/** Fresh layers of one random architecture; calling it twice gives the same configs. */
function architecture(next: () => number): () => Layer[] {
  const h = randomInt(next, 6, 11);
  const w = randomInt(next, 6, 11);
  const c = randomInt(next, 1, 3);
  const f1 = randomInt(next, 1, 4);
  const f2 = randomInt(next, 1, 4);
  const units = randomInt(next, 2, 6);
  const classes = randomInt(next, 2, 5);
  return () => [
    layers.conv2d({ filters: f1, kernelSize: 3, padding: "same", activation: "relu", inputShape: [h, w, c] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: f2, kernelSize: 2, activation: "tanh" }),
    layers.averagePooling2d({ poolSize: 1 }),
    layers.flatten(),
    layers.dense({ units, activation: "relu" }),
    layers.dropout({ rate: 0.5 }),
    layers.dense({ units: classes, activation: "softmax" }),
  ];
}

/** A model of the first `count` layers of `full`, with its weights. */
function prefix(full: Sequential, make: () => Layer[], count: number): Sequential {
  const model = new Sequential({ layers: make().slice(0, count) });
  model.setWeights(full.layers.slice(0, count).flatMap((l) => l.getWeights()));
  return model;
}

function images(next: () => number, n: number, shape: readonly number[]): Tensor {
  return { data: randomArray(next, n * shape.reduce((a, b) => a * b, 1)), shape: [n, ...shape] };
}

describe("Sequential.activations", () => {
  it("gives each layer's output: entry i equals predict of the first i+1 layers", () => {
    const next = rng(11);
    for (let trial = 0; trial < 6; trial++) {
      const make = architecture(next);
      const model = new Sequential({ seed: trial, layers: make() });
      const n = randomInt(next, 1, 9);
      const x = images(next, n, model.inputShape!);
      const batchSize = randomInt(next, 1, 4); // several chunks, the last one short
      const outs = model.activations(x, { batchSize });
      expect(outs.length).toBe(model.layers.length);
      outs.forEach((out, i) => {
        expect(out.shape).toEqual([n, ...model.layers[i]!.outputShape!]);
        const want = prefix(model, make, i + 1).predict(x);
        expect(out.data.length).toBe(want.data.length);
        for (let k = 0; k < want.data.length; k++) expect(out.data[k]).toBeCloseTo(want.data[k]!, 6);
      });
      // The last entry is predict's answer, bit for bit.
      expect(outs[outs.length - 1]!.data).toEqual(model.predict(x).data);
    }
  });

  it("returns empty tensors for zero samples", () => {
    const make = architecture(rng(3));
    const model = new Sequential({ seed: 1, layers: make() });
    const outs = model.activations({ data: new Float32Array(0), shape: [0, ...model.inputShape!] });
    outs.forEach((out, i) => expect(out.shape).toEqual([0, ...model.layers[i]!.outputShape!]));
  });

  it("can be called between batches of fit without changing what fit does", async () => {
    const next = rng(5);
    const make = architecture(next);
    const x = images(next, 24, new Sequential({ layers: make() }).inputShape!);
    const y: Tensor = { data: Float32Array.from({ length: 24 }, (_, i) => i % 2), shape: [24] };
    const train = async (peek: boolean): Promise<Float32Array[]> => {
      const model = new Sequential({ seed: 9, layers: make() });
      model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
      const probe = images(rng(1), 1, model.inputShape!);
      await model.fit(x, y, {
        epochs: 2, batchSize: 5, validationSplit: 0.25, seed: 4, verbose: 0,
        callbacks: [{ onBatchEnd: () => void (peek && model.activations(probe)) }],
      });
      return model.getWeights().map((t) => t.data);
    };
    expect(await train(true)).toEqual(await train(false));
  });

  it("rejects bad input by name, and an empty model", () => {
    const model = new Sequential({ seed: 1, layers: architecture(rng(2))() });
    expect(() => model.activations({ data: new Float32Array(5), shape: [1, 5] })).toThrow(/activations: x/);
    expect(() => model.activations(images(rng(1), 1, model.inputShape!), { batchSize: 0 })).toThrow(/activations: .*batchSize/);
    expect(() => new Sequential().activations({ data: new Float32Array(1), shape: [1, 1] })).toThrow(
      "activations: the model has no layers; add some first",
    );
  });
});
