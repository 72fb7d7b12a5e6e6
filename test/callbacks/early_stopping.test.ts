import { afterEach, describe, expect, it, vi } from "vitest";
import { callbacks } from "../../ts/callbacks/index.js";
import { FakeModel, runEpochs, series } from "./fake_model.js";

afterEach(() => vi.restoreAllMocks());

/** The epochs a fit would run with this callback over the scripted values. */
function epochsRun(args: Parameters<typeof callbacks.earlyStopping>[0], key: string, values: number[]): number[] {
  return runEpochs(callbacks.earlyStopping(args), new FakeModel(), series(key, values)).epochs;
}

describe("EarlyStopping", () => {
  it("stops once `patience` epochs pass without improvement", () => {
    // 0.9 at epoch 1 is the best; epochs 2 and 3 do not improve -> stop after epoch 3.
    const cb = callbacks.earlyStopping({ patience: 2 });
    const model = new FakeModel();
    const { epochs } = runEpochs(cb, model, series("val_loss", [1, 0.9, 0.95, 0.96, 0.5, 0.4]));
    expect(epochs).toEqual([0, 1, 2, 3]);
    expect(cb.stoppedEpoch).toBe(3);
    expect(cb.bestEpoch).toBe(1);
    expect(cb.best).toBe(0.9);
  });

  it("with patience 0 stops at the first epoch that does not improve, never at epoch 0", () => {
    expect(epochsRun({}, "val_loss", [1, 0.5, 0.5, 0.1])).toEqual([0, 1, 2]);
    expect(epochsRun({ monitor: "loss" }, "loss", [1, 0.5, 0.4, 0.3])).toEqual([0, 1, 2, 3]);
  });

  it("counts an improvement only beyond minDelta, whatever its sign", () => {
    // With minDelta 0.1, 0.95 after 1 is no improvement.
    expect(epochsRun({ patience: 1, minDelta: 0.1 }, "val_loss", [1, 0.95, 0.5])).toEqual([0, 1]);
    expect(epochsRun({ patience: 1, minDelta: -0.1 }, "val_loss", [1, 0.95, 0.5])).toEqual([0, 1]);
    expect(epochsRun({ patience: 1, minDelta: 0.01 }, "val_loss", [1, 0.95, 0.5])).toEqual([0, 1, 2]);
  });

  it("does not reset the wait for improvements that miss the baseline", () => {
    // Epoch 0 improves on +inf but not on the baseline, so the wait stays 1; epoch 1 makes it 2.
    expect(epochsRun({ patience: 2, baseline: 0.5 }, "val_loss", [0.9, 0.95, 0.96, 0.97])).toEqual([0, 1]);
    expect(epochsRun({ patience: 2 }, "val_loss", [0.9, 0.95, 0.96, 0.97])).toEqual([0, 1, 2]);
    // Beating the baseline resets the wait as usual.
    expect(epochsRun({ patience: 2, baseline: 0.5 }, "val_loss", [0.4, 0.45, 0.46, 0.47])).toEqual([0, 1, 2]);
  });

  it("ignores the epochs before startFromEpoch", () => {
    expect(epochsRun({ startFromEpoch: 2 }, "val_loss", [1, 2, 3, 4, 5])).toEqual([0, 1, 2, 3]);
  });

  it("maximises names containing 'acc' in auto mode, and obeys explicit modes", () => {
    const accuracy = [0.5, 0.6, 0.7, 0.65];
    expect(epochsRun({ monitor: "val_accuracy" }, "val_accuracy", accuracy)).toEqual([0, 1, 2, 3]);
    expect(epochsRun({ monitor: "val_accuracy", mode: "min" }, "val_accuracy", accuracy)).toEqual([0, 1]);
    expect(epochsRun({ monitor: "val_loss", mode: "max" }, "val_loss", [1, 2, 1.5])).toEqual([0, 1, 2]);
    expect(epochsRun({ monitor: "acc" }, "acc", [0.5, 0.4])).toEqual([0, 1]);
  });

  it("restores the best epoch's weights (copied, not referenced) when training ends", () => {
    const model = new FakeModel();
    runEpochs(callbacks.earlyStopping({ patience: 2, restoreBestWeights: true }), model, series("val_loss", [1, 0.5, 0.7, 0.8, 0.2]));
    // Best at epoch 1; the model's weights were overwritten in place in epochs 2 and 3.
    expect(model.restoredFrom).toBe(1);
    expect(Array.from(model.weights[0]!.data)).toEqual([1, 1]);
  });

  it("restores at the end even when training was not stopped, and not without the flag", () => {
    const model = new FakeModel();
    runEpochs(callbacks.earlyStopping({ patience: 5, restoreBestWeights: true }), model, series("val_loss", [3, 1, 2, 2]));
    expect(model.restoredFrom).toBe(1);
    const plain = new FakeModel();
    runEpochs(callbacks.earlyStopping({ patience: 1 }), plain, series("val_loss", [3, 1, 2, 2]));
    expect(plain.restoredFrom).toBeNull();
  });

  it("keeps the first monitored epoch's weights when nothing beats the baseline", () => {
    const model = new FakeModel();
    const cb = callbacks.earlyStopping({ patience: 3, baseline: 0.1, restoreBestWeights: true, startFromEpoch: 1 });
    runEpochs(cb, model, series("val_loss", [0.01, 0.5, 0.6, 0.7, 0.8]));
    // Epoch 0 is warm-up; 0.5 at epoch 1 is the best seen (though above the baseline).
    expect(cb.stoppedEpoch).toBe(3);
    expect(model.restoredFrom).toBe(1);
  });

  it("starts afresh on each training run", () => {
    const cb = callbacks.earlyStopping({ patience: 1 });
    const model = new FakeModel();
    runEpochs(cb, model, series("val_loss", [0.1, 0.2, 0.3]));
    // Had best (0.1) survived, the second run would stop at its epoch 1.
    expect(runEpochs(cb, model, series("val_loss", [1, 0.9, 0.8])).epochs).toEqual([0, 1, 2]);
    expect(cb.stoppedEpoch).toBe(0);
  });

  it("warns once, listing the available keys, and keeps training when the metric is missing", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(epochsRun({}, "loss", [1, 2, 3])).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith("Early stopping is conditioned on metric `val_loss` which is not available. Available metrics are: loss");
  });

  it("prints the stop and the restore when verbose", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    runEpochs(callbacks.earlyStopping({ verbose: 1, restoreBestWeights: true }), new FakeModel(), series("val_loss", [1, 2]));
    expect(log.mock.calls).toEqual([["Epoch 2: early stopping"], ["Restoring model weights from the end of the best epoch: 1."]]);
  });

  it("uses Keras's defaults", () => {
    const cb = callbacks.earlyStopping();
    expect([cb.monitor, cb.minDelta, cb.patience, cb.verbose, cb.mode, cb.baseline, cb.restoreBestWeights, cb.startFromEpoch]).toEqual([
      "val_loss", 0, 0, 0, "auto", null, false, 0,
    ]);
  });

  it("rejects bad arguments by name", () => {
    expect(() => callbacks.earlyStopping({ patience: -1 })).toThrow("EarlyStopping: patience must be a whole number >= 0, received -1");
    expect(() => callbacks.earlyStopping({ baseline: NaN })).toThrow("EarlyStopping: baseline must be a finite number or null, received NaN");
    expect(() => callbacks.earlyStopping({ minDelta: Infinity })).toThrow("EarlyStopping: minDelta must be a finite number, received Infinity");
    expect(() => callbacks.earlyStopping({ startFromEpoch: 0.5 })).toThrow("EarlyStopping: startFromEpoch must be a whole number >= 0, received 0.5");
    expect(() => callbacks.earlyStopping({ restoreBestWeights: 1 as never })).toThrow("EarlyStopping: restoreBestWeights must be true or false, received 1");
    expect(() => callbacks.earlyStopping({ mode: "auto-ish" as never })).toThrow('EarlyStopping: mode must be "auto", "min" or "max", received "auto-ish"');
  });
});
