/**
 * `simdnet train`: trains LeNet-5 on the bundled MNIST digits (or IDX/CSV files), with a
 * progress bar per epoch, then reports the accuracy on held-out digits.
 */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Callback, Logs } from "../callbacks/callback.js";
import { ImageDataGenerator } from "../data/image_data_generator.js";
import { loadDigitCsv, loadIdx } from "../data/files.js";
import { loadMnistDigits, splitMnist, type LabeledImages } from "../data/mnist.js";
import { lenet5 } from "../models/lenet5.js";
import type { Sequential } from "../model/sequential.js";
import { optimizers } from "../optimizers/index.js";
import type { Tensor } from "../tensor.js";
import { init } from "../wasm/loader.js";
import { numberFlag, parse, UsageError } from "./args.js";
import { ProgressBar, formatDuration, type ProgressStream } from "./progress.js";
import { trainImages } from "./train_images.js";

export const TRAIN_HELP = `simdnet train [options]
simdnet train --images DIR --out FILE.keras [options]

Trains LeNet-5 on digits (the course's Keras layout by default) and reports test
accuracy; or, with --images, a model on your own folder of images.

Your images (--images DIR: one subfolder per class, e.g. DIR/cat/*.jpg, DIR/dog/*.png;
PNG, JPEG, BMP and GIF, any size, resized bilinearly as Keras does):
  --images DIR        the folder; classes are its subfolders in alphabetical order
  --model NAME|FILE   resnet20 (default; images of at least 29x29), mobilenetv2 or
                      mobilenetv2:ALPHA (e.g. mobilenetv2:0.35; at least 32x32),
                      lenet5 (at least 12x12), or a .keras, .h5 or model.json file whose
                      input takes the images and whose output has one unit per class.
                      Built-in models start with a Rescaling layer (pixels to [0, 1], or
                      [-1, 1] for MobileNetV2); a file is trained as it is.
  --image-size H,W    size the images are resized to (default: resnet20 32,32,
                      mobilenetv2 96,96, lenet5 28,28, a file: its input size)
  --color MODE        grayscale, rgb (default; a file: its input's channels) or rgba
  --validation-split F  fraction of the images held out to validate (default 0.2; 0: none)
  --workers N         data-parallel worker threads (default 1)
  --augment           Keras 3 augmentation layers in front of the model (RandomFlip
                      horizontal, RandomRotation 0.05, RandomZoom 0.1, RandomTranslation
                      0.1): active in training only, saved with the model
  --learning-rate X   Adam learning rate (default 0.001; --lr also works)
  --out FILE          required: FILE.keras (or .h5, or a folder for model.json), saved
                      with the class names, which predict and evaluate print

Data (default: the 10,000 MNIST digits bundled with the mnist package):
  --idx-images FILE   IDX images (e.g. train-images-idx3-ubyte, optionally .gz)
  --idx-labels FILE   IDX labels matching --idx-images
  --csv FILE          Kaggle "Digit Recognizer" CSV with a label column
  --test-fraction F   fraction held out for testing (default 0.2)

Training:
  --variant NAME      keras (28x28, same padding, ReLU) or classic (1998: 32x32, tanh);
                      classic pads 28x28 digits to 32x32 as LeCun did (default keras)
  --epochs N          passes over the training digits (default 10)
  --batch-size N      samples per step (default 32, as Keras)
  --lr X              Adam learning rate (default 0.001)
  --augment           random rotations, shifts and zoom (ImageDataGenerator)
  --seed N            seed of the split, weights, shuffling and augmentation (default 0)
  --out DIR           save the trained model to DIR (model.json + weights.bin)
  --quiet             no progress bars, only the final result

Examples:
  simdnet train
  simdnet train --epochs 10 --augment --out models/lenet5
  simdnet train --idx-images train-images-idx3-ubyte.gz --idx-labels train-labels-idx1-ubyte.gz
  simdnet train --images photos --model resnet20 --image-size 32,32 --epochs 5 --out m.keras
  simdnet train --images photos --model mobilenetv2:0.35 --augment --out m.keras
`;

/** A Keras-style progress bar as a fit callback. */
export class ProgressCallback implements Callback {
  private bar: ProgressBar | null = null;
  private batchSize = 1;
  private samples = 1;

  constructor(private readonly stream: ProgressStream) {}

  setParams(params: Record<string, unknown>): void {
    this.samples = Number(params.samples);
    this.batchSize = Number(params.batchSize);
    this.bar = new ProgressBar({ epochs: Number(params.epochs), samples: this.samples, stream: this.stream });
  }

  onEpochBegin(epoch: number): void {
    this.bar?.epochBegin(epoch);
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.bar?.batchEnd(Math.min((batch + 1) * this.batchSize, this.samples), pick(logs, ["loss", "accuracy"]));
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    this.bar?.epochEnd(pick(logs, ["loss", "accuracy", "val_loss", "val_accuracy"]));
  }
}

function pick(logs: Logs, keys: string[]): Logs {
  const out: Logs = {};
  for (const k of keys) if (logs[k] !== undefined) out[k] = logs[k]!;
  return out;
}

/** Zero-pads [n, h, w, c] images by `p` pixels on every side. */
function padImages(x: Tensor, p: number): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const H = h + 2 * p;
  const W = w + 2 * p;
  const out = new Float32Array(n * H * W * c);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      const src = ((i * h + r) * w) * c;
      out.set(x.data.subarray(src, src + w * c), ((i * H + r + p) * W + p) * c);
    }
  }
  return { data: out, shape: [n, H, W, c] };
}

function loadData(values: Record<string, unknown>): { all: LabeledImages; source: string } {
  const idxImages = values["idx-images"] as string | undefined;
  const idxLabels = values["idx-labels"] as string | undefined;
  const csv = values.csv as string | undefined;
  if ((idxImages === undefined) !== (idxLabels === undefined)) {
    throw new UsageError("--idx-images and --idx-labels go together");
  }
  if (idxImages !== undefined && csv !== undefined) throw new UsageError("give either --idx-images/--idx-labels or --csv, not both");
  if (idxImages !== undefined) return { all: loadIdx(idxImages, idxLabels!), source: idxImages };
  if (csv !== undefined) {
    const { x, y } = loadDigitCsv(csv);
    if (!y) throw new UsageError(`${csv} has no label column; training needs labels`);
    return { all: { x, y }, source: csv };
  }
  return { all: loadMnistDigits(), source: "the bundled MNIST digits" };
}

/**
 * Checks `--out` before training rather than after it: the path must be a writable
 * directory, or not exist yet with a writable directory as its nearest existing ancestor
 * (save creates the missing ones).
 */
function checkOutDir(out: string): void {
  let path = resolve(out);
  for (;;) {
    let info: ReturnType<typeof statSync> | undefined;
    try {
      info = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`--out ${out}: cannot check ${path}: ${(e as Error).message}`);
    }
    if (info) {
      if (!info.isDirectory()) {
        throw new UsageError(path === resolve(out) ? `--out ${out} is a file, not a directory; the model is saved as DIR/model.json and DIR/weights.bin` : `--out ${out}: ${path} is a file, so the directory cannot be made`);
      }
      try {
        accessSync(path, fsConstants.W_OK);
      } catch {
        throw new UsageError(`--out ${out}: ${path} is not writable`);
      }
      return;
    }
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
  }
}

function countClasses(y: Tensor): number {
  let max = 0;
  for (const v of y.data) max = Math.max(max, v);
  return Math.max(2, max + 1);
}

/** Runs `simdnet train`; returns the test accuracy. */
export async function train(argv: string[], out: ProgressStream = process.stdout): Promise<number> {
  const { values } = parse(argv, {
    "idx-images": { type: "string" },
    "idx-labels": { type: "string" },
    csv: { type: "string" },
    "test-fraction": { type: "string" },
    variant: { type: "string" },
    epochs: { type: "string" },
    "batch-size": { type: "string" },
    lr: { type: "string" },
    augment: { type: "boolean" },
    seed: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean" },
    images: { type: "string" },
    model: { type: "string" },
    "image-size": { type: "string" },
    color: { type: "string" },
    "validation-split": { type: "string" },
    workers: { type: "string" },
    "learning-rate": { type: "string" },
  }, false);
  if (values.images !== undefined) return trainImages(values, out);
  for (const flag of ["model", "image-size", "color", "validation-split", "workers", "learning-rate"]) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} applies with --images DIR only (the digits train LeNet-5)`);
  }
  const epochs = numberFlag(values, "epochs", 10, { min: 1, max: 10_000, integer: true });
  const batchSize = numberFlag(values, "batch-size", 32, { min: 1, max: 65_536, integer: true });
  const lr = numberFlag(values, "lr", 1e-3, { min: Number.MIN_VALUE, max: 10 });
  const seed = numberFlag(values, "seed", 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const testFraction = numberFlag(values, "test-fraction", 0.2, { min: 0.01, max: 0.99 });
  const variant = (values.variant as string | undefined) ?? "keras";
  if (variant !== "keras" && variant !== "classic") throw new UsageError(`--variant must be keras or classic, received ${JSON.stringify(variant)}`);
  const write = (line: string) => out.write(line + "\n");
  if (values.out !== undefined) checkOutDir(values.out as string);

  const loaded = loadData(values);
  const all = variant === "classic" ? { x: padImages(loaded.all.x, 2), y: loaded.all.y } : loaded.all;
  const n = all.x.shape[0]!;
  const testCount = Math.round(n * testFraction);
  if (testCount < 1 || testCount >= n) throw new UsageError(`--test-fraction ${testFraction} leaves no training or no test digits out of ${n}`);
  const { train: trainSet, test } = splitMnist(all, { seed, testCount });

  const { flavor } = await init();
  const [, h, w, c] = all.x.shape as [number, number, number, number];
  const model: Sequential = lenet5({ variant, inputShape: [h, w, c], classes: countClasses(all.y), seed });
  model.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  write(`LeNet-5 (${variant}, ${model.countParams().toLocaleString("en-US")} parameters) on ${loaded.source}: ` +
    `${trainSet.x.shape[0]!.toLocaleString("en-US")} to train, ${testCount.toLocaleString("en-US")} to test; ${flavor} wasm kernels`);

  const callbacks: Callback[] = values.quiet ? [] : [new ProgressCallback(out)];
  const began = performance.now();
  if (values.augment) {
    const generator = new ImageDataGenerator({ rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, seed });
    await model.fit(generator.flow(trainSet.x, trainSet.y, { batchSize, seed }), { epochs, callbacks, verbose: 0 });
  } else {
    await model.fit(trainSet.x, trainSet.y, { epochs, batchSize, seed, callbacks, verbose: 0 });
  }
  const seconds = (performance.now() - began) / 1000;
  const result = model.evaluate(test.x, test.y, { batchSize: 256 });
  const accuracy = result.accuracy ?? NaN;
  const correct = Math.round(accuracy * testCount);
  write(`Trained ${epochs} epoch${epochs === 1 ? "" : "s"} in ${formatDuration(seconds)} ` +
    `(${Math.round((epochs * trainSet.x.shape[0]!) / seconds).toLocaleString("en-US")} images/s).`);
  write(`Test accuracy: ${(accuracy * 100).toFixed(2)}% (${correct}/${testCount}), loss ${result.loss.toFixed(4)}`);
  if (values.out !== undefined) {
    await model.save(`file://${values.out as string}`);
    write(`Saved to ${values.out as string}/model.json`);
  }
  model.dispose();
  return accuracy;
}
