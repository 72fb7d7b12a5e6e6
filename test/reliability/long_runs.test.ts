/**
 * Long runs: 100,000 single-sample predictions and 50 epochs of fit leave wasm memory
 * exactly as it was after the first call and the JS heap within a small bound (measured
 * after forced garbage collection); training that diverges stops at the first
 * non-finite loss and says so.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { noiseData, tinyConvNet } from "../helpers/models.js";
import { randomArray, rng } from "../helpers/random.js";

// A real collection before each heap reading: without it heapUsed is mostly garbage
// that has not been collected yet, and growth could neither be seen nor bounded.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const root = mkdtempSync(join(tmpdir(), "simdnet-long-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function small(seed = 1): Sequential {
  return tinyConvNet({ seed, filters: 2, dropout: 0.2 });
}

/** Heap growth allowed over a whole run: far below what one leaked array per call would cost. */
const HEAP_BOUND = 2 * 1024 * 1024;

describe("long runs", () => {
  it("100,000 predict calls of one sample: wasm memory unchanged, heap growth < 2 MiB", () => {
    const m = small();
    const { x } = noiseData(1, 2);
    m.predict(x); // plans the buffers
    const core = getCore();
    const wasm = { bytes: core.memoryBytes, live: core.liveBuffers };
    let heap0 = 0;
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i === 10_000) heap0 = heapAfterGc(); // after the JIT and caches have settled
      sum += m.predict(x).data[0]!;
    }
    const growth = heapAfterGc() - heap0;
    expect(Number.isFinite(sum)).toBe(true);
    expect({ bytes: core.memoryBytes, live: core.liveBuffers }).toEqual(wasm);
    expect(growth, `heap grew by ${growth} bytes over 90,000 calls`).toBeLessThan(HEAP_BOUND);
    m.dispose();
  });

  it("50 epochs of fit: wasm memory unchanged after the first, heap growth < 2 MiB", async () => {
    const m = small();
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = noiseData(40, 2);
    const core = getCore();
    let wasm: { bytes: number; live: number } | null = null;
    let heap0 = 0;
    const changes: string[] = [];
    const watch = {
      onEpochEnd: (epoch: number) => {
        const now = { bytes: core.memoryBytes, live: core.liveBuffers };
        if (epoch === 4) {
          wasm = now;
          heap0 = heapAfterGc();
        } else if (wasm && (now.bytes !== wasm.bytes || now.live !== wasm.live)) {
          changes.push(`epoch ${epoch}: ${JSON.stringify(now)}`);
        }
      },
    };
    const h = await m.fit(x, y, { epochs: 50, batchSize: 8, validationSplit: 0.2, seed: 1, verbose: 0, callbacks: [watch] });
    const growth = heapAfterGc() - heap0;
    expect(h.epoch).toHaveLength(50);
    expect(changes).toEqual([]);
    expect(growth, `heap grew by ${growth} bytes over 45 epochs`).toBeLessThan(HEAP_BOUND);
    m.dispose();
  });
});

describe("divergence", () => {
  function diverging(): { m: Sequential; x: Tensor; y: Tensor } {
    const m = new Sequential({ seed: 4, layers: [layers.dense({ units: 8, inputShape: [5] }), layers.dense({ units: 2 })] });
    // A linear net with a step just past stability: the loss grows geometrically and
    // overflows in the third epoch (seeded, so always there).
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.003 }), loss: "meanSquaredError" });
    const next = rng(8);
    return { m, x: { data: randomArray(next, 60, 0, 10), shape: [12, 5] }, y: { data: randomArray(next, 24, -100, 100), shape: [12, 2] } };
  }

  it("stops at the first non-finite loss, warns where, and records it in the History", async () => {
    const { m, x, y } = diverging();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const batches: number[] = [];
    try {
      const h = await m.fit(x, y, { epochs: 50, batchSize: 4, seed: 1, verbose: 0, callbacks: [{ onBatchEnd: (_b, logs) => { batches.push(logs.loss!); } }] });
      expect(h.epoch).toEqual([0, 1, 2]);
      const losses = h.history.loss!;
      expect(Number.isFinite(losses[losses.length - 1]!)).toBe(false);
      expect(losses.slice(0, -1).every(Number.isFinite)).toBe(true);
      // Batches seen by callbacks all had finite losses: the bad one ended the epoch.
      expect(batches.every(Number.isFinite)).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        new RegExp(`^fit: the loss became (NaN|Infinity) at epoch ${h.epoch.length}/50, batch \\d/3; training stopped without applying that batch\\. The learning rate \\(0.003\\) is probably too high`),
      );
      // The bad batch's update was not applied: the weights are still numbers.
      expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
      expect(m.epochsTrained).toBe(h.epoch.length - 1);
    } finally {
      warn.mockRestore();
      m.dispose();
    }
  });

  it("a checkpoint keeps the last good epoch, not the diverged one", async () => {
    const { m, x, y } = diverging();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const dir = join(root, "diverged");
    try {
      const cb = callbacks.modelCheckpoint({ path: `file://${dir}` });
      const h = await m.fit(x, y, { epochs: 50, batchSize: 4, seed: 1, verbose: 0, callbacks: [cb] });
      expect(h.epoch.length).toBeGreaterThan(1); // so there is a good epoch to keep
      expect(cb.saved).toEqual(h.epoch.slice(0, -1));
      const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
      expect(json.userDefinedMetadata.simdnet.epoch).toBe(h.epoch.length - 1);
    } finally {
      warn.mockRestore();
      m.dispose();
    }
  });
});
