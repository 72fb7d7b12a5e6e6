import { afterEach, describe, expect, it, vi } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { FakeModel, runEpochs, series } from "./fake_model.js";

afterEach(() => vi.restoreAllMocks());

describe("ReduceLROnPlateau", () => {
  it("reduces after `patience` epochs without improvement, then waits again", () => {
    const model = new FakeModel(0.1);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2 });
    // best 1.0 at epoch 0, 0.9 at epoch 1; epochs 2, 3 do not improve -> reduce at 3;
    // 4, 5 do not -> reduce at 5; 0.5 at epoch 6 improves; 7, 8 -> reduce at 8.
    runEpochs(cb, model, series("val_loss", [1, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.6, 0.7]));
    expect(model.lrChanges).toEqual([[3, 0.05], [5, 0.025], [8, 0.0125]]);
  });

  it("needs an improvement larger than minDelta", () => {
    const model = new FakeModel(1);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1, minDelta: 0.1 });
    // 0.95 and 0.9 are not below best - 0.1 = 0.9 (1.0 - 0.1); 0.85 is below 0.9.
    runEpochs(cb, model, series("loss", [1, 0.95, 0.9, 0.85, 0.8]).map((l) => ({ ...l, val_loss: l.loss! })));
    expect(model.lrChanges).toEqual([[1, 0.5], [2, 0.25], [4, 0.125]]);
  });

  it("keeps the wait at 0 during the cooldown", () => {
    const model = new FakeModel(1);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1, cooldown: 2 });
    // Reduce at 1; cooldown 2 -> epoch 2 in cooldown (counter 2 -> 1), epoch 3 counter
    // 1 -> 0 then counts wait 1 -> reduce at 3; then again at 5, 7.
    runEpochs(cb, model, series("val_loss", [1, 1, 1, 1, 1, 1, 1, 1]));
    expect(model.lrChanges.map(([e]) => e)).toEqual([1, 3, 5, 7]);
  });

  it("records an improvement during the cooldown as the new best", () => {
    const model = new FakeModel(1);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 3 });
    runEpochs(cb, model, series("val_loss", [1, 2, 2, 0.5, 2, 2, 2, 2, 2]));
    // Reduce at 2 (counter 3). Keras decrements before testing: epoch 3 (counter 2) and
    // 4 (counter 1) are in cooldown, and 0.5 at 3 becomes the best; epoch 5 (counter 0)
    // counts wait 1, epoch 6 wait 2 -> reduce at 6.
    expect(model.lrChanges.map(([e]) => e)).toEqual([2, 6]);
    expect(cb.best).toBe(0.5);
  });

  it("never goes below minLr, comparing as float32 the way Keras does", () => {
    const model = new FakeModel(0.01);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.1, patience: 1, minLr: 0.005 });
    runEpochs(cb, model, series("val_loss", [1, 1, 1, 1]));
    expect(model.lrChanges).toEqual([[1, 0.005]]);

    // 1e-3 * 0.1 is 1.0000000000000002e-4 in float64, the same float32 as 1e-4: at the floor.
    const model2 = new FakeModel(1e-3);
    runEpochs(callbacks.reduceLROnPlateau({ factor: 0.1, patience: 1, minLr: 1e-4 }), model2, series("val_loss", [1, 1, 1, 1, 1]));
    expect(model2.lrChanges.length).toBe(1);
    expect(model2.learningRate).toBeCloseTo(1e-4, 12);
  });

  it("maximises names containing 'acc' in auto mode, and obeys explicit modes", () => {
    const accuracy = series("val_accuracy", [0.5, 0.6, 0.6, 0.6]);
    const auto = new FakeModel(1);
    runEpochs(callbacks.reduceLROnPlateau({ monitor: "val_accuracy", factor: 0.5, patience: 2 }), auto, accuracy);
    expect(auto.lrChanges.map(([e]) => e)).toEqual([3]);
    // As a quantity to minimise, 0.6 after 0.5 is no improvement: reduce at epoch 2.
    const min = new FakeModel(1);
    runEpochs(callbacks.reduceLROnPlateau({ monitor: "val_accuracy", mode: "min", factor: 0.5, patience: 2 }), min, accuracy);
    expect(min.lrChanges.map(([e]) => e)).toEqual([2]);
    const max = new FakeModel(1);
    runEpochs(callbacks.reduceLROnPlateau({ monitor: "loss", mode: "max", factor: 0.5, patience: 1 }), max, series("loss", [1, 2, 2]));
    expect(max.lrChanges.map(([e]) => e)).toEqual([2]);
  });

  it("writes the learning rate of the epoch into the logs", () => {
    const model = new FakeModel(0.4);
    const { logs } = runEpochs(callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1 }), model, series("val_loss", [1, 1, 1]));
    expect(logs.map((l) => l.learning_rate)).toEqual([0.4, 0.4, 0.2]);
  });

  it("warns once, listing the available keys, when the metric is missing", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const model = new FakeModel(1);
    runEpochs(callbacks.reduceLROnPlateau({ patience: 0 }), model, [{ loss: 1 }, { loss: 1 }, { loss: 1 }]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      "Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: loss,learning_rate",
    );
    expect(model.lrChanges).toEqual([]);
  });

  it("prints each reduction when verbose", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    runEpochs(callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1, verbose: 1 }), new FakeModel(1), series("val_loss", [1, 1]));
    expect(log).toHaveBeenCalledWith("\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.");
  });

  it("starts afresh on each training run", () => {
    const model = new FakeModel(1);
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2 });
    runEpochs(cb, model, series("val_loss", [0.1, 1]));
    runEpochs(cb, model, series("val_loss", [1, 1, 1]));
    // Had best (0.1) and wait (1) survived, the second run would reduce at its epoch 0.
    expect(model.lrChanges).toEqual([[2, 0.5]]);
  });

  it("uses Keras's defaults", () => {
    const cb = callbacks.reduceLROnPlateau();
    expect([cb.monitor, cb.factor, cb.patience, cb.minDelta, cb.cooldown, cb.minLr, cb.mode, cb.verbose]).toEqual([
      "val_loss", 0.1, 10, 1e-4, 0, 0, "auto", 0,
    ]);
  });

  it("rejects bad arguments by name", () => {
    expect(() => callbacks.reduceLROnPlateau({ factor: 1 })).toThrow(
      "ReduceLROnPlateau: factor must be a number with 0 < factor < 1 (new_lr = lr * factor), received 1",
    );
    expect(() => callbacks.reduceLROnPlateau({ patience: 1.5 })).toThrow("ReduceLROnPlateau: patience must be a whole number >= 0, received 1.5");
    expect(() => callbacks.reduceLROnPlateau({ cooldown: -1 })).toThrow("ReduceLROnPlateau: cooldown must be a whole number >= 0, received -1");
    expect(() => callbacks.reduceLROnPlateau({ minLr: -1e-3 })).toThrow("ReduceLROnPlateau: minLr must be a finite number >= 0, received -0.001");
    expect(() => callbacks.reduceLROnPlateau({ minDelta: NaN })).toThrow("ReduceLROnPlateau: minDelta must be a finite number >= 0, received NaN");
    expect(() => callbacks.reduceLROnPlateau({ mode: "up" as never })).toThrow('ReduceLROnPlateau: mode must be "auto", "min" or "max", received "up"');
    expect(() => callbacks.reduceLROnPlateau({ monitor: "" })).toThrow("ReduceLROnPlateau: monitor must be a non-empty metric name");
    expect(() => callbacks.reduceLROnPlateau({ verbose: 2 })).toThrow("ReduceLROnPlateau: verbose must be 0 or 1, received 2");
  });

  it("says so when used without a model", () => {
    expect(() => callbacks.reduceLROnPlateau().onEpochEnd(0, { val_loss: 1 })).toThrow("ReduceLROnPlateau: no model");
  });
});
