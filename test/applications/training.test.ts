/**
 * The applications train as built: ResNet-20 fits a few samples (the loss falls, the BN
 * moving statistics move, and the loss evaluate reports is the cross-entropy plus the L2
 * penalty of its convolution kernels), and MobileNetV2 fine-tunes with its base frozen
 * (only "predictions" changes; a frozen BatchNormalization keeps its statistics, as in Keras 3).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import type { Model } from "../../ts/model/model.js";
import { Random } from "../../ts/random.js";
import { tensor, type Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";

beforeAll(async () => {
  await init();
});

const rng = new Random(3);
const images = (n: number, shape: number[]) => tensor(Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.next()), [n, ...shape]);

/** Mean sparse categorical cross-entropy of the model's predictions (no penalty). */
function crossEntropy(model: Model, x: Tensor, labels: readonly number[]): number {
  const p = model.predict(x);
  const k = p.shape[1]!;
  return labels.reduce((s, c, i) => s - Math.log(p.data[i * k + c]!), 0) / labels.length;
}

describe("training the applications", () => {
  it("ResNet-20 fits 4 samples: the training loss falls, moving statistics move, the loss carries the L2 penalty of the convolutions", async () => {
    const model = applications.resnet20({ seed: 9 });
    try {
      model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
      const x = images(4, [32, 32, 3]);
      const labels = [0, 3, 5, 9];
      const y = tensor(Float32Array.from(labels), [4]);
      // 1e-4 * sum of squares of every Conv2D kernel (the dense layer has no regularizer).
      const penalty = model.layers.filter((l) => l.className === "Conv2D").reduce((s, l) => s + 1e-4 * l.getWeights()[0]!.data.reduce((a, v) => a + v * v, 0), 0);
      expect(penalty).toBeGreaterThan(1e-3);
      const before = model.evaluate(x, y).loss;
      expect(before - crossEntropy(model, x, labels)).toBeCloseTo(penalty, 4);
      const bnBefore = model.getLayer("batch_normalization").getWeights()[2]!.data.slice();
      const h = await model.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
      const losses = h.history.loss!;
      expect(losses.every(Number.isFinite)).toBe(true);
      // The training loss (batch statistics) falls; evaluate uses the moving statistics,
      // which after 5 steps at momentum 0.99 are still near their start, as in Keras.
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      expect(Array.from(model.getLayer("batch_normalization").getWeights()[2]!.data)).not.toEqual(Array.from(bnBefore));
    } finally {
      model.dispose();
    }
  }, 120_000);

  it("ResNet-20 with workers: with its BatchNormalization frozen (inference mode), 2 workers train as 1 does, L2 penalty included", async () => {
    const x = images(8, [32, 32, 1]);
    const y = tensor(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), [8]);
    const run = async (workers: number) => {
      const m = applications.resnet20({ inputShape: [32, 32, 1], seed: 21 });
      try {
        for (const l of m.layers) if (l.className === "BatchNormalization") l.trainable = false;
        m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
        const h = await m.fit(x, y, { epochs: 1, batchSize: 4, seed: 1, verbose: 0, workers });
        return { loss: h.history.loss!, w: m.getWeights() };
      } finally {
        m.dispose();
      }
    };
    const one = await run(1);
    const two = await run(2);
    expect(Math.abs(two.loss[0]! - one.loss[0]!)).toBeLessThan(1e-4);
    let worst = 0;
    two.w.forEach((t, i) => t.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - one.w[i]!.data[j]!)))));
    expect(worst).toBeLessThan(1e-4);
  }, 300_000);

  it("MobileNetV2 with every layer but predictions frozen: only predictions changes", async () => {
    const model = applications.mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 4, seed: 4 });
    try {
      for (const l of model.layers) l.trainable = l.name === "predictions";
      model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
      const before = model.layers.map((l) => l.getWeights().map((w) => Array.from(w.data)));
      await model.fit(images(4, [32, 32, 3]), tensor(Float32Array.from([0, 1, 2, 3]), [4]), { epochs: 2, batchSize: 2, verbose: 0 });
      model.layers.forEach((l, i) => {
        const now = l.getWeights().map((w) => Array.from(w.data));
        if (l.name === "predictions") expect(now, l.name).not.toEqual(before[i]);
        else expect(now, l.name).toEqual(before[i]);
      });
    } finally {
      model.dispose();
    }
  }, 120_000);
});
