/**
 * BatchNormalization frozen and unfrozen in fine-tuning, against Keras 3.15.1's numbers
 * (test/golden/frozen_bn.json, from scripts/keras/make_frozen_bn_goldens.py): one SGD
 * step of conv -> BatchNormalization -> global average pooling -> dense.
 * - frozen (`trainable = false`): inference mode in fit (moving statistics normalize, none
 *   of its four weights move), the other layers' gradients go through it as Keras's do;
 * - trainable: batch statistics, moving statistics updated;
 * - Keras's guide's `base(x, training=False)` with the BatchNormalization left trainable
 *   trains, in Keras 3.15, exactly as the trainable case (the outer fit's training flag
 *   wins): simdnet's flat model with a trainable BatchNormalization matches it too, which
 *   is why docs/transfer_learning.md keeps BatchNormalization frozen when fine-tuning.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { init, input, layers, Model, optimizers, tensor } from "../../ts/index.js";

interface Golden {
  keras: string;
  x: number[];
  y: number[];
  weights: number[][];
  shapes: number[][];
  cases: Record<"frozen" | "trainable" | "nested_training_false", { loss: number; after: number[][] }>;
}
const golden = JSON.parse(readFileSync(new URL("../golden/frozen_bn.json", import.meta.url), "utf8")) as Golden;

beforeAll(async () => {
  await init();
});

function build(frozen: boolean): Model {
  const x0 = input({ shape: [4, 4, 3] });
  let x = layers.conv2d({ filters: 3, kernelSize: 1, useBias: false, name: "conv" }).apply(x0);
  const bn = layers.batchNormalization({ name: "bn" });
  x = layers.globalAveragePooling2d().apply(bn.apply(x));
  const model = new Model({ inputs: x0, outputs: layers.dense({ units: 2, activation: "softmax", name: "head" }).apply(x) });
  model.setWeights(golden.weights.map((w, i) => ({ data: Float32Array.from(w), shape: golden.shapes[i]! })));
  bn.trainable = !frozen;
  model.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: "sparseCategoricalCrossentropy" });
  return model;
}

function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < got.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!));
  return w;
}

describe("BatchNormalization in fine-tuning, as Keras 3.15", () => {
  it.each([
    ["frozen", true, "frozen"],
    ["trainable", false, "trainable"],
    ["trainable, as Keras's nested base(x, training=False)", false, "nested_training_false"],
  ] as const)("%s: one SGD step gives Keras's loss and weights", async (_, frozen, key) => {
    const model = build(frozen);
    const x = tensor(Float32Array.from(golden.x), [4, 4, 4, 3]);
    const y = tensor(Float32Array.from(golden.y), [4]);
    const h = await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const want = golden.cases[key];
    expect(Math.abs((h.history.loss as number[])[0]! - want.loss)).toBeLessThan(1e-5);
    const after = model.getWeights();
    want.after.forEach((w, i) => expect(worst(after[i]!.data, w), `weight ${i}`).toBeLessThan(1e-5));
    if (frozen) {
      // gamma, beta, moving mean and variance: bit for bit as set.
      for (let i = 1; i <= 4; i++) expect(Array.from(after[i]!.data)).toEqual(Array.from(Float32Array.from(golden.weights[i]!)));
    }
    model.dispose();
  });
});
