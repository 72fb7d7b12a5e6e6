/**
 * Non-trainable weights and frozen layers: the optimizer never touches a weight marked
 * `trainable: false` nor any weight of a frozen layer (changes take effect at the next
 * compile, as in Keras); a frozen layer is told it is not learning (`pass.learning`), so
 * statistics like BatchNormalization's stay put; the summary counts both kinds;
 * getWeights keeps Keras's per-layer order; files and checkpoints carry everything.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadSequential as loadModel } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input } from "../../ts/model/symbolic.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { ScaleWithStats } from "./fake_layers.js";
import { batchFor, residualNet } from "./graphs.js";

beforeAll(async () => {
  await init();
});

const bitsOf = (ts: Tensor[]) => ts.map((t) => Array.from(new Uint32Array(t.data.slice().buffer)));

/** x [4] -> dense (4) -> ScaleWithStats -> dense (3, softmax). */
function withStats(seed: number): { model: Model; stats: ScaleWithStats } {
  const x0 = input({ shape: [4] });
  const stats = new ScaleWithStats();
  const h = stats.apply(layers.dense({ units: 4, activation: "tanh" }).apply(x0));
  const model = new Model({ inputs: x0, outputs: layers.dense({ units: 3, activation: "softmax" }).apply(h), seed });
  return { model, stats };
}

describe("non-trainable weights", () => {
  it("the optimizer skips them while the layer updates them; getWeights keeps the layer's own order", async () => {
    const { model, stats } = withStats(1);
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const { x, y } = batchFor(model, "categoricalCrossentropy", 12, 2);
    const before = model.getWeights();
    expect(before.map((w) => w.shape)).toEqual([[4, 4], [4], [4], [4], [4, 3], [3]]);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const after = model.getWeights();
    // Every trainable weight moved; `moving` holds exactly what the last forward pass put
    // there, though its gradient is 1 everywhere (an optimizer step would have changed it).
    for (const i of [0, 1, 2, 4, 5]) expect(bitsOf([after[i]!])).not.toEqual(bitsOf([before[i]!]));
    expect(bitsOf([after[3]!])).toEqual(bitsOf([{ data: stats.lastMoving!, shape: [4] }]));
    expect(stats.learning.filter((l) => l).length).toBe(6); // 3 steps per epoch, 2 epochs
    const state = model.getTrainingState()!;
    expect(state.slots[0]!.map((t) => t.shape)).toEqual([[4, 4], [4], [4], [4, 3], [3]]); // no slot for `moving`
    model.dispose();
  });

  it("are counted as Non-trainable by the summary", () => {
    const { model } = withStats(1);
    const text = model.summary({ print: () => {} });
    expect(text).toContain("Total params: 43");
    expect(text).toContain("Trainable params: 39");
    expect(text).toContain("Non-trainable params: 4");
    model.dispose();
  });
});

describe("frozen layers", () => {
  it("layer.trainable = false before compile: its weights stay bit for bit, others train, it is told it is not learning", async () => {
    const { model, stats } = withStats(3);
    model.layers[0]!.trainable = false;
    stats.trainable = false;
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const { x, y } = batchFor(model, "categoricalCrossentropy", 12, 2);
    const before = bitsOf(model.getWeights());
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const after = bitsOf(model.getWeights());
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after.slice(4)).not.toEqual(before.slice(4));
    expect(stats.learning).toEqual([false, false, false]);
    expect(model.summary({ print: () => {} })).toContain("Trainable params: 15");
    model.dispose();
  });

  it("model.trainable = false freezes everything; a change after compile waits for the next compile (as Keras)", async () => {
    const { model } = withStats(4);
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const { x, y } = batchFor(model, "categoricalCrossentropy", 8, 2);
    model.trainable = false;
    expect(model.layers.every((l) => !l.trainable)).toBe(true);
    expect(model.trainable).toBe(false);
    const w0 = bitsOf(model.getWeights());
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const w1 = bitsOf(model.getWeights());
    expect(w1[0]).not.toEqual(w0[0]); // still the compiled (trainable) layout
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0])).toBe(true);
    expect(bitsOf(model.getWeights())).toEqual(w1);
    model.trainable = true;
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(bitsOf(model.getWeights())[0]).not.toEqual(w1[0]);
    expect(() => (model.trainable = "no" as never)).toThrow("trainable: expected true or false, received no");
    model.dispose();
  });

  it("is saved as trainable: false and loads frozen", async () => {
    const model = residualNet(6);
    model.layers[1]!.trainable = false;
    const saved = await model.save();
    const entry = (saved.modelJson.modelTopology as { config: { layers: { name: string; config: { trainable: boolean } }[] } }).config.layers;
    expect(entry.map((l) => l.config.trainable)).toEqual([undefined, true, false, true, true, true]);
    const again = await loadModel(saved);
    expect(again.layers.map((l) => l.trainable)).toEqual([true, false, true, true, true]);
    expect(again.summary({ print: () => {} })).toBe(model.summary({ print: () => {} }));
    model.dispose();
    again.dispose();
  });
});
