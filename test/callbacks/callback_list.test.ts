import { describe, expect, it } from "vitest";
import type { Callback, Logs } from "../../ts/callbacks/callback.js";
import { CallbackList } from "../../ts/callbacks/callback_list.js";
import { History } from "../../ts/callbacks/history.js";
import { FakeModel } from "./fake_model.js";

describe("CallbackList", () => {
  it("calls every hook in order with its arguments", () => {
    const seen: string[] = [];
    const make = (name: string): Callback => ({
      setModel: () => void seen.push(`${name}.setModel`),
      setParams: (p) => void seen.push(`${name}.setParams ${JSON.stringify(p)}`),
      onTrainBegin: () => void seen.push(`${name}.trainBegin`),
      onEpochBegin: (e) => void seen.push(`${name}.epochBegin ${e}`),
      onBatchBegin: (b) => void seen.push(`${name}.batchBegin ${b}`),
      onBatchEnd: (b, logs) => void seen.push(`${name}.batchEnd ${b} ${logs.loss}`),
      onEpochEnd: (e, logs) => void seen.push(`${name}.epochEnd ${e} ${logs.loss}`),
      onTrainEnd: () => void seen.push(`${name}.trainEnd`),
    });
    const list = new CallbackList([make("a"), {}, make("b")]);
    list.setModel(new FakeModel());
    list.setParams({ epochs: 1 });
    const results = [
      list.onTrainBegin(),
      list.onEpochBegin(0),
      list.onBatchBegin(0),
      list.onBatchEnd(0, { loss: 2 }),
      list.onEpochEnd(0, { loss: 1 }),
      list.onTrainEnd(),
    ];
    // Nothing async: every dispatch completed synchronously and returned nothing.
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(seen).toEqual([
      "a.setModel", "b.setModel", 'a.setParams {"epochs":1}', 'b.setParams {"epochs":1}',
      "a.trainBegin", "b.trainBegin", "a.epochBegin 0", "b.epochBegin 0",
      "a.batchBegin 0", "b.batchBegin 0", "a.batchEnd 0 2", "b.batchEnd 0 2",
      "a.epochEnd 0 1", "b.epochEnd 0 1", "a.trainEnd", "b.trainEnd",
    ]);
  });

  it("awaits an async hook before calling the next callback", async () => {
    const seen: string[] = [];
    const slow: Callback = {
      async onEpochEnd(epoch: number, logs: Logs) {
        await new Promise((r) => setTimeout(r, 5));
        logs.extra = 7;
        seen.push(`slow ${epoch}`);
      },
    };
    const after: Callback = { onEpochEnd: (e, logs) => void seen.push(`after ${e} extra=${logs.extra}`) };
    const alsoAsync: Callback = { onEpochEnd: async (e) => void seen.push(`async ${e}`) };
    const list = new CallbackList([slow, after, alsoAsync]);
    const pending = list.onEpochEnd(3, { loss: 1 });
    expect(pending).toBeInstanceOf(Promise);
    expect(seen).toEqual([]);
    await pending;
    expect(seen).toEqual(["slow 3", "after 3 extra=7", "async 3"]);
  });

  it("shares one logs object so later callbacks and History see what earlier ones wrote", () => {
    const writer: Callback = { onEpochEnd: (_e, logs) => void (logs.learning_rate = 0.5) };
    const history = new History();
    const list = new CallbackList([writer]);
    list.append(history);
    list.onTrainBegin();
    list.onEpochEnd(0, { loss: 1 });
    expect(history.history).toEqual({ loss: [1], learning_rate: [0.5] });
  });

  it("propagates a hook's error, sync or async", async () => {
    const list = new CallbackList([{ onBatchEnd: () => { throw new Error("boom"); } }]);
    expect(() => list.onBatchEnd(0, {})).toThrow("boom");
    const asyncList = new CallbackList([{ onBatchEnd: async () => { throw new Error("late boom"); } }]);
    await expect(asyncList.onBatchEnd(0, {}) as Promise<void>).rejects.toThrow("late boom");
  });

  it("rejects a non-object callback by index", () => {
    expect(() => new CallbackList([{}, null as unknown as Callback])).toThrow(
      "CallbackList: callbacks[1] must be an object with hooks such as onEpochEnd, received null",
    );
  });
});

describe("History", () => {
  it("records epochs and every logged key, as Keras", () => {
    const h = new History();
    h.setParams({ epochs: 3, verbose: 0 });
    h.onTrainBegin();
    h.onEpochEnd(0, { loss: 3, accuracy: 0.5 });
    h.onEpochEnd(1, { loss: 2, accuracy: 0.6, val_loss: 2.5 });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history).toEqual({ loss: [3, 2], accuracy: [0.5, 0.6], val_loss: [2.5] });
    expect(h.params).toEqual({ epochs: 3, verbose: 0 });
  });
});
