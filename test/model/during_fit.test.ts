/**
 * Calls on a model while its fit runs (issue 12, item 3): every call that changes the
 * model's state (compile, add, dispose, setTrainingState, lossAndGradients) is refused
 * with an Error naming the call, whether it comes from a callback or from outside while
 * fit awaits an async callback, and fit goes on (or, when a callback's call failed,
 * fails with that error and puts the model back). Calls a careless user expects to work
 * during training do: predict, evaluate, summary, getWeights, setWeights (restoring best
 * weights), save (checkpoints), and setting trainable (takes effect at the next compile).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Sequential } from "../../ts/model/sequential.js";
import { init } from "../../ts/wasm/loader.js";
import { noiseData, tinyConvNet, weightBits } from "../helpers/models.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-during-fit-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function compiled(seed = 1): Sequential {
  const m = tinyConvNet({ seed, filters: 2 });
  m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

const REFUSED: [string, (m: Sequential) => unknown][] = [
  ["compile", (m) => m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" })],
  ["add", (m) => m.add(layers.dense({ units: 2 }))],
  ["dispose", (m) => m.dispose()],
  ["setTrainingState", (m) => m.setTrainingState(m.getTrainingState()!)],
  ["lossAndGradients", (m) => m.lossAndGradients({ data: new Float32Array(36), shape: [1, 6, 6, 1] }, { data: new Float32Array(1), shape: [1] }, 1, 1)],
];

describe("state-changing calls during fit are refused, naming the call", () => {
  it.each(REFUSED)("%s from a callback: fit fails with that error and the model is put back", async (op, call) => {
    const { x, y } = noiseData(12, 2);
    const m = compiled();
    const before = weightBits(m);
    const layerCount = m.layers.length;
    const cb = { onBatchEnd: (batch: number) => { if (batch === 1) call(m); } };
    await expect(m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [cb] })).rejects.toThrow(
      `${op}: the model is training (a fit call is running); call ${op} after fit resolves, or set model.stopTraining = true from a callback to end it`,
    );
    expect(m.layers).toHaveLength(layerCount);
    expect(weightBits(m)).toEqual(before);
    expect(m.epochsTrained).toBe(0);
    // The model still works: the optimizer is the one compile set, fit runs to the end.
    expect(m.optimizer!.className).toBe("Adam");
    const h = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(h.history.loss).toHaveLength(1);
    m.dispose();
  });

  it.each(REFUSED)("%s from outside while fit awaits an async callback: refused, fit finishes normally", async (op, call) => {
    const { x, y } = noiseData(12, 3);
    const m = compiled(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const waiting = new Promise<void>((r) => (entered = r));
    const cb = { onEpochEnd: async () => { entered(); await gate; } };
    const fit = m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [cb] });
    await waiting;
    expect(() => call(m)).toThrow(`${op}: the model is training (a fit call is running)`);
    release();
    const h = await fit;
    expect(h.history.loss).toHaveLength(2);
    expect(m.epochsTrained).toBe(2);
    m.dispose();
    expect(() => m.predict(x)).toThrow("predict: the model has been disposed");
  });
});

describe("calls that work during fit", () => {
  it("predict, evaluate, summary, getWeights, setWeights, save and trainable from a callback", async () => {
    const { x, y } = noiseData(12, 4);
    const m = compiled(3);
    const start = m.getWeights();
    const seen: string[] = [];
    const cb = {
      onEpochEnd: async (epoch: number) => {
        expect(m.predict(x).shape).toEqual([12, 3]);
        expect(m.evaluate(x, y).loss).toBeGreaterThan(0);
        expect(m.summary({ print: () => {} })).toContain("Total params");
        if (epoch === 0) m.setWeights(start); // as EarlyStopping's restoreBestWeights does
        await m.save(`file://${join(root, `e${epoch}`)}`);
        m.trainable = true;
        seen.push(`epoch ${epoch}`);
      },
    };
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [cb] });
    expect(seen).toEqual(["epoch 0", "epoch 1"]);
    m.dispose();
  });
});

describe("several inputs or outputs given to fit", () => {
  it("is refused clearly (one input, one output)", async () => {
    const { x, y } = noiseData(6, 5);
    const m = compiled(4);
    await expect(m.fit([x, x] as never, y, { verbose: 0 })).rejects.toThrow("fit: x is an array of 2 tensors; models with several inputs or outputs are not supported yet, so x must be one tensor { data: Float32Array, shape }");
    await expect(m.fit(x, [y, y] as never, { verbose: 0 })).rejects.toThrow("fit: y is an array of 2 tensors; models with several inputs or outputs are not supported yet");
    expect(() => m.predict([x] as never)).toThrow("predict: x is an array of 1 tensor; models with several inputs");
    m.dispose();
  });
});
