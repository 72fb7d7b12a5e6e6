/**
 * The `datasets` namespace: ready-made data for training and the parsers behind it.
 *
 * Loaders that read files (the bundled MNIST digits, IDX, CSV, PNG) work in Node only;
 * they load their modules on first use, so importing simdnet in a browser pulls in no
 * Node built-ins. The parsers are plain functions over bytes and text and work anywhere.
 */
import type { Tensor } from "../tensor.js";
import type { DigitCsv } from "./csv.js";
import type { DecodedPng } from "./png.js";
import type { LabeledImages, MnistOptions, MnistSplit } from "./mnist_digits.js";
import type { BothSubsetsOptions, ImageFolderOptions, ImageFolderSource } from "./image_folder.js";
import type { FileWithPath, ImageFilesOptions } from "./image_folder_browser.js";
import type { ReadImageOptions } from "./image_folder_node.js";
import type { FashionMnist, FashionMnistOptions } from "./fashion_mnist.js";

export { parseIdx, encodeIdx, idxToImages, idxToLabels, type IdxArray, type IdxData } from "./idx.js";
export { parseDigitCsv, type DigitCsv } from "./csv.js";
export { decodeMnistDigits, splitMnist, type LabeledImages, type MnistOptions, type MnistSplit } from "./mnist_digits.js";
export { imageToDigit, type ImagePixels } from "./to_digit.js";
export { ImageFolderSource, type BothSubsetsOptions, type ImageFolderOptions, type ImageTensors } from "./image_folder.js";
export type { FileWithPath, ImageFilesOptions } from "./image_folder_browser.js";
export type { ReadImageOptions } from "./image_folder_node.js";

/** `datasets.imageFolder`'s call forms: one source, or [training, validation] with subset "both". */
export interface ImageFolderLoader {
  /** Both subsets of a validation split, [training, validation]. */
  (dir: string, options: BothSubsetsOptions): Promise<[ImageFolderSource, ImageFolderSource]>;
  /** One source: all images, or the subset asked for. */
  (dir: string, options?: ImageFolderOptions): Promise<ImageFolderSource>;
}

/** `datasets.imageFolderFromFiles`'s call forms, as {@link ImageFolderLoader}'s. */
export interface ImageFilesLoader {
  /** Both subsets of a validation split, [training, validation]. */
  (files: Iterable<File | FileWithPath> | ArrayLike<File | FileWithPath>, options: ImageFilesOptions & BothSubsetsOptions): Promise<[ImageFolderSource, ImageFolderSource]>;
  /** One source: all images, or the subset asked for. */
  (files: Iterable<File | FileWithPath> | ArrayLike<File | FileWithPath>, options?: ImageFilesOptions): Promise<ImageFolderSource>;
}
export type { FashionMnist, FashionMnistOptions } from "./fashion_mnist.js";

/** Node-only loaders, imported lazily. */
export const datasets = {
  /**
   * Keras's `image_dataset_from_directory`: one subfolder of `dir` per class, PNG, JPEG,
   * BMP and GIF files, decoded and resized per batch. See docs/images.md.
   */
  imageFolder: (async (dir: string, options?: ImageFolderOptions) => (await import("./image_folder_node.js")).imageFolder(dir, options)) as ImageFolderLoader,
  /**
   * One image file (PNG, JPEG, BMP, GIF) as `imageFolder` gives it: x `[1, h, w, c]` in
   * [0, 255], resized bilinearly to `imageSize` (default [256, 256]) in `colorMode` (default "rgb").
   */
  async readImage(path: string, options?: ReadImageOptions): Promise<Tensor> {
    return (await import("./image_folder_node.js")).readImage(path, options);
  },
  /**
   * `imageFolder` in browsers, from the File objects of an `<input type="file"
   * webkitdirectory>` or `{ file, path }` pairs (see `filesFromEntries`), decoded with
   * `createImageBitmap`: all when the source is made, or with `preload: false` batch by
   * batch in the source's `prepare` (which `fit` awaits). Works in browsers only.
   */
  imageFolderFromFiles: (async (files: Iterable<File | FileWithPath> | ArrayLike<File | FileWithPath>, options?: ImageFilesOptions) => (await import("./image_folder_browser.js")).imageFolderFromFileList(files, options)) as ImageFilesLoader,
  /** The files below dropped entries (`item.webkitGetAsEntry()`), with their paths, for `imageFolderFromFiles`. */
  async filesFromEntries(entries: readonly FileSystemEntry[]): Promise<FileWithPath[]> {
    return (await import("./image_folder_browser.js")).filesFromEntries(entries);
  },
  /**
   * The 10,000 real MNIST digits of the `mnist` package, shuffled by `seed` (default 0)
   * and split into train (8,000) and test (`testCount`, default 2,000) sets:
   * x `[n, 28, 28, 1]` in [0, 1], y `[n]` class indices.
   */
  async loadMnist(options: MnistOptions = {}): Promise<MnistSplit> {
    return (await import("./mnist.js")).loadMnist(options);
  },
  /** All 10,000 bundled digits in class order (x `[10000, 28, 28, 1]`, y `[10000]`). */
  async loadMnistDigits(): Promise<LabeledImages> {
    return (await import("./mnist.js")).loadMnistDigits();
  },
  /**
   * Fashion-MNIST's 60,000 training and 10,000 test images (x `[n, 28, 28, 1]` in [0, 1],
   * y `[n]`) and its class names, from `dir` (default `/usr/share/datasets/fashion-mnist`,
   * where Debian's `dataset-fashion-mnist` package puts them).
   */
  async loadFashionMnist(options: FashionMnistOptions = {}): Promise<FashionMnist> {
    return (await import("./fashion_mnist.js")).loadFashionMnist(options);
  },
  /** IDX images and labels (plain or gzipped), checked to have the same count. */
  async loadIdx(imagesPath: string, labelsPath: string): Promise<LabeledImages> {
    return (await import("./files.js")).loadIdx(imagesPath, labelsPath);
  },
  /** IDX images as `[n, h, w, 1]` in [0, 1]. */
  async loadIdxImages(path: string): Promise<Tensor> {
    return (await import("./files.js")).loadIdxImages(path);
  },
  /** IDX labels as `[n]`. */
  async loadIdxLabels(path: string): Promise<Tensor> {
    return (await import("./files.js")).loadIdxLabels(path);
  },
  /** A Kaggle "Digit Recognizer" CSV: x `[n, 28, 28, 1]` in [0, 1], y `[n]` or null. */
  async loadDigitCsv(path: string): Promise<DigitCsv> {
    return (await import("./files.js")).loadDigitCsv(path);
  },
  /** Decodes an 8-bit PNG (gray, gray+alpha, RGB, RGBA or palette). */
  async decodePng(bytes: Uint8Array): Promise<DecodedPng> {
    return (await import("./png.js")).decodePng(bytes);
  },
  /** A PNG of a digit as 784 MNIST-like floats (gray, 28x28, white on black). */
  async pngToDigit(bytes: Uint8Array): Promise<Float32Array> {
    return (await import("./png.js")).pngToDigit(bytes);
  },
};
