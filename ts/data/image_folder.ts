/**
 * Keras's `image_dataset_from_directory`, the part that works anywhere (no Node
 * built-ins): its options, its rules for which files belong to which class and in what
 * order, its validation split, and the batch source that decodes and resizes images
 * batch by batch. Where the files come from is the caller's: image_folder_node.ts walks
 * a directory, image_folder_browser.ts takes File objects.
 */
import type { BatchSource } from "./batch_source.js";
import { hasImageExtension, IMAGE_EXTENSIONS, type DecodedImage } from "./image_decode.js";
import { resizeBilinear } from "./resize.js";
import { checkKnownKeys } from "../options.js";
import { Random, randomSeed } from "../random.js";
import type { Tensor } from "../tensor.js";

/** Options of `datasets.imageFolder` (Keras's names in camelCase, Keras's defaults). */
export interface ImageFolderOptions {
  /** "int" (default): class indices; "categorical": one-hot rows; "binary": 0/1 as [1] (two classes); null: no labels. */
  labelMode?: "int" | "categorical" | "binary" | null;
  /** Classes in this order (a subset of the subfolders); default: all subfolders, sorted. */
  classNames?: readonly string[];
  /** "rgb" (default, 3 channels), "grayscale" (1) or "rgba" (4). */
  colorMode?: "grayscale" | "rgb" | "rgba";
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** [height, width] every image is resized to, bilinearly (default [256, 256]); a number means a square. */
  imageSize?: number | readonly [number, number];
  /** Shuffle the files once before splitting, and the samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles; required with validationSplit when shuffling (as Keras). */
  seed?: number;
  /** Fraction of the files (after the seeded shuffle) kept for validation: the last ones. */
  validationSplit?: number;
  /** Which part to return with validationSplit: "training", "validation" or "both" ([training, validation]). */
  subset?: "training" | "validation" | "both";
  /** Print "Found N files belonging to K classes." (default false; Keras prints by default). */
  verbose?: boolean;
}

const OPTION_NAMES = ["labelMode", "classNames", "colorMode", "batchSize", "imageSize", "shuffle", "seed", "validationSplit", "subset", "verbose"];
const CHANNELS = { grayscale: 1, rgb: 3, rgba: 4 } as const;

/** The options after checking, with defaults filled in. */
export interface ImageFolderSettings {
  /** As the option (default "int"). */
  labelMode: "int" | "categorical" | "binary" | null;
  /** The classes asked for, or null for all subfolders. */
  classNames: readonly string[] | null;
  /** 1, 3 or 4, from colorMode. */
  channels: 1 | 3 | 4;
  /** As the option (default 32). */
  batchSize: number;
  /** Target height in pixels. */
  height: number;
  /** Target width in pixels. */
  width: number;
  /** As the option (default true). */
  shuffle: boolean;
  /** The seed given, or a random one. */
  seed: number;
  /** 0 for no split. */
  validationSplit: number;
  /** The subset asked for, or null without a split. */
  subset: "training" | "validation" | "both" | null;
  /** As the option (default false). */
  verbose: boolean;
}

/** Options of `imageFolder` that ask for both subsets of a split. */
export interface BothSubsetsOptions extends ImageFolderOptions {
  /** "both": the call returns [training, validation]. */
  subset: "both";
}

/** Images and labels as tensors, from {@link ImageFolderSource.toTensors}. */
export interface ImageTensors {
  /** Images [n, height, width, channels], floats in [0, 255]. */
  x: Tensor;
  /** Labels as labelMode says ([n], [n, classes] or [n, 1]), or null with labelMode null. */
  y: Tensor | null;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  return typeof v === "string" ? `"${v}"` : String(v);
}

/** Checks every option as Keras does (and a little more), before any file is read. */
export function imageFolderSettings(op: string, options: ImageFolderOptions): ImageFolderSettings {
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new Error(`${op}: options must be an object, received ${show(options)}`);
  checkKnownKeys(op, options, OPTION_NAMES);
  const bad = (name: string, v: unknown, expected: string): never => {
    throw new Error(`${op}: ${name} must be ${expected}, received ${show(v)}`);
  };
  const labelMode = options.labelMode === undefined ? "int" : options.labelMode;
  if (![null, "int", "categorical", "binary"].includes(labelMode)) bad("labelMode", labelMode, `"int", "categorical", "binary" or null`);
  const colorMode = options.colorMode ?? "rgb";
  if (!(colorMode in CHANNELS)) bad("colorMode", colorMode, `"rgb", "grayscale" or "rgba"`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) bad("batchSize", batchSize, "a whole number >= 1");
  const size = options.imageSize ?? [256, 256];
  const [height, width] = typeof size === "number" ? [size, size] : Array.isArray(size) && size.length === 2 ? size : bad("imageSize", size, "[height, width] or a number");
  for (const v of [height, width]) if (!Number.isSafeInteger(v) || v < 1 || v > 8192) bad("imageSize", size, "whole numbers in [1, 8192]");
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") bad("shuffle", shuffle, "true or false");
  const verbose = options.verbose ?? false;
  if (typeof verbose !== "boolean") bad("verbose", verbose, "true or false");
  const split = options.validationSplit ?? 0;
  if (typeof split !== "number" || !(split >= 0 && split < 1)) bad("validationSplit", split, "a number in (0, 1)");
  const subset = options.subset ?? null;
  if (subset !== null && !["training", "validation", "both"].includes(subset)) bad("subset", subset, `"training", "validation" or "both"`);
  if ((split > 0) !== (subset !== null)) {
    throw new Error(`${op}: validationSplit and subset go together (received validationSplit ${show(options.validationSplit)}, subset ${show(options.subset)}): set both or neither`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) bad("seed", options.seed, "a safe integer");
  if (split > 0 && shuffle && options.seed === undefined) {
    throw new Error(`${op}: with validationSplit and shuffle, pass a seed, so that the training and validation subsets (made by separate calls) do not overlap`);
  }
  let classNames: readonly string[] | null = null;
  if (options.classNames !== undefined) {
    const names = options.classNames;
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string" || n === "")) bad("classNames", names, "a non-empty array of folder names");
    if (new Set(names).size !== names.length) bad("classNames", names, "names without repeats");
    classNames = [...names];
  }
  if (labelMode === null && classNames !== null) throw new Error(`${op}: classNames cannot be given with labelMode null (no labels)`);
  return {
    labelMode: labelMode as ImageFolderSettings["labelMode"], classNames, channels: CHANNELS[colorMode], batchSize,
    height, width, shuffle, seed: options.seed ?? randomSeed(), validationSplit: split, subset, verbose,
  };
}

/** One file of a listing: its path relative to the root, "class/sub/name.png". */
export interface ListedFile {
  /** Path from the root folder with "/" separators; its first part is the class folder. */
  path: string;
}

/**
 * Keras's index_directory on a listing: `subfolders` are the root's folders (hidden ones,
 * starting with ".", are dropped), `files` every file below them. Returns the image files
 * (by extension) of the chosen classes in Keras's order: class by class, within a class
 * folder by folder (folders sorted by path), files sorted by name; then shuffled by the
 * seed when asked. Throws for a root without subfolders, unknown classNames, a class
 * without images. With labelMode null, as in Keras, there are no classes: every image
 * below the root (in its own files too) is taken.
 */
export function indexImageFiles<F extends ListedFile>(op: string, root: string, subfolders: readonly string[], files: readonly F[], s: ImageFolderSettings): { files: F[]; labels: Int32Array; classNames: string[] } {
  if (s.labelMode === null) {
    const all = files.filter((f) => hasImageExtension(f.path)).sort(byFolderThenName);
    if (all.length === 0) throw new Error(`${op}: ${root} holds no images (files ending in ${IMAGE_EXTENSIONS.join(", ")})`);
    return shuffled(all, new Array<number>(all.length).fill(0), s, []);
  }
  const folders = [...subfolders].filter((d) => !d.startsWith(".")).sort(byCodePoint);
  if (folders.length === 0) throw new Error(`${op}: ${root} has no subfolders; expected one folder per class, each holding that class's images`);
  let classNames = folders;
  if (s.classNames) {
    const missing = s.classNames.filter((c) => !folders.includes(c));
    if (missing.length > 0) throw new Error(`${op}: classNames ${show(missing)} are not subfolders of ${root}; its subfolders are ${show(folders)}`);
    classNames = [...s.classNames];
  }
  if (s.labelMode === "binary" && classNames.length !== 2) throw new Error(`${op}: labelMode "binary" needs exactly 2 classes, ${root} has ${classNames.length}: ${show(classNames)}`);
  const out: F[] = [];
  const labels: number[] = [];
  classNames.forEach((name, label) => {
    const mine = files.filter((f) => f.path.startsWith(`${name}/`) && hasImageExtension(f.path)).sort(byFolderThenName);
    if (mine.length === 0) throw new Error(`${op}: class folder ${root}/${name} holds no images (files ending in ${IMAGE_EXTENSIONS.join(", ")})`);
    for (const f of mine) { out.push(f); labels.push(label); }
  });
  return shuffled(out, labels, s, classNames);
}

/** Keras shuffles the whole listing once with the seed, before splitting (its RNG is numpy's; ours differs). */
function shuffled<F>(files: F[], labels: number[], s: ImageFolderSettings, classNames: string[]): { files: F[]; labels: Int32Array; classNames: string[] } {
  const order = Array.from(files.keys());
  if (s.shuffle) new Random(s.seed).shuffle(order);
  return { files: order.map((i) => files[i]!), labels: Int32Array.from(order, (i) => labels[i]!), classNames };
}

/** Keras's walk order: folders sorted by path, then files by name. */
function byFolderThenName(a: ListedFile, b: ListedFile): number {
  return byCodePoint(dirOf(a.path), dirOf(b.path)) || byCodePoint(a.path, b.path);
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Python's string order (code points), which Keras's sorted() uses. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keras's get_training_or_validation_split: the last int(split * n) files are the
 * validation subset. Unlike Keras (which then returns nothing for training), a split that
 * leaves either part empty is an error.
 */
export function splitIndices(op: string, n: number, s: ImageFolderSettings, subset: "training" | "validation"): [number, number] {
  if (s.validationSplit === 0) return [0, n];
  const val = Math.floor(s.validationSplit * n);
  if (val === 0 || val === n) throw new Error(`${op}: validationSplit ${s.validationSplit} of ${n} images leaves ${val === 0 ? "no validation" : "no training"} images`);
  return subset === "training" ? [0, n - val] : [n - val, n];
}

/** Pixels of one image, `channels` per pixel, row-major (bytes when decoded, floats when already resized). */
export interface LoadedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel. */
  channels: number;
  /** height * width * channels samples. */
  data: ArrayLike<number>;
}

/** Reads image `index` of a source, decoded and converted to the settings' channels (it may be at the target size already). */
export type ImageLoader = (index: number) => LoadedImage | DecodedImage;

// Epochs are folded into the seed's high bits; they must keep it a safe integer.
const MAX_EPOCH = 2 ** 21 - 1;

/**
 * A {@link BatchSource} over image files: each batch is read, decoded, converted to the
 * colour mode and resized when `fill` asks for it, so only one image at a time is held
 * at its original size. Pixels are floats in [0, 255] as in Keras.
 */
export class ImageFolderSource implements BatchSource {
  /** Images in this source (one epoch). */
  readonly length: number;
  /** Batch size from the options. */
  readonly batchSize: number;
  /** [height, width, channels]. */
  readonly sampleShape: readonly number[];
  /** [] for "int" labels (and null), [classes] for "categorical", [1] for "binary". */
  readonly labelShape: readonly number[];
  /** Class names, label i being classNames[i] (null for labelMode null, as in Keras). */
  readonly classNames: readonly string[] | null;
  /** The files' paths relative to the root, in the order of `labels` (Keras's file_paths). */
  readonly filePaths: readonly string[];
  /** Each file's class index. */
  readonly labels: Int32Array;
  /**
   * Present on sources that read asynchronously (`imageFolderFromFiles` with `preload:
   * false`): decodes samples `start .. start + count` of the epoch's order for the `fill`
   * that follows (fit awaits it).
   */
  readonly prepare?: (start: number, count: number) => Promise<void>;
  private readonly order: Uint32Array;
  private readonly baseSeed: number;
  private started = false;

  /**
   * Made by `imageFolder` and `imageFolderFromFiles` (which check everything first); `load`
   * reads image i; `prefetch`, when given, readies images (by index) for `load`
   * asynchronously and becomes the source's `prepare`.
   */
  constructor(
    private readonly op: string,
    filePaths: readonly string[],
    labels: Int32Array,
    classNames: readonly string[],
    private readonly settings: ImageFolderSettings,
    private readonly load: ImageLoader,
    prefetch?: (indices: Uint32Array) => Promise<void>,
  ) {
    const s = settings;
    this.length = filePaths.length;
    this.batchSize = s.batchSize;
    this.sampleShape = [s.height, s.width, s.channels];
    this.labelShape = s.labelMode === "categorical" ? [classNames.length] : s.labelMode === "binary" ? [1] : [];
    this.classNames = s.labelMode === null ? null : classNames;
    this.filePaths = [...filePaths];
    this.labels = labels;
    this.order = new Uint32Array(this.length);
    this.baseSeed = new Random(s.seed).nextUint32();
    if (prefetch) {
      this.prepare = async (start, count) => {
        this.checkRange(`${this.op}: prepare`, start, count);
        if (!this.started) this.startEpoch(0);
        await prefetch(this.order.slice(start, start + count));
      };
    }
  }

  private checkRange(where: string, start: number, count: number): void {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.length) {
      throw new Error(`${where}: samples ${start} to ${start + count} are outside the ${this.length} images (start and count must be whole numbers >= 0)`);
    }
  }

  /** Fixes epoch `epoch`'s order: a seeded shuffle per epoch when shuffling, else the file order. */
  startEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new Error(`${this.op}: startEpoch: epoch must be a whole number in [0, ${MAX_EPOCH}], received ${epoch}`);
    for (let i = 0; i < this.length; i++) this.order[i] = i;
    if (this.settings.shuffle) new Random(epoch * 0x1_0000_0000 + this.baseSeed).shuffle(this.order);
    this.started = true;
  }

  /** Reads, decodes and resizes samples `start .. start + count` of the epoch into `x`, their labels into `y`. */
  fill(start: number, count: number, x: Float32Array, y: Float32Array): void {
    const where = `${this.op}: fill`;
    this.checkRange(where, start, count);
    const size = this.sampleShape[0]! * this.sampleShape[1]! * this.sampleShape[2]!;
    const labelSize = this.labelShape[0] ?? 1;
    if (!(x instanceof Float32Array) || x.length < count * size) throw new Error(`${where}: x must be a Float32Array of at least ${count * size} values`);
    if (this.settings.labelMode !== null && (!(y instanceof Float32Array) || y.length < count * labelSize)) throw new Error(`${where}: y must be a Float32Array of at least ${count * labelSize} values`);
    // Training on images without labels would learn from whatever y held: refuse.
    if (this.settings.labelMode === null) throw new Error(`${where}: this source has no labels (labelMode null), so fit and evaluate cannot use it; pass labelMode "int" or "categorical", or read the images with toTensors() for predict`);
    if (!this.started) this.startEpoch(0);
    for (let i = 0; i < count; i++) this.write(this.order[start + i]!, x, i * size, y, i * labelSize);
  }

  /**
   * Images `start .. start + count` in file order (not the epoch's) as tensors: x
   * `[count, h, w, c]` and y as labelMode says (null for no labels). For evaluate,
   * predict and validationData, which take tensors: this holds them all in memory.
   */
  toTensors(start = 0, count = this.length - start): ImageTensors {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.length) {
      throw new Error(`${this.op}: toTensors: images ${start} to ${start + count} are outside the ${this.length} images`);
    }
    const [h, w, c] = this.sampleShape as [number, number, number];
    const x = new Float32Array(count * h * w * c);
    const labelSize = this.labelShape[0] ?? 1;
    const y = new Float32Array(count * labelSize);
    for (let i = 0; i < count; i++) this.write(start + i, x, i * h * w * c, y, i * labelSize);
    return { x: { data: x, shape: [count, h, w, c] }, y: this.settings.labelMode === null ? null : { data: y, shape: [count, ...this.labelShape] } };
  }

  private write(index: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
    const s = this.settings;
    const image = this.load(index);
    if (image.channels !== s.channels) throw new Error(`${this.op}: internal error: loader gave ${image.channels} channels, expected ${s.channels}`);
    resizeBilinear(image.data, image.height, image.width, s.channels, s.height, s.width, x, xOffset);
    const label = this.labels[index]!;
    if (s.labelMode === "int") y[yOffset] = label;
    else if (s.labelMode === "binary") y[yOffset] = label;
    else if (s.labelMode === "categorical") {
      y.fill(0, yOffset, yOffset + this.classNames!.length);
      y[yOffset + label] = 1;
    }
  }
}

/** Keras's message after indexing. */
export function foundMessage(n: number, classes: number, labelled: boolean): string {
  return labelled ? `Found ${n} files belonging to ${classes} classes.` : `Found ${n} files.`;
}
