/**
 * Done criterion of "Keras-style models": the course's LeNet-5 (conv 6@5x5 same relu,
 * average pool, conv 16@5x5 relu, average pool, dense 120, 84, 10 softmax; 61,706
 * parameters) with Adam(1e-3) trained on 8,000 real MNIST digits reaches >= 97%
 * accuracy on the 2,000 others.
 *
 * Seeds: split `loadMnist({ seed: 0 })`, weights `lenet5({ seed: 1 })`, augmentation and
 * shuffling `flow(..., { seed: 1 })`, fit `seed: 1`.
 *
 * Measured on this machine (SIMD build, about 1.7 s per epoch): without augmentation the
 * test accuracy plateaus at 97.0-97.4% after 8-12 epochs for three seeds (the training
 * accuracy reaches 99%+: 8,000 digits are few), too close to the bar to pass with margin.
 * Light augmentation (rotations of up to 8 degrees, shifts and zooms of up to 8%) and
 * halving the learning rate each epoch from the 8th reach 98.15% (98.0% with seeds 2),
 * in about 21 s of training.
 */
import { expect, it } from "vitest";
import { ImageDataGenerator } from "../../ts/data/image_data_generator.js";
import { loadMnist } from "../../ts/data/mnist.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";

it("LeNet-5 with Adam reaches >= 97% on 2,000 held-out MNIST digits", async () => {
  await init();
  const { train, test } = loadMnist({ seed: 0, testCount: 2000 });
  expect(train.x.shape).toEqual([8000, 28, 28, 1]);
  expect(test.x.shape).toEqual([2000, 28, 28, 1]);

  const model = lenet5({ seed: 1 });
  expect(model.countParams()).toBe(61706);
  const adam = optimizers.adam({ learningRate: 1e-3 });
  model.compile({ optimizer: adam, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });

  const augment = new ImageDataGenerator({ rotationRange: 8, widthShiftRange: 0.08, heightShiftRange: 0.08, zoomRange: 0.08 });
  const source = augment.flow(train.x, train.y, { batchSize: 32, seed: 1 });
  const halveFromEpoch8 = { onEpochEnd: (epoch: number) => { if (epoch + 1 >= 8) adam.learningRate /= 2; } };
  const history = await model.fit(source, { epochs: 12, seed: 1, verbose: 0, callbacks: [halveFromEpoch8] });

  const losses = history.history.loss!;
  expect(losses).toHaveLength(12);
  expect(losses[11]!).toBeLessThan(losses[0]! / 5);
  const { loss, accuracy } = model.evaluate(test.x, test.y, { batchSize: 250 });
  expect(loss).toBeLessThan(0.12);
  expect(accuracy).toBeGreaterThanOrEqual(0.97);
  model.dispose();
});
