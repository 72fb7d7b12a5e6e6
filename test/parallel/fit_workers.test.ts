/**
 * `fit(..., { workers: N })` against one-worker training with the same seeds: same
 * losses, accuracies, callback sequence and final weights up to float rounding, with
 * dropout, shuffling, validation, uneven last batches, batch sources and both
 * transports; option errors; a crashing worker; no worker left running.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Callback, CallbackModel, Logs } from "../../ts/callbacks/callback.js";
import { arraySource } from "../../ts/data/array_source.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { parallelTesting } from "../../ts/parallel/data_parallel.js";
import { liveWorkers } from "../../ts/parallel/spawn.js";
import type { FitArgs } from "../../ts/training/fit.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { thirdsData } from "../helpers/models.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

afterEach(() => {
  parallelTesting.transport = null;
  parallelTesting.failAtStep = 0;
  expect(liveWorkers()).toBe(0);
});

/** A small conv net with two dropout layers (one with its own seed). */
function model(optimizer: "sgd" | "adam"): Sequential {
  const m = new Sequential({
    seed: 5,
    layers: [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu", inputShape: [6, 6, 1] }),
      layers.dropout({ rate: 0.2 }),
      layers.maxPooling2d(),
      layers.flatten(),
      layers.dense({ units: 8, activation: "relu" }),
      layers.dropout({ rate: 0.3, seed: 9 }),
      layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  const opt = optimizer === "sgd" ? optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }) : optimizers.adam({ learningRate: 0.01 });
  m.compile({ optimizer: opt, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** Every callback event with its logs, to compare runs. */
function recorder(): { events: string[]; logs: Logs[]; callback: Callback } {
  const events: string[] = [];
  const logs: Logs[] = [];
  const note = (name: string) => (i?: number | Logs, l?: Logs) => {
    events.push(typeof i === "number" ? `${name} ${i}` : name);
    const entry = (typeof i === "object" ? i : l) ?? {};
    logs.push({ ...entry });
  };
  return {
    events,
    logs,
    callback: {
      onTrainBegin: note("trainBegin"), onTrainEnd: note("trainEnd"), onEpochBegin: note("epochBegin"),
      onEpochEnd: note("epochEnd"), onBatchBegin: note("batchBegin"), onBatchEnd: note("batchEnd"),
    },
  };
}

function flatWeights(m: Sequential): Float32Array {
  return Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.data)));
}

/** Trains two identical models, with 1 and with `workers` workers, and compares everything. */
async function compareRuns(optimizer: "sgd" | "adam", workers: number, options: FitArgs, n = 50, tolerance = 1e-4): Promise<void> {
  const { x, y } = thirdsData(n, 1);
  const runs = [];
  for (const w of [1, workers]) {
    const m = model(optimizer);
    const rec = recorder();
    const h = await m.fit(x, y, { ...options, workers: w, verbose: 0, callbacks: [rec.callback] });
    runs.push({ h, rec, weights: flatWeights(m) });
    m.dispose();
  }
  const [one, many] = runs as [(typeof runs)[0], (typeof runs)[0]];
  expect(many.rec.events).toEqual(one.rec.events);
  many.rec.logs.forEach((logs, i) => {
    const expected = one.rec.logs[i]!;
    expect(Object.keys(logs)).toEqual(Object.keys(expected));
    for (const [k, v] of Object.entries(logs)) {
      if (k === "accuracy" || k === "val_accuracy" || k === "batch" || k === "size") expect(v).toBe(expected[k]);
      else expect(v).toBeCloseTo(expected[k]!, 4);
    }
  });
  expectClose(many.weights, one.weights, `weights with ${workers} workers`, tolerance, tolerance);
}

describe("fit with workers: same training as one worker", () => {
  it("SGD with momentum, dropout, shuffling and a validation split, 2 workers", async () => {
    await compareRuns("sgd", 2, { epochs: 2, batchSize: 8, validationSplit: 0.2, seed: 4 });
  });

  it("Adam, 3 workers, uneven shards and a last batch smaller than the workers", async () => {
    // 49 samples in batches of 8: the last batch holds 1 sample, so two workers sit it out.
    await compareRuns("adam", 3, { epochs: 2, batchSize: 8, seed: 6 }, 49, 2e-4);
  });

  it("the postMessage transport gives the same result", async () => {
    parallelTesting.transport = "message";
    await compareRuns("sgd", 2, { epochs: 1, batchSize: 10, seed: 2 });
  });

  it("trains from a batch source (augmentation stays on the main thread)", async () => {
    const { x, y } = thirdsData(40, 3);
    const weights = [];
    for (const workers of [1, 2]) {
      const m = model("sgd");
      await m.fit(arraySource(x, y, { batchSize: 8, seed: 12 }), { epochs: 2, workers, verbose: 0, seed: 1 });
      weights.push(flatWeights(m));
      m.dispose();
    }
    expectClose(weights[1]!, weights[0]!, "weights from a batch source", 1e-4, 1e-4);
  });

  it("follows weights and learning rates set by callbacks between steps", async () => {
    const { x, y } = thirdsData(32, 5);
    const weights = [];
    for (const workers of [1, 2]) {
      const m = model("sgd");
      const start = m.getWeights();
      let target: CallbackModel | null = null;
      const cb: Callback = {
        setModel: (cm) => {
          target = cm;
        },
        onBatchEnd(batch) {
          if (batch === 1) target!.setWeights(start);
          if (batch === 2) target!.learningRate = 0.02;
        },
      };
      await m.fit(x, y, { epochs: 1, batchSize: 8, workers, verbose: 0, seed: 8, callbacks: [cb] });
      weights.push(flatWeights(m));
      m.dispose();
    }
    expectClose(weights[1]!, weights[0]!, "weights after callback changes", 1e-4, 1e-4);
  });
});

describe("fit with workers: divergence", () => {
  it("stops at the same non-finite batch as one worker, without applying it", async () => {
    // A linear net with a step just past stability (as test/reliability): the loss overflows.
    const next = rng(8);
    const x = { data: randomArray(next, 60, 0, 10), shape: [12, 5] };
    const y = { data: randomArray(next, 24, -100, 100), shape: [12, 2] };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const runs = [];
    try {
      for (const workers of [1, 2]) {
        const m = new Sequential({ seed: 4, layers: [layers.dense({ units: 8, inputShape: [5] }), layers.dense({ units: 2 })] });
        m.compile({ optimizer: optimizers.sgd({ learningRate: 0.003 }), loss: "meanSquaredError" });
        const h = await m.fit(x, y, { epochs: 50, batchSize: 4, seed: 1, verbose: 0, workers });
        runs.push({ epochs: h.epoch, weights: flatWeights(m), warning: String(warn.mock.calls[warn.mock.calls.length - 1]![0]) });
        m.dispose();
      }
    } finally {
      warn.mockRestore();
    }
    expect(runs[1]!.epochs).toEqual(runs[0]!.epochs);
    expect(runs[1]!.warning.replace(/became \S+/, "")).toBe(runs[0]!.warning.replace(/became \S+/, ""));
    expect(runs[1]!.weights.every(Number.isFinite)).toBe(true);
    expectClose(runs[1]!.weights, runs[0]!.weights, "weights before divergence", 1e-3, 1e-3);
  });
});

describe("fit with workers: errors and cleanup", () => {
  it("rejects a workers option that is not a whole number >= 1, before training", async () => {
    const { x, y } = thirdsData(8, 1);
    const m = model("sgd");
    const before = flatWeights(m);
    for (const bad of [0, -1, 1.5, "2", NaN]) {
      await expect(m.fit(x, y, { workers: bad as number, verbose: 0 })).rejects.toThrow(`fit: workers must be a whole number > 0, received ${String(bad)}`);
    }
    expect(flatWeights(m)).toEqual(before);
    m.dispose();
  });

  it("a worker that fails mid-training rejects fit, restores the weights and stops every worker", async () => {
    const { x, y } = thirdsData(40, 1);
    const m = model("adam");
    const before = flatWeights(m);
    parallelTesting.failAtStep = 3;
    await expect(m.fit(x, y, { epochs: 1, batchSize: 8, workers: 3, verbose: 0 })).rejects.toThrow(
      /^fit: data-parallel worker [12] failed: simulated failure at step 3$/,
    );
    expect(flatWeights(m)).toEqual(before);
    expect(liveWorkers()).toBe(0);
    // The model still trains afterwards.
    parallelTesting.failAtStep = 0;
    const h = await m.fit(x, y, { epochs: 1, batchSize: 8, workers: 2, verbose: 0 });
    expect(h.history.loss![0]).toBeGreaterThan(0);
    m.dispose();
  });

  it("a callback that throws rejects fit with its error and stops every worker", async () => {
    const { x, y } = thirdsData(16, 1);
    const m = model("sgd");
    const before = flatWeights(m);
    const cb: Callback = { onBatchEnd: (b) => { if (b === 1) throw new Error("callback broke"); } };
    await expect(m.fit(x, y, { batchSize: 4, workers: 2, verbose: 0, callbacks: [cb] })).rejects.toThrow("callback broke");
    expect(flatWeights(m)).toEqual(before);
    expect(liveWorkers()).toBe(0);
    m.dispose();
  });
});
