/**
 * The per-batch logs `fit` hands callbacks: a fresh object each time (as Keras's fresh
 * dict), so a callback that keeps one never sees it change, with the running means of
 * the epoch so far.
 */
import { beforeAll, expect, it } from "vitest";
import type { Logs } from "../../ts/callbacks/callback.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { thirdsData, tinyConvNet } from "../helpers/models.js";

beforeAll(async () => {
  await init();
});

it("gives every batch hook a fresh logs object that never changes after the call", async () => {
  const m = tinyConvNet({ seed: 2, filters: 2, padding: "same" });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const { x, y } = thirdsData(20, 1);
  const kept: Logs[] = [];
  const seenThen: string[] = [];
  const keep = (_b: number, logs?: Logs) => {
    kept.push(logs!);
    seenThen.push(JSON.stringify(logs));
  };
  await m.fit(x, y, { epochs: 2, batchSize: 6, seed: 3, verbose: 0, callbacks: [{ onBatchBegin: keep, onBatchEnd: keep }] });
  expect(kept).toHaveLength(2 * 2 * 4);
  expect(new Set(kept).size).toBe(kept.length);
  expect(kept.map((l) => JSON.stringify(l))).toEqual(seenThen);
  const ends = kept.filter((_, i) => i % 2 === 1);
  expect(Object.keys(ends[0]!)).toEqual(["batch", "size", "loss", "accuracy"]);
  expect(ends.map((l) => [l.batch, l.size])).toEqual([[0, 6], [1, 6], [2, 6], [3, 2], [0, 6], [1, 6], [2, 6], [3, 2]]);
  for (const l of ends) {
    expect(Number.isFinite(l.loss)).toBe(true);
    expect(l.accuracy! >= 0 && l.accuracy! <= 1).toBe(true);
  }
});
