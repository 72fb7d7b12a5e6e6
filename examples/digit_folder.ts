/**
 * Makes a folder of images to try `simdnet train --images` on, from the MNIST digits
 * bundled with the mnist package (no download): one subfolder per class named after the
 * digit ("zero" ... "nine"), a mix of grayscale PNG, grayscale JPEG and coloured JPEG
 * files at 28x28 and at other sizes, so that reading, colour conversion and resizing are
 * all exercised.
 * Used by examples/make_image_folder.ts and the CLI's tests (test/cli/).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadMnistDigits } from "../ts/data/mnist.js";
import { encodePng } from "../ts/data/png.js";
import { resizeBilinear } from "../ts/data/resize.js";
import { Random } from "../ts/random.js";
import { encodeJpeg } from "./jpeg_encode.js";

/** The class folder names, digit by digit. */
export const DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** Options of {@link makeDigitFolder}. */
export interface DigitFolderOptions {
  /** Images per class (default 100). */
  perClass?: number;
  /** The first `classes` digits (default 10). */
  classes?: number;
  /** Skip this many digits of each class first (to make a disjoint test folder). */
  skip?: number;
  /** Seed of the file kinds, sizes and colours (default 0). */
  seed?: number;
}

/** One digit (28x28 bytes, white on black) as a file: PNG, gray JPEG or coloured JPEG, maybe resized. */
export function digitFile(gray: Uint8Array, random: Random, kind: number): { ext: string; bytes: Uint8Array } {
  const sizes = [28, 28, 24, 36, 40];
  const size = sizes[random.int(sizes.length)]!;
  const pixels = size === 28 ? gray : Uint8Array.from(resizeBilinear(gray, 28, 28, 1, size, size), (v) => Math.round(v));
  if (kind === 0) return { ext: "png", bytes: encodePng(pixels, size, size) };
  if (kind === 1) return { ext: "jpg", bytes: encodeJpeg(pixels, size, size, 1) };
  // A coloured digit on a coloured background: the ink's and the paper's colours differ by sample.
  const ink = [160 + random.int(96), 160 + random.int(96), 160 + random.int(96)];
  const paper = [random.int(64), random.int(64), random.int(64)];
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const t = pixels[i]! / 255;
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.round(paper[k]! * (1 - t) + ink[k]! * t);
  }
  return { ext: "jpg", bytes: encodeJpeg(rgb, size, size, 3) };
}

/** Writes `root/<class>/<n>.png|jpg` from the bundled digits; returns the class names written. */
export function makeDigitFolder(root: string, options: DigitFolderOptions = {}): string[] {
  const perClass = options.perClass ?? 100;
  const classes = options.classes ?? 10;
  const skip = options.skip ?? 0;
  if (!Number.isSafeInteger(perClass) || perClass < 1) throw new Error(`makeDigitFolder: perClass must be a whole number >= 1, received ${perClass}`);
  if (!Number.isSafeInteger(classes) || classes < 1 || classes > 10) throw new Error(`makeDigitFolder: classes must be a whole number in [1, 10], received ${classes}`);
  const { x, y } = loadMnistDigits();
  const random = new Random(options.seed ?? 0);
  const names = DIGIT_NAMES.slice(0, classes);
  for (let d = 0; d < classes; d++) {
    const indices: number[] = [];
    for (let i = 0; i < y.data.length; i++) if (y.data[i] === d) indices.push(i);
    const mine = indices.slice(skip, skip + perClass);
    if (mine.length < perClass) throw new Error(`makeDigitFolder: only ${indices.length} digits ${d} are bundled; ask for fewer than ${skip + perClass}`);
    mkdirSync(join(root, names[d]!), { recursive: true });
    mine.forEach((index, n) => {
      const gray = Uint8Array.from(x.data.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255));
      const file = digitFile(gray, random, n % 3);
      writeFileSync(join(root, names[d]!, `${String(n).padStart(4, "0")}.${file.ext}`), file.bytes);
    });
  }
  return names;
}

