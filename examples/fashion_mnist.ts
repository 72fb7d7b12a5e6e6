/**
 * Fashion-MNIST with a small VGG-style network with batch normalization, built with the
 * functional API (examples/fashion_vgg.ts), trained with AdamW and a cosine learning-rate
 * decay, then evaluated on the 10,000 test images.
 *
 *   sudo apt-get install dataset-fashion-mnist        # the data, once (Debian/Ubuntu)
 *   npm run example:fashion                            # or: npx vite-node examples/fashion_mnist.ts
 *
 * Measured (SIMD build, seed 1, the defaults below: 219,162 parameters, batch 128, AdamW
 * with weight decay 1e-4, cosine decay from 2e-3 over 10 epochs): 92.93% test accuracy
 * (loss 0.2178) after 10 epochs, 93.07% at best after epoch 8; training accuracy 98.3%.
 * 73 s per epoch (about 830 images/s, validation included) on one core of a 2-core machine
 * with a load average of 3-4; 36 minutes in all on that machine, whose first seven epochs
 * shared it with a load average of 10-20 (170-470 s each).
 *
 * Options (all optional), for quick experiments:
 *   --epochs N        epochs (default 10)
 *   --train N         train on the first N training images only (default all 60,000)
 *   --test N          evaluate on the first N test images only (default all 10,000)
 *   --filters A,B     filters of the two blocks (default 16,32)
 *   --batch N         batch size (default 128)
 *   --lr X            peak learning rate of the cosine decay (default 0.002)
 *   --workers N       data-parallel threads (default 1)
 *   --dir PATH        folder of the IDX files (default the Debian package's)
 *   --save PATH       save the trained model there (a .keras or .h5 file, or a folder)
 */
import { datasets, init, optimizers, tensor, type Callback, type Tensor } from "../ts/index.js";
import { fashionVgg } from "./fashion_vgg.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  if (value === undefined) throw new Error(`fashion_mnist: --${name} needs a value`);
  return value;
}

function count(name: string, fallback: number, max = Infinity): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`fashion_mnist: --${name} must be a whole number in [1, ${max}], received ${option(name, "")}`);
  }
  return value;
}

/** The first `n` samples of `x` (a copy-free view would alias the loader's arrays; a copy is clearer). */
function head(t: Tensor, n: number): Tensor {
  const per = t.data.length / t.shape[0]!;
  return tensor(t.data.slice(0, n * per), [n, ...t.shape.slice(1)]);
}

const info = await init();
const started = performance.now();
const data = await datasets.loadFashionMnist(process.argv.includes("--dir") ? { dir: option("dir", "") } : {});
const nTrain = count("train", data.train.x.shape[0]!, data.train.x.shape[0]!);
const nTest = count("test", data.test.x.shape[0]!, data.test.x.shape[0]!);
const train = { x: head(data.train.x, nTrain), y: head(data.train.y, nTrain) };
const test = { x: head(data.test.x, nTest), y: head(data.test.y, nTest) };
console.log(`Fashion-MNIST: ${nTrain} training and ${nTest} test images (${((performance.now() - started) / 1000).toFixed(1)} s to load); wasm: ${info.flavor}`);
console.log(`classes: ${data.classNames.join(", ")}`);

const epochs = count("epochs", 10);
const batchSize = count("batch", 128);
const workers = count("workers", 1);
const filters = option("filters", "16,32").split(",").map(Number) as [number, number];
const peak = Number(option("lr", "0.002"));

const model = fashionVgg({ filters, seed: 1 });
model.summary();
const stepsPerEpoch = Math.ceil(nTrain / batchSize);
const schedule = optimizers.schedules.cosineDecay({ initialLearningRate: peak, decaySteps: epochs * stepsPerEpoch, alpha: 0.01 });
model.compile({
  optimizer: optimizers.adamW({ learningRate: schedule, weightDecay: 1e-4 }),
  loss: "sparseCategoricalCrossentropy",
  metrics: ["accuracy"],
});

// fit's own line per epoch says the loss, accuracy and seconds; this adds throughput.
let epochStart = 0;
const throughput: Callback = {
  onEpochBegin: () => { epochStart = performance.now(); },
  onEpochEnd: (epoch) => {
    const s = (performance.now() - epochStart) / 1000;
    console.log(`  epoch ${epoch + 1}: ${s.toFixed(1)} s, ${(nTrain / s).toFixed(0)} images/s, next learning rate ${model.optimizer!.learningRate.toExponential(2)}`);
  },
};

const trainStart = performance.now();
// The test set as validation data only to print its accuracy after every epoch (a learning
// curve); nothing is chosen by it: the schedule is fixed in advance.
await model.fit(train.x, train.y, { epochs, batchSize, seed: 1, workers, callbacks: [throughput], validationData: [test.x, test.y] });
const trainSeconds = (performance.now() - trainStart) / 1000; // includes the per-epoch validation

const evalStart = performance.now();
const { loss, accuracy } = model.evaluate(test.x, test.y, { batchSize: 500 });
const evalSeconds = (performance.now() - evalStart) / 1000;
console.log(`\ntest accuracy ${(100 * accuracy!).toFixed(2)}% (loss ${loss.toFixed(4)}) on ${nTest} images, evaluated in ${evalSeconds.toFixed(1)} s (${(nTest / evalSeconds).toFixed(0)} images/s)`);
console.log(`training: ${epochs} epochs in ${(trainSeconds / 60).toFixed(1)} min (${(trainSeconds / epochs).toFixed(1)} s per epoch, ${((epochs * nTrain) / trainSeconds).toFixed(0)} images/s)`);

if (process.argv.includes("--save")) {
  await model.save(option("save", ""));
  console.log(`saved to ${option("save", "")}`);
}
model.dispose();
