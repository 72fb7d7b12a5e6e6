/**
 * Divergence must not keep poisoned weights: the optimizer kernels refuse a step that
 * would make a weight or its state non-finite, fit stops there with the weights of before
 * that batch, ModelCheckpoint never saves non-finite weights, and a checkpoint whose
 * optimizer state is impossible (negative second moments) is refused on load.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers, type Optimizer } from "../../ts/optimizers/index.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { init } from "../../ts/wasm/loader.js";
import { thirdsData } from "../helpers/models.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-divergence-"));
let warn: ReturnType<typeof vi.spyOn>;
beforeAll(async () => {
  await init();
});
beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Four dense layers: at a huge learning rate the gradients overflow within two steps. */
function model(optimizer: Optimizer): Sequential {
  const dense = (units: number) => layers.dense({ units, activation: "relu" });
  const m = new Sequential({ seed: 2, layers: [layers.flatten({ inputShape: [6, 6, 1] }), dense(16), dense(16), dense(16), layers.dense({ units: 3, activation: "softmax" })] });
  m.compile({ optimizer, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

describe("a diverging fit keeps finite weights", () => {
  it.each([
    ["adam at learningRate 1e6", () => optimizers.adam({ learningRate: 1e6 })],
    ["sgd at learningRate 1e30 (the loss goes NaN first)", () => optimizers.sgd({ learningRate: 1e30 })],
    ["rmsprop at learningRate 1e6 with momentum", () => optimizers.rmsprop({ learningRate: 1e6, momentum: 0.9 })],
  ] as const)("%s: stops, warns, leaves finite weights that save and predict", async (_, make) => {
    const { x, y } = thirdsData(60, 1);
    const m = model(make());
    const h = await m.fit(x, y, { epochs: 20, batchSize: 10, seed: 1, verbose: 0 });
    expect(m.getWeights().flatMap((w) => Array.from(w.data)).filter((v) => !Number.isFinite(v))).toEqual([]);
    expect(Number.isFinite(h.history.loss!.at(-1))).toBe(false);
    expect(h.history.loss!.length).toBeLessThan(20);
    expect(warn).toHaveBeenCalled();
    expect(String(warn.mock.calls.at(-1)![0])).toMatch(/^fit: (the update of epoch \d+\/20, batch \d+\/6 would have made weights or optimizer state NaN or infinite|the loss became)/);
    // The weights are usable: they save, and the model keeps training at a sane rate.
    await m.save(`file://${join(root, "after")}`);
    m.dispose();
  });

  it("a refused step leaves weights and optimizer state bit for bit as before that batch", async () => {
    const { x, y } = thirdsData(20, 2);
    const m = model(optimizers.adam({ learningRate: 1e6 }));
    let before: string | null = null;
    let refusedAt = -1;
    const spy = {
      onBatchBegin: () => {
        before = JSON.stringify({ w: m.getWeights().map((t) => Array.from(t.data)), s: m.getTrainingState()!.slots.map((sl) => sl.map((t) => Array.from(t.data))) });
      },
    };
    await m.fit(x, y, { epochs: 50, batchSize: 10, seed: 3, verbose: 0, callbacks: [spy] });
    const msg = String(warn.mock.calls.at(-1)?.[0] ?? "");
    const match = /the update of epoch (\d+)/.exec(msg);
    if (match) refusedAt = Number(match[1]);
    expect(refusedAt, msg).toBeGreaterThan(0);
    const after = JSON.stringify({ w: m.getWeights().map((t) => Array.from(t.data)), s: m.getTrainingState()!.slots.map((sl) => sl.map((t) => Array.from(t.data))) });
    expect(after).toBe(before);
    m.dispose();
  });
});

describe("ModelCheckpoint never saves non-finite weights", () => {
  it("skips an epoch whose weights are not finite (a custom optimizer that does not check) and says so", async () => {
    // Writes NaN into the first weight on its 4th step (the last of epoch 2) and returns nothing, as an
    // optimizer written outside simdnet may.
    let calls = 0;
    const poisoner: Optimizer = {
      className: "SGD",
      learningRate: 0.01,
      getConfig: () => ({ learning_rate: 0.01, momentum: 0, nesterov: false }),
      stateSlots: () => 0,
      apply(core: WasmCore, n: number, params: WasmBuffer): void {
        if (++calls === 4) core.f32(params)[0] = NaN;
        void n;
      },
    };
    const { x, y } = thirdsData(20, 3);
    const m = model(poisoner);
    const dir = join(root, "poisoned");
    const ckpt = callbacks.modelCheckpoint({ path: `file://${dir}`, saveOptimizer: false });
    await m.fit(x, y, { epochs: 3, batchSize: 10, seed: 1, verbose: 0, callbacks: [ckpt] });
    expect(ckpt.saved).toEqual([0]);
    expect(warn.mock.calls.map((c) => String(c[0]))).toContain("callbacks.modelCheckpoint: epoch 2 not saved: weight 0 is NaN at index 0; the last checkpoint saved is kept");
    m.dispose();
  });
});

describe("optimizer state is validated on load", () => {
  it("a checkpoint with a negative Adam second moment is refused, naming the entry", async () => {
    const { x, y } = thirdsData(20, 4);
    const m = model(optimizers.adam({ learningRate: 0.01 }));
    const dir = join(root, "negative-v");
    await m.fit(x, y, { epochs: 1, batchSize: 10, seed: 1, verbose: 0, callbacks: [callbacks.modelCheckpoint({ path: `file://${dir}` })] });
    m.dispose();
    // Flip the sign of one v entry and drop the fingerprint (as a hand-edited file would).
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    delete json.userDefinedMetadata.simdnet.weightsBytes;
    delete json.userDefinedMetadata.simdnet.weightsCrc32;
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[];
    let offset = 0;
    let target = -1;
    let name = "";
    for (const s of specs) {
      const size = s.shape.reduce((a, b) => a * b, 1) * 4;
      if (target < 0 && s.name.endsWith("/v")) {
        target = offset + 4;
        name = s.name;
      }
      offset += size;
    }
    const bin = new Uint8Array(readFileSync(join(dir, "weights.bin")));
    const view = new DataView(bin.buffer);
    view.setFloat32(target, -Math.abs(view.getFloat32(target, true)) - 1, true);
    writeFileSync(join(dir, "weights.bin"), bin);
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    // (Not `rejects.toThrow`: a model that loads would be printed whole by the failure.)
    const error = await loadSequential(`file://${dir}`).then((loaded) => {
      loaded.dispose();
      return new Error("loaded");
    }, (e: Error) => e);
    expect(error.message).toMatch(new RegExp(`optimizer weights: ${name.replace(/[/]/g, "\\/")} holds -[0-9.e+-]+ at index 1; Adam's second moments must be >= 0`));
  });
});
