/**
 * Interrupted training: ModelCheckpoint saves at each epoch end with the optimizer's
 * state, and a model loaded from the checkpoint resumes with `initialEpoch` to exactly
 * the weights of an uninterrupted run (bit for bit: the shuffle stream is replayed and
 * the dropout masks depend only on the fit seed and the restored step count).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers, type Optimizer } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { noiseData, tinyConvNet, weightBits } from "../helpers/models.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-checkpoint-"));
beforeAll(async () => {
  await init();
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function model(optimizer: Optimizer): Sequential {
  const m = tinyConvNet({ seed: 3, filters: 3, padding: "same", dropout: 0.3 });
  m.compile({ optimizer, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

const OPTIMIZERS: [string, () => Optimizer][] = [
  ["adam", () => optimizers.adam({ learningRate: 0.01 })],
  ["sgd with nesterov momentum", () => optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
  ["rmsprop with momentum", () => optimizers.rmsprop({ learningRate: 0.005, momentum: 0.5 })],
  ["plain sgd (no state)", () => optimizers.sgd({ learningRate: 0.05 })],
];

describe("checkpoint and resume", () => {
  it.each(OPTIMIZERS)("%s: 2 epochs, crash, resume for 2 = 4 epochs straight, bit for bit", async (name, make) => {
    const { x, y } = noiseData(23, 21);
    const fitArgs = { epochs: 4, batchSize: 5, seed: 9, verbose: 0 as const, validationSplit: 0.2 };
    const straight = model(make());
    const h = await straight.fit(x, y, fitArgs);
    expect(straight.epochsTrained).toBe(4);

    const dir = join(root, name.replace(/\W+/g, "-"));
    const interrupted = model(make());
    const crash = { onEpochEnd: (epoch: number) => { if (epoch === 1) throw new Error("power cut"); } };
    const checkpoint = callbacks.modelCheckpoint({ path: `file://${dir}`, saveOptimizer: true });
    await expect(interrupted.fit(x, y, { ...fitArgs, callbacks: [checkpoint, crash] })).rejects.toThrow("power cut");
    expect(checkpoint.saved).toEqual([0, 1]);
    interrupted.dispose();
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);

    const resumed = await loadSequential(`file://${join(dir, "model.json")}`);
    expect(resumed.epochsTrained).toBe(2);
    expect(resumed.optimizer!.getConfig()).toEqual(make().getConfig());
    const h2 = await resumed.fit(x, y, { ...fitArgs, initialEpoch: resumed.epochsTrained });
    expect(h2.epoch).toEqual([2, 3]);
    expect(h2.history.loss).toEqual(h.history.loss!.slice(2));
    expect(weightBits(resumed)).toEqual(weightBits(straight));
    straight.dispose();
    resumed.dispose();
  });

  it("without the optimizer state, a resumed Adam run differs (the state matters)", async () => {
    const { x, y } = noiseData(23, 21);
    const fitArgs = { epochs: 4, batchSize: 5, seed: 9, verbose: 0 as const };
    const straight = model(optimizers.adam({ learningRate: 0.01 }));
    await straight.fit(x, y, fitArgs);
    const dir = join(root, "weights-only");
    const first = model(optimizers.adam({ learningRate: 0.01 }));
    await first.fit(x, y, { ...fitArgs, epochs: 2, callbacks: [callbacks.modelCheckpoint({ path: `file://${dir}`, saveOptimizer: false })] });
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.trainingConfig).toBeUndefined();
    const again = await loadSequential(`file://${dir}`);
    expect(again.optimizer).toBeNull();
    again.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy" });
    await again.fit(x, y, { ...fitArgs, initialEpoch: 2 });
    expect(weightBits(again)).not.toEqual(weightBits(straight));
    for (const m of [straight, first, again]) m.dispose();
  });

  it("writes the optimizer state as TF.js does (trainingConfig, group \"optimizer\", iter first), and TF.js loads it", async () => {
    const { x, y } = noiseData(10, 21);
    const m = model(optimizers.adam({ learningRate: 0.01 }));
    await m.fit(x, y, { epochs: 1, batchSize: 5, seed: 1, verbose: 0 });
    const saved = await m.save(undefined, { includeOptimizer: true });
    const json = saved.modelJson;
    expect(json.trainingConfig).toEqual({
      loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"],
      optimizer_config: { class_name: "Adam", config: { learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } },
    });
    const specs = json.weightsManifest[0]!.weights as { name: string; shape: number[]; dtype: string; group?: string }[];
    const opt = specs.filter((s) => s.group === "optimizer");
    expect(opt.map((s) => s.name)).toEqual(["iter", "conv2d/kernel/m", "conv2d/bias/m", "dense/kernel/m", "dense/bias/m", "conv2d/kernel/v", "conv2d/bias/v", "dense/kernel/v", "dense/bias/v"]);
    expect(opt[0]).toEqual({ name: "iter", shape: [], dtype: "int32", group: "optimizer" });
    expect(new Int32Array(saved.weights.slice(saved.weights.byteLength - 4 * (1 + 2 * m.countParams()), saved.weights.byteLength - 8 * m.countParams()))[0]).toBe(2);

    const theirs = await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: saved.weights,
      trainingConfig: json.trainingConfig as unknown as tf.io.TrainingConfig,
    }));
    const input = tf.tensor(x.data, [...x.shape]);
    const out = theirs.predict(input) as tf.Tensor;
    const ours = m.predict(x).data;
    const got = out.dataSync();
    for (let i = 0; i < ours.length; i++) expect(Math.abs(got[i]! - ours[i]!)).toBeLessThan(1e-5);
    expect(theirs.optimizer.getClassName()).toBe("Adam");
    tf.dispose([input, out]);
    theirs.dispose();
    m.dispose();
  });

  it("a bad option or a model that cannot save is refused up front", () => {
    expect(() => callbacks.modelCheckpoint({ path: "./dir" })).toThrow('callbacks.modelCheckpoint: path must be "file://<directory>", received "./dir"');
    expect(() => callbacks.modelCheckpoint({ path: "file://d", saveBestOnly: true } as never)).toThrow('callbacks.modelCheckpoint: unknown option "saveBestOnly"');
    expect(() => callbacks.modelCheckpoint({ path: "file://d", saveOptimizer: 1 as never })).toThrow("saveOptimizer must be true or false, received 1");
    const cb = callbacks.modelCheckpoint({ path: "file://d" });
    expect(() => cb.setModel({ stopTraining: false, learningRate: 1, getWeights: () => [], setWeights: () => undefined })).toThrow("this model cannot be saved");
  });

  it("fit checks initialEpoch", async () => {
    const m = model(optimizers.sgd());
    const { x, y } = noiseData(5, 21);
    await expect(m.fit(x, y, { epochs: 2, initialEpoch: 2 })).rejects.toThrow("fit: initialEpoch must be a whole number in [0, epochs) = [0, 2), received 2");
    await expect(m.fit(x, y, { epochs: 2, initialEpoch: -1 })).rejects.toThrow("received -1");
    m.dispose();
  });
});
