/**
 * Transfer learning as examples/transfer_learning.ts does it (the example's own steps, from
 * examples/transfer_steps.ts): a MobileNetV2 base without its top, random weights, saved
 * to .keras and loaded back; frozen under a new head trained on a generated image folder
 * of three colour classes; then its top layers unfrozen (BatchNormalization left frozen)
 * and fine-tuned at a lower rate; the result saved to .keras and loaded back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClassifier, COLOUR_CLASSES, loadBase, unfreezeTop, writeColourFolder } from "../../examples/transfer_steps.js";
import { datasets, init, input, layers, loadModel, Model, optimizers, Sequential, type Layer, type Tensor } from "../../ts/index.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";

const SIZE = 32;
const dir = mkdtempSync(join(tmpdir(), "simdnet-transfer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await init();
  writeColourFolder(join(dir, "images"), 8, SIZE, 3);
});

/** Copies of every layer's weights, by layer name. */
function weightsByLayer(model: Model): Map<string, Tensor[]> {
  return new Map(model.layers.map((l) => [l.name, l.getWeights().map((w) => ({ data: Float32Array.from(w.data), shape: [...w.shape] }))]));
}

function sameBits(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(b[i]!.data.buffer, b[i]!.data.byteOffset, b[i]!.data.byteLength)));
}

function trainableLayers(model: Model): Layer[] {
  return model.layers.filter((l) => l.trainable && l.weights.specs.length > 0);
}

/** The fine-tuned model's file, the images and its predictions, for the live Keras check. */
let finalModel: { file: string; x: Tensor; predictions: Tensor } | null = null;

describe("transfer learning (examples/transfer_learning.ts's steps)", () => {
  it("freezes the base, trains the head, fine-tunes the top, saves and loads back", async () => {
    const train = await datasets.imageFolder(join(dir, "images"), { imageSize: [SIZE, SIZE], batchSize: 8, seed: 11 });
    expect(train.classNames).toEqual([...COLOUR_CLASSES]);
    const all = train.toTensors();
    const { base, random } = await loadBase(null, { inputShape: [SIZE, SIZE, 3], alpha: 0.35, seed: 5, saveTo: join(dir, "base.keras"), calibrate: all.x });
    expect(random).toBe(true);
    const baseWeights = weightsByLayer(base);
    const { model, baseLayers } = buildClassifier(base, { classes: COLOUR_CLASSES.length, seed: 7, augment: false });
    expect(baseLayers.length).toBe(base.layers.length);
    // The copies carry the base's weights: the same as the loaded file, bit for bit.
    for (const name of baseLayers) expect(sameBits(model.getLayer(name).getWeights(), baseWeights.get(name)!), name).toBe(true);
    // Only the classifier is trainable; the base's layers are frozen copies.
    expect(trainableLayers(model).map((l) => l.name)).toEqual(["classifier"]);


    model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const before = weightsByLayer(model);
    const initial = model.evaluate(all.x, all.y!);
    const history = await model.fit(train, { epochs: 8, seed: 1, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const trained = model.evaluate(all.x, all.y!);
    expect(trained.loss).toBeLessThan(initial.loss);
    expect(trained.accuracy!).toBeGreaterThan(0.7); // chance is 1/3
    const afterHead = weightsByLayer(model);
    for (const name of baseLayers) {
      // Frozen: bit for bit, BatchNormalization's moving statistics included.
      expect(sameBits(afterHead.get(name)!, before.get(name)!), name).toBe(true);
    }
    expect(sameBits(afterHead.get("classifier")!, before.get("classifier")!)).toBe(false);

    // Fine-tuning: the top 11 layers of the base (block 16 and Conv_1), BatchNormalization
    // excepted, at a lower rate.
    const unfrozen = unfreezeTop(model, baseLayers, 11).filter((l) => l.weights.specs.length > 0).map((l) => l.name);
    expect(unfrozen).toEqual(["block_16_expand", "block_16_depthwise", "block_16_project", "Conv_1"]);
    expect(model.getLayer("block_16_expand_relu").trainable).toBe(true);
    expect(model.getLayer("block_16_expand_BN").trainable).toBe(false);
    expect(model.getLayer("block_15_project").trainable).toBe(false);
    model.compile({ optimizer: optimizers.adam({ learningRate: 1e-4 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    await model.fit(train, { epochs: 2, seed: 2, verbose: 0 });
    const afterTune = weightsByLayer(model);
    const changed = model.layers.filter((l) => l.weights.specs.length > 0 && !sameBits(afterTune.get(l.name)!, afterHead.get(l.name)!)).map((l) => l.name);
    expect(changed.sort()).toEqual([...unfrozen, "classifier"].sort());

    // The final model in a .keras file: loaded back, it predicts the same.
    const file = join(dir, "transfer.keras");
    await model.save(`file://${file}`);
    const back = await loadModel(`file://${file}`);
    expect(back.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(back.layers.map((l) => l.trainable)).toEqual(model.layers.map((l) => l.trainable));
    const predictions = model.predict(all.x);
    expect(Array.from(back.predict(all.x).data)).toEqual(Array.from(predictions.data));
    finalModel = { file, x: all.x, predictions };
    back.dispose();
    model.dispose();
    base.dispose();
  }, 120_000);
});

describe.skipIf(!keras)(`the fine-tuned model in live Keras ${kerasSkipReason}`, () => {
  it("Keras loads the .keras file (a flat functional model) and predicts the same", () => {
    expect(finalModel).not.toBeNull();
    const { file, x, predictions } = finalModel!;
    const code = `
m = keras.models.load_model(inp["file"], compile=False)
x = np.array(inp["x"], dtype="float32").reshape(inp["shape"])
out = {"predictions": m.predict(x, verbose=0).ravel().tolist()}
`;
    const r = runKeras<{ predictions: number[] }>(code, { file, x: Array.from(x.data), shape: x.shape });
    let worst = 0;
    r.predictions.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - predictions.data[i]!))));
    expect(r.predictions.length).toBe(predictions.data.length);
    expect(worst).toBeLessThan(1e-4);
  }, 180_000);
});

describe("buildClassifier with augmentation", () => {
  it("puts randomFlip and randomRotation first: the identity in predict, saved and loaded with the model", async () => {
    const { base } = await loadBase(null, { inputShape: [SIZE, SIZE, 3], alpha: 0.35, seed: 5, saveTo: join(dir, "base_aug.keras"), calibrate: { data: new Float32Array(2 * SIZE * SIZE * 3).map((_, i) => (i * 37) % 256), shape: [2, SIZE, SIZE, 3] } });
    const { model } = buildClassifier(base, { classes: 3, seed: 7 });
    expect(model.layers.slice(0, 3).map((l) => l.className)).toEqual(["RandomFlip", "RandomRotation", "Rescaling"]);
    const x = { data: Float32Array.from({ length: 2 * SIZE * SIZE * 3 }, (_, i) => (i * 13) % 256), shape: [2, SIZE, SIZE, 3] };
    const acts = model.activations(x);
    expect(Array.from(acts[1]!.data)).toEqual(Array.from(x.data));
    const file = join(dir, "augmented.keras");
    await model.save(`file://${file}`);
    const back = await loadModel(`file://${file}`);
    expect(back.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    back.dispose();
    model.dispose();
    base.dispose();
  }, 60_000);
});

describe("model.apply", () => {
  it("copies the layers with their weights and trainable flags; the base is unchanged", () => {
    const x0 = input({ shape: [4, 4, 2] });
    const h = layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", name: "c" }).apply(x0);
    const bn = layers.batchNormalization({ name: "bn" }).apply(h);
    const base = new Model({ inputs: x0, outputs: layers.add({ name: "sum" }).apply([h, bn]), seed: 3 });
    base.getLayer("bn").trainable = false;
    const weights = base.getWeights();
    const x1 = input({ shape: [4, 4, 2] });
    const out = layers.flatten().apply(base.apply(x1));
    const model = new Model({ inputs: x1, outputs: out, seed: 9 });
    expect(model.layers.map((l) => l.name)).toEqual(["c", "bn", "sum", "flatten"]);
    expect(model.layers.map((l) => l.trainable)).toEqual([true, false, true, true]);
    expect(model.getWeights().map((t) => Array.from(t.data))).toEqual(weights.map((t) => Array.from(t.data)));
    const x = { data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), shape: [2, 4, 4, 2] };
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(base.predict(x).data));
    // The copies are the new model's: changing them leaves the base as it was.
    model.setWeights(model.getWeights().map((t) => ({ data: t.data.map(() => 0.5), shape: t.shape })));
    expect(base.getWeights().map((t) => Array.from(t.data))).toEqual(weights.map((t) => Array.from(t.data)));
    model.dispose();
    base.dispose();
  });

  it("refuses values, and an input whose channels would change the weights' shapes", () => {
    const x0 = input({ shape: [4, 4, 2] });
    const base = new Model({ inputs: x0, outputs: layers.conv2d({ filters: 3, kernelSize: 1, name: "c" }).apply(x0) });
    expect(() => base.apply({ data: new Float32Array(4), shape: [4] } as never)).toThrow(/apply: expected a symbolic tensor .* received a tensor of values/);
    expect(() => base.apply(input({ shape: [4, 4, 3] }))).toThrow(/apply: layer "c" \(Conv2D\) applied to input "input_layer" \[4, 4, 3\] would need weights \[1, 1, 3, 3\], \[3\], but has \[1, 1, 2, 3\], \[3\]/);
    // Another spatial size is fine: the weights do not depend on it.
    const y = base.apply(input({ shape: [6, 6, 2] }));
    expect(y.shape).toEqual([6, 6, 3]);
    base.dispose();
    expect(() => base.apply(input({ shape: [4, 4, 2] }))).toThrow("apply: the model has been disposed");
  });

  it("two copies in one model clash by name; an empty Sequential has nothing to copy", () => {
    const x0 = input({ shape: [4, 4, 2] });
    const base = new Model({ inputs: x0, outputs: layers.conv2d({ filters: 2, kernelSize: 1, name: "c" }).apply(x0) });
    const x1 = input({ shape: [4, 4, 2] });
    const twice = base.apply(base.apply(x1));
    expect(() => new Model({ inputs: x1, outputs: twice })).toThrow(/the name "c" is used twice/);
    expect(() => new Sequential().apply(input({ shape: [3] }))).toThrow("apply: the model has no layers");
    base.dispose();
  });
});
