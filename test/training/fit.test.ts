/**
 * The fit loop: determinism by seed, callbacks in Keras's order with the right logs,
 * async callbacks, stopTraining and learning-rate changes, validation, batch sources,
 * and wasm memory that stays constant over repeated fit/predict/evaluate calls.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Callback, Logs } from "../../ts/callbacks/callback.js";
import { callbacks } from "../../ts/callbacks/index.js";
import { arraySource } from "../../ts/data/array_source.js";
import { toCategorical } from "../../ts/data/one_hot.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { thirdsData, tinyConvNet, weightBits } from "../helpers/models.js";

beforeAll(async () => {
  await init();
});

/** A small conv net with dropout, so that every random choice is exercised. */
function model(seed: number): Sequential {
  const m = tinyConvNet({ seed, filters: 3, padding: "same", dropout: 0.3 });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

describe("fit: determinism", () => {
  it("same model seed, same initial weights; different seed, different weights", () => {
    expect(weightBits(model(7))).toEqual(weightBits(model(7)));
    expect(weightBits(model(7))).not.toEqual(weightBits(model(8)));
  });

  it("same seeds give bit-identical weights after training; another fit seed differs", async () => {
    const { x, y } = thirdsData(40, 1);
    const a = model(3);
    const b = model(3);
    const c = model(3);
    await a.fit(x, y, { epochs: 2, batchSize: 8, seed: 11, verbose: 0 });
    await b.fit(x, y, { epochs: 2, batchSize: 8, seed: 11, verbose: 0 });
    await c.fit(x, y, { epochs: 2, batchSize: 8, seed: 12, verbose: 0 });
    expect(weightBits(a)).toEqual(weightBits(b));
    expect(weightBits(a)).not.toEqual(weightBits(c));
  });

  it("learns the toy task", async () => {
    const { x, y } = thirdsData(90, 2);
    const m = model(4);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 10, seed: 1, verbose: 0 });
    expect(h.history.loss![14]!).toBeLessThan(h.history.loss![0]!);
    const test = thirdsData(30, 3);
    expect(m.evaluate(test.x, test.y).accuracy).toBeGreaterThan(0.9);
  });
});

describe("fit: callbacks and logs", () => {
  it("calls hooks in Keras's order with the right logs", async () => {
    const { x, y } = thirdsData(12, 5);
    const events: string[] = [];
    const epochLogs: Logs[] = [];
    const recorder: Callback = {
      setModel: () => events.push("setModel"),
      setParams: (p) => events.push(`setParams ${p.epochs} ${p.steps}`),
      onTrainBegin: () => { events.push("trainBegin"); },
      onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
      onBatchBegin: (b, logs) => { events.push(`batchBegin ${b} ${logs?.size}`); },
      onBatchEnd: (b, logs) => { events.push(`batchEnd ${b} ${logs.size}`); expect(Number.isFinite(logs.loss)).toBe(true); },
      onEpochEnd: (e, logs) => { events.push(`epochEnd ${e}`); epochLogs.push({ ...logs }); },
      onTrainEnd: () => { events.push("trainEnd"); },
    };
    // 12 samples, split 0.25 from the end: 9 train, 3 validation; batches 4, 4, 1.
    const h = await model(1).fit(x, y, { epochs: 2, batchSize: 4, validationSplit: 0.25, callbacks: [recorder], verbose: 0, seed: 1 });
    const epoch = (e: number) => [`epochBegin ${e}`, "batchBegin 0 4", "batchEnd 0 4", "batchBegin 1 4", "batchEnd 1 4", "batchBegin 2 1", "batchEnd 2 1", `epochEnd ${e}`];
    expect(events).toEqual(["setModel", "setParams 2 3", "trainBegin", ...epoch(0), ...epoch(1), "trainEnd"]);
    for (const logs of epochLogs) expect(Object.keys(logs).sort()).toEqual(["accuracy", "loss", "val_accuracy", "val_loss"]);
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.loss).toEqual(epochLogs.map((l) => l.loss));
    expect(h.history.val_accuracy).toEqual(epochLogs.map((l) => l.val_accuracy));
  });

  it("validation logs equal evaluate on the held-out end of the data", async () => {
    const { x, y } = thirdsData(20, 6);
    const m = model(2);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 5, validationSplit: 0.2, verbose: 0, seed: 3 });
    const tail = { data: x.data.slice(16 * 36), shape: [4, 6, 6, 1] };
    const tailY = { data: y.data.slice(16), shape: [4] };
    const ev = m.evaluate(tail, tailY);
    expect(h.history.val_loss![0]).toBeCloseTo(ev.loss, 6);
    expect(h.history.val_accuracy![0]).toBe(ev.accuracy);
  });

  it("awaits async callbacks before going on", async () => {
    const { x, y } = thirdsData(8, 7);
    const order: string[] = [];
    const slow: Callback = {
      onEpochEnd: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        order.push(`slow end ${e}`);
      },
    };
    const after: Callback = { onEpochEnd: (e) => { order.push(`after ${e}`); }, onEpochBegin: (e) => { order.push(`begin ${e}`); } };
    await model(1).fit(x, y, { epochs: 2, batchSize: 8, callbacks: [slow, after], verbose: 0 });
    expect(order).toEqual(["begin 0", "slow end 0", "after 0", "begin 1", "slow end 1", "after 1"]);
  });

  it("stops when a callback sets stopTraining, and applies learning-rate changes", async () => {
    const { x, y } = thirdsData(16, 8);
    const m = model(1);
    const seen: number[] = [];
    const cb: Callback & { model?: { stopTraining: boolean; learningRate: number } } = {
      setModel(model) { this.model = model; },
      onEpochEnd(epoch) {
        seen.push(this.model!.learningRate);
        this.model!.learningRate /= 2;
        if (epoch === 2) this.model!.stopTraining = true;
      },
    };
    const h = await m.fit(x, y, { epochs: 10, batchSize: 4, callbacks: [cb], verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(seen).toEqual([0.01, 0.005, 0.0025]);
    expect(m.optimizer!.learningRate).toBe(0.00125);
    const early = await m.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0, callbacks: [callbacks.earlyStopping({ monitor: "loss", patience: 0, minDelta: 10 })] });
    expect(early.epoch).toEqual([0, 1]);
  });

  it("prints one line per epoch with verbose 1", async () => {
    const { x, y } = thirdsData(8, 9);
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      await model(1).fit(x, y, { epochs: 2, batchSize: 4 });
    } finally {
      console.log = log;
    }
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - \d+\.\ds - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
  });
});

describe("fit: data sources and labels", () => {
  it("trains on a BatchSource like on the same arrays", async () => {
    const { x, y } = thirdsData(24, 10);
    const a = model(5);
    const b = model(5);
    await a.fit(arraySource(x, y, { batchSize: 6, shuffle: false }), { epochs: 2, verbose: 0, seed: 1 });
    await b.fit(x, y, { epochs: 2, batchSize: 6, shuffle: false, verbose: 0, seed: 1 });
    expect(weightBits(a)).toEqual(weightBits(b));
  });

  it("sparse indices and one-hot rows train identically", async () => {
    const { x, y } = thirdsData(18, 11);
    const a = model(6);
    const b = model(6);
    b.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    await a.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0, seed: 2 });
    await b.fit(x, toCategorical(y, 3), { epochs: 2, batchSize: 5, verbose: 0, seed: 2 });
    expect(weightBits(a)).toEqual(weightBits(b));
  });

  it("rejects a BatchSource whose label is out of range, restoring the weights", async () => {
    const { x, y } = thirdsData(8, 12);
    const bad = { data: new Float32Array(y.data), shape: y.shape };
    bad.data[6] = 3;
    const m = model(1);
    const before = weightBits(m);
    await expect(m.fit(arraySource(x, bad, { batchSize: 4, shuffle: false }), { epochs: 1, verbose: 0 })).rejects.toThrow(
      "fit: the batch source's label[6] is 3, expected a class index: a whole number in [0, 3)",
    );
    expect(weightBits(m)).toEqual(before);
    const wrongShape = arraySource({ data: new Float32Array(8 * 25), shape: [8, 5, 5, 1] }, y, { batchSize: 4 });
    await expect(m.fit(wrongShape, { verbose: 0 })).rejects.toThrow("fit: the batch source's samples have shape [5, 5, 1], expected [6, 6, 1] (the model's input shape)");
  });

  it("rejects shuffle with a BatchSource instead of ignoring it", async () => {
    const { x, y } = thirdsData(8, 12);
    const m = model(1);
    await expect(m.fit(arraySource(x, y, { batchSize: 4 }), { shuffle: false, verbose: 0 })).rejects.toThrow(
      "fit: shuffle does not apply to a BatchSource, which decides its own order (pass shuffle to flow() or arraySource())",
    );
  });

  it("predicts the same in any chunk size, and softmax rows sum to 1", () => {
    const { x } = thirdsData(37, 13);
    const m = model(2);
    const p1 = m.predict(x, { batchSize: 1 });
    const p32 = m.predict(x);
    const p64 = m.predict(x, { batchSize: 64 });
    expect(p1.shape).toEqual([37, 3]);
    expect(Array.from(p32.data)).toEqual(Array.from(p1.data));
    expect(Array.from(p64.data)).toEqual(Array.from(p1.data));
    for (let i = 0; i < 37; i++) expect(p1.data[i * 3]! + p1.data[i * 3 + 1]! + p1.data[i * 3 + 2]!).toBeCloseTo(1, 5);
  });
});

describe("fit: memory", () => {
  it("stays constant over repeated fit, predict and evaluate", async () => {
    const core = getCore();
    const { x, y } = thirdsData(30, 14);
    const m = model(3);
    const cycle = async () => {
      await m.fit(x, y, { epochs: 1, batchSize: 8, validationSplit: 0.2, verbose: 0 });
      m.predict(x, { batchSize: 5 });
      m.evaluate(x, y, { batchSize: 16 });
    };
    await cycle();
    const bytes = core.memoryBytes;
    const live = core.liveBuffers;
    for (let i = 0; i < 5; i++) await cycle();
    expect(core.memoryBytes).toBe(bytes);
    expect(core.liveBuffers).toBe(live);
    m.dispose();
    expect(core.liveBuffers).toBe(live - 4); // params, grads, optimizer state, arena
  });

  it("keeps the weights when layers are added after they exist", () => {
    const m = new Sequential({ seed: 1, layers: [layers.dense({ units: 3, inputShape: [2] })] });
    const first = m.getWeights();
    m.add(layers.dense({ units: 2 }));
    const again = m.getWeights();
    expect(again).toHaveLength(4);
    expect(Array.from(again[0]!.data)).toEqual(Array.from(first[0]!.data));
    // Same seed, built all at once: identical weights (initialization does not depend on timing).
    const twin = new Sequential({ seed: 1, layers: [layers.dense({ units: 3, inputShape: [2] }), layers.dense({ units: 2 })] });
    expect(twin.getWeights().map((w) => Array.from(w.data))).toEqual(again.map((w) => Array.from(w.data)));
  });
});
