/**
 * Functional models through save and load: the same layers, order, weights, summary and
 * predictions back, the same bytes when saved again; a checkpoint (with the optimizer)
 * taken by modelCheckpoint resumes bit for bit; workers train a graph as one thread does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { loadSequential as loadModel, saveSequential as saveModel } from "../../ts/io/sequential_io.js";
import type { Model } from "../../ts/model/model.js";
import { Model as FunctionalModel } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { batchFor, mergeNet, residualNet } from "./graphs.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-graph-io-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bits = (m: Model) => m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.slice().buffer)));

describe("functional save and load", () => {
  it.each([["residual", residualNet], ["merges", mergeNet]] as const)("%s: file round trip keeps layers, weights, summary, predictions and bytes", async (name, make) => {
    const model = make(31);
    const dir = join(root, name);
    const saved = await model.save(`file://${dir}`);
    const again = await loadModel(`file://${dir}`);
    expect(again).toBeInstanceOf(FunctionalModel);
    expect(again).not.toBeInstanceOf(Sequential);
    expect(again.name).toBe(model.name);
    expect(again.layers.map((l) => `${l.name}:${l.className}`)).toEqual(model.layers.map((l) => `${l.name}:${l.className}`));
    expect(bits(again)).toEqual(bits(model));
    expect(again.summary({ print: () => {} })).toBe(model.summary({ print: () => {} }));
    const { x } = batchFor(model, "meanSquaredError", 3, 1);
    expectClose(again.predict(x).data, model.predict(x).data, "prediction", 0, 0);
    const resaved = await saveModel(again);
    expect(resaved.modelJson).toEqual(saved.modelJson);
    expect(new Uint8Array(resaved.weights)).toEqual(new Uint8Array(saved.weights));
    model.dispose();
    again.dispose();
  });

  it("a checkpoint of a functional model resumes bit for bit (4 epochs = 2 + 2)", async () => {
    const { x, y } = batchFor(residualNet(0), "categoricalCrossentropy", 17, 4);
    const make = () => {
      const m = residualNet(5);
      m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      return m;
    };
    const fitArgs = { epochs: 4, batchSize: 4, seed: 2, verbose: 0 as const };
    const straight = make();
    const h = await straight.fit(x, y, fitArgs);
    const dir = join(root, "checkpoint");
    const interrupted = make();
    const stop = { onEpochEnd: (epoch: number) => { if (epoch === 1) throw new Error("power cut"); } };
    await expect(interrupted.fit(x, y, { ...fitArgs, callbacks: [callbacks.modelCheckpoint({ path: `file://${dir}`, saveOptimizer: true }), stop] })).rejects.toThrow("power cut");
    interrupted.dispose();
    const resumed = await loadModel(`file://${dir}`);
    expect(resumed.epochsTrained).toBe(2);
    const h2 = await resumed.fit(x, y, { ...fitArgs, initialEpoch: resumed.epochsTrained });
    expect(h2.history.loss).toEqual(h.history.loss!.slice(2));
    expect(bits(resumed)).toEqual(bits(straight));
    straight.dispose();
    resumed.dispose();
  });
});

describe("workers train a graph", () => {
  it("fit({ workers: 2 }) on a residual model matches one worker up to float rounding", async () => {
    const { x, y } = batchFor(residualNet(0), "categoricalCrossentropy", 24, 6);
    const run = async (workers: number) => {
      const m = residualNet(8);
      m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 8, seed: 1, verbose: 0, workers });
      const w = m.getWeights();
      m.dispose();
      return { loss: h.history.loss!, w };
    };
    const one = await run(1);
    const two = await run(2);
    expectClose(two.loss, one.loss, "loss", 1e-5, 1e-6);
    two.w.forEach((t, i) => expectClose(t.data, one.w[i]!.data, `weight ${i}`, 1e-4, 1e-6));
  });
});
