/**
 * `simdnet train --images DIR`: a model trained on a folder of images, one subfolder per
 * class (read batch by batch with datasets.imageFolder, Keras's
 * image_dataset_from_directory), validated on a held-out part, saved with its class names.
 */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Callback } from "../callbacks/callback.js";
import { imageFolder } from "../data/image_folder_node.js";
import type { ImageFolderSource } from "../data/image_folder.js";
import type { Model } from "../model/model.js";
import { optimizers } from "../optimizers/index.js";
import { init } from "../wasm/loader.js";
import { numberFlag, UsageError } from "./args.js";
import { buildImageModel, colorOfChannels, defaultImageSize, fitFileModel, openModelFile, parseModelSpec } from "./image_models.js";
import { formatDuration, type ProgressStream } from "./progress.js";
import { ProgressCallback } from "./train.js";

const COLORS = { grayscale: 1, rgb: 3, rgba: 4 } as const;

/** `--image-size H,W` (or one number for a square). */
export function imageSizeFlag(raw: unknown): [number, number] | null {
  if (raw === undefined) return null;
  const parts = String(raw).split(",").map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length > 2 || parts.some((p) => p === "") || nums.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 8192)) {
    throw new UsageError(`--image-size expects HEIGHT,WIDTH (whole numbers in [1, 8192]) or one number for a square, received ${JSON.stringify(raw)}`);
  }
  return nums.length === 1 ? [nums[0]!, nums[0]!] : [nums[0]!, nums[1]!];
}

/** Where `--out` saves: a .keras or .h5 file, or a folder for model.json + weights.bin. */
export function checkModelOut(out: string): void {
  const path = resolve(out);
  const info = statSync(path, { throwIfNoEntry: false });
  const isFile = /\.(keras|h5|hdf5)$/i.test(out);
  if (isFile && info?.isDirectory()) throw new UsageError(`--out ${out} is a directory; give a file name such as ${out.replace(/[\\/]+$/, "")}/model.keras`);
  const dir = isFile ? dirname(path) : path;
  // The folder (or, for a new folder, its nearest existing ancestor) must be writable.
  let probe = dir;
  for (;;) {
    const st = statSync(probe, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`--out ${out}: ${probe} is a file, not a folder`);
      try {
        accessSync(probe, fsConstants.W_OK);
      } catch {
        throw new UsageError(`--out ${out}: ${probe} is not writable`);
      }
      return;
    }
    if (isFile) throw new UsageError(`--out ${out}: the folder ${dir} does not exist`);
    if (dirname(probe) === probe) return;
    probe = dirname(probe);
  }
}

/** Runs `simdnet train --images DIR` with parsed `values`; returns the last validation accuracy (or training accuracy without a split). */
export async function trainImages(values: Record<string, unknown>, out: ProgressStream): Promise<number> {
  const dir = values.images as string;
  for (const flag of ["idx-images", "idx-labels", "csv", "test-fraction", "variant"]) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply with --images`);
  }
  if (values.out === undefined) throw new UsageError("--images needs --out FILE.keras (or .h5, or a folder for model.json): where to save the trained model");
  const outPath = values.out as string;
  checkModelOut(outPath);
  const spec = parseModelSpec(values.model as string | undefined);
  const epochs = numberFlag(values, "epochs", 10, { min: 1, max: 10_000, integer: true });
  const batchSize = numberFlag(values, "batch-size", 32, { min: 1, max: 65_536, integer: true });
  if (values.lr !== undefined && values["learning-rate"] !== undefined) throw new UsageError("give --learning-rate or --lr, not both");
  const lr = numberFlag(values, values.lr !== undefined ? "lr" : "learning-rate", 1e-3, { min: Number.MIN_VALUE, max: 10 });
  const seed = numberFlag(values, "seed", 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const split = numberFlag(values, "validation-split", 0.2, { min: 0, max: 0.9 });
  const workers = numberFlag(values, "workers", 1, { min: 1, max: 64, integer: true });
  const color = values.color as string | undefined;
  if (color !== undefined && !(color in COLORS)) throw new UsageError(`--color must be grayscale, rgb or rgba, received ${JSON.stringify(color)}`);
  let size = imageSizeFlag(values["image-size"]);
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) throw new UsageError(`--images ${dir}: no such folder`);
  if (!info.isDirectory()) throw new UsageError(`--images ${dir} is a file; expected a folder with one subfolder per class`);
  const write = (line: string) => out.write(line + "\n");

  await init();
  // A model file fixes the image size and colours unless they are given (and then checked).
  let model: Model | null = null;
  let description = "";
  let channels: number = COLORS[(color ?? "rgb") as keyof typeof COLORS];
  if (spec.kind === "file") {
    model = await openModelFile(spec.path);
    const [h, w, c] = model.inputShape!;
    if (model.inputShape!.length === 3) {
      size ??= [h!, w!];
      if (color === undefined) channels = c!;
    }
    description = spec.path;
  }
  size ??= defaultImageSize(spec);
  let classNames: readonly string[];
  let trainSet: ImageFolderSource;
  let validation: ImageFolderSource | null;
  try {
    [trainSet, validation] = openFolder(dir, size!, channels, batchSize, split, seed);
    classNames = trainSet.classNames!;
    if (classNames.length < 2) throw new UsageError(`--images ${dir} has one class folder (${classNames[0]}); a classifier needs at least 2`);
    const shape: [number, number, number] = [size![0], size![1], channels];
    if (model) model = fitFileModel(model, spec.kind === "file" ? spec.path : "", shape, classNames.length, values.augment === true, seed);
    else ({ model, description } = buildImageModel(spec as Exclude<typeof spec, { kind: "file" }>, { inputShape: shape, classes: classNames.length, augment: values.augment === true, seed }));
  } catch (e) {
    model?.dispose();
    throw e;
  }
  try {
    model.classNames = classNames;
    model.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { flavor } = await init();
    write(`${description} (${model.countParams().toLocaleString("en-US")} parameters) on ${dir}: ${classNames.length} classes (${classNames.join(", ")}), ` +
      `${trainSet.length.toLocaleString("en-US")} images to train, ${validation ? validation.length.toLocaleString("en-US") : "none"} to validate, ` +
      `${size![0]}x${size![1]} ${colorOfChannels(channels)}${values.augment ? ", augmented" : ""}; ${flavor} wasm kernels`);
    const callbacks: Callback[] = values.quiet ? [] : [new ProgressCallback(out)];
    const valTensors = validation ? validation.toTensors() : null;
    const began = performance.now();
    const history = await model.fit(trainSet, {
      epochs, seed, callbacks, verbose: 0, workers,
      ...(valTensors ? { validationData: [valTensors.x, valTensors.y!] as [typeof valTensors.x, typeof valTensors.x] } : {}),
    });
    const seconds = (performance.now() - began) / 1000;
    write(`Trained ${epochs} epoch${epochs === 1 ? "" : "s"} in ${formatDuration(seconds)} (${Math.round((epochs * trainSet.length) / seconds).toLocaleString("en-US")} images/s).`);
    const last = (key: string) => history.history[key]?.[history.history[key]!.length - 1];
    let accuracy = last("accuracy") ?? NaN;
    if (valTensors) {
      accuracy = last("val_accuracy") ?? NaN;
      write(`Validation accuracy: ${(accuracy * 100).toFixed(2)}% (${Math.round(accuracy * validation!.length)}/${validation!.length}), loss ${(last("val_loss") ?? NaN).toFixed(4)}`);
    }
    await model.save(/\.(keras|h5|hdf5)$/i.test(outPath) ? `file://${resolve(outPath)}` : `file://${outPath}`);
    write(`Saved to ${/\.(keras|h5|hdf5)$/i.test(outPath) ? outPath : `${outPath}/model.json`} (with the class names)`);
    return accuracy;
  } finally {
    model.dispose();
  }
}

/** The training and (with a split) validation sources; folder errors become UsageErrors naming the folder. */
function openFolder(dir: string, size: [number, number], channels: number, batchSize: number, split: number, seed: number): [ImageFolderSource, ImageFolderSource | null] {
  const options = { imageSize: size, colorMode: colorOfChannels(channels), batchSize, seed, labelMode: "int" as const };
  try {
    if (split === 0) return [imageFolder(dir, options), null];
    return imageFolder(dir, { ...options, validationSplit: split, subset: "both" });
  } catch (e) {
    throw new UsageError(`--images ${(e as Error).message.replace(/^imageFolder: /, "")}`);
  }
}
