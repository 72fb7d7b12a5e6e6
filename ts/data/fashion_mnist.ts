/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; Zalando's 28x28 gray images of clothes in
 * ten classes, 60,000 for training and 10,000 for testing), read from its four IDX files.
 * Node-only; the default folder is where Debian's `dataset-fashion-mnist` package puts
 * them. The files go through the same IDX reader as any other (files.ts), so a corrupt
 * file fails with the parser's error and the path.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkKnownKeys } from "../options.js";
import { loadIdx } from "./files.js";
import type { LabeledImages } from "./mnist_digits.js";

/** Where Debian's `dataset-fashion-mnist` package installs the IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** The ten class names of Fashion-MNIST, by label (0 is "T-shirt/top", 9 is "Ankle boot"). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]);

/** Options of `datasets.loadFashionMnist`. */
export interface FashionMnistOptions {
  /**
   * Folder holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each gzipped (`.gz`, as
   * distributed) or not. Default {@link FASHION_MNIST_DIR}.
   */
  dir?: string;
}

/** Fashion-MNIST's official split, and the names of its classes. */
export interface FashionMnist {
  /** The training images (60,000 in the official files): x `[n, 28, 28, 1]` in [0, 1], y `[n]`. */
  train: LabeledImages;
  /** The test images (10,000 in the official files). */
  test: LabeledImages;
  /** {@link FASHION_MNIST_CLASSES}: `classNames[label]` names a label. */
  classNames: readonly string[];
}

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

const INSTALL_HINT = "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or pass { dir } naming a folder with the four Fashion-MNIST IDX files";

/** The file `name` in `dir`, gzipped (preferred, as distributed) or plain. */
function findFile(dir: string, name: string): string {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(dir, candidate);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  throw new Error(`loadFashionMnist: ${dir} has no ${name}.gz (or ${name}); ${INSTALL_HINT}`);
}

/** Checks what the IDX reader cannot know: 28x28 images and labels 0..9. */
function checkSplit(split: LabeledImages, imagesPath: string, labelsPath: string): LabeledImages {
  const [, h, w] = split.x.shape;
  if (h !== 28 || w !== 28) {
    throw new Error(`loadFashionMnist: ${imagesPath} holds images of ${h}x${w}, expected 28x28`);
  }
  const y = split.y.data;
  for (let i = 0; i < y.length; i++) {
    const label = y[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label <= 9)) {
      throw new Error(`loadFashionMnist: ${labelsPath} has label ${label} at index ${i}, expected a class index 0..9`);
    }
  }
  return split;
}

/**
 * Loads Fashion-MNIST's training and test sets from `options.dir` (default the Debian
 * package's folder), in the files' order: x `[n, 28, 28, 1]` scaled to [0, 1], y `[n]`
 * class indices as floats. Every file is checked before anything is returned: a missing
 * folder or file names the package to install.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`loadFashionMnist: options must be an object such as { dir }, received ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  checkKnownKeys("loadFashionMnist", options, ["dir"]);
  const dir = options.dir ?? FASHION_MNIST_DIR;
  if (typeof dir !== "string" || dir === "") {
    throw new Error(`loadFashionMnist: dir must be a non-empty string (a folder path), received ${typeof dir === "string" ? '""' : typeof dir}`);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`loadFashionMnist: Fashion-MNIST not found: ${dir} is not a folder; ${INSTALL_HINT}`);
  }
  const paths = {
    trainImages: findFile(dir, FILES.trainImages),
    trainLabels: findFile(dir, FILES.trainLabels),
    testImages: findFile(dir, FILES.testImages),
    testLabels: findFile(dir, FILES.testLabels),
  };
  const train = checkSplit(loadIdx(paths.trainImages, paths.trainLabels), paths.trainImages, paths.trainLabels);
  const test = checkSplit(loadIdx(paths.testImages, paths.testLabels), paths.testImages, paths.testLabels);
  return { train, test, classNames: FASHION_MNIST_CLASSES };
}
