/**
 * The models `simdnet train --images` trains: LeNet-5, ResNet-20 or MobileNetV2 sized to
 * the images and the classes, each behind a Rescaling layer (pixels arrive in [0, 255],
 * as from Keras's image_dataset_from_directory), or a model file whose input must fit;
 * with `--augment`, Keras 3's random preprocessing layers in front.
 */
import { applications } from "../applications/index.js";
import { loadSequential as loadModelFile } from "../io/sequential_io.js";
import type { Layer } from "../layers/layer.js";
import { layers } from "../layers/index.js";
import { Model } from "../model/model.js";
import { input, type SymbolicTensor } from "../model/symbolic.js";
import { lenet5 } from "../models/lenet5.js";
import { UsageError } from "./args.js";
import { toFileUrl } from "./paths.js";

/** What `--model` names. */
export type ModelSpec =
  | { kind: "lenet5" }
  | { kind: "resnet20" }
  | { kind: "mobilenetv2"; alpha: number }
  | { kind: "file"; path: string };

/** The built-in names `--model` takes, for help and errors. */
export const MODEL_NAMES = "lenet5, resnet20, mobilenetv2 or mobilenetv2:ALPHA (e.g. mobilenetv2:0.35), or a .keras, .h5 or model.json file";

/** Parses `--model` (default resnet20). */
export function parseModelSpec(raw: string | undefined): ModelSpec {
  const value = raw ?? "resnet20";
  const lower = value.toLowerCase();
  if (lower === "lenet5" || lower === "lenet-5") return { kind: "lenet5" };
  if (lower === "resnet20" || lower === "resnet-20") return { kind: "resnet20" };
  const m = /^mobilenet-?v2(?::(.*))?$/.exec(lower);
  if (m) {
    const alpha = m[1] === undefined ? 1 : Number(m[1]);
    if (m[1] !== undefined && (m[1].trim() === "" || !Number.isFinite(alpha) || alpha <= 0 || alpha > 4)) {
      throw new UsageError(`--model ${value}: the width multiplier after "mobilenetv2:" must be a number in (0, 4], e.g. 0.35, 0.5, 1.0`);
    }
    return { kind: "mobilenetv2", alpha };
  }
  if (/\.(keras|h5|hdf5|json)$/i.test(value)) return { kind: "file", path: value };
  throw new UsageError(`--model ${JSON.stringify(value)} is not a model simdnet knows; expected ${MODEL_NAMES}`);
}

/** The image size a built-in model is made for when `--image-size` is not given. */
export function defaultImageSize(spec: ModelSpec): [number, number] | null {
  switch (spec.kind) {
    case "lenet5": return [28, 28];
    case "resnet20": return [32, 32];
    case "mobilenetv2": return [96, 96];
    case "file": return null;
  }
}

/** Options of {@link buildImageModel}. */
export interface ImageModelOptions {
  /** [height, width, channels] of the images. */
  inputShape: [number, number, number];
  /** Number of classes. */
  classes: number;
  /** Random augmentation layers in front. */
  augment: boolean;
  /** Seed of the weights and of the augmentation. */
  seed: number;
}

/** A built-in model for the images, with Rescaling (and augmentation) in front; refusals are UsageErrors. */
export function buildImageModel(spec: Exclude<ModelSpec, { kind: "file" }>, o: ImageModelOptions): { model: Model; description: string } {
  const [h, w, c] = o.inputShape;
  let base: Model;
  let scale = 1 / 255;
  let offset = 0;
  let description: string;
  try {
    if (spec.kind === "lenet5") {
      base = lenet5({ inputShape: [h, w, c], classes: o.classes, seed: o.seed });
      description = "LeNet-5";
    } else if (spec.kind === "resnet20") {
      base = applications.resnet20({ inputShape: [h, w, c], classes: o.classes, seed: o.seed });
      description = "ResNet-20";
    } else {
      base = applications.mobileNetV2({ alpha: spec.alpha, inputShape: [h, w, c], classes: o.classes, seed: o.seed });
      description = `MobileNetV2 (alpha ${spec.alpha})`;
      // Keras's mobilenet_v2.preprocess_input: pixels to [-1, 1].
      scale = 1 / 127.5;
      offset = -1;
    }
  } catch (e) {
    // LeNet-5's own error names a layer; say the rule too.
    const rule = spec.kind === "lenet5" ? " (LeNet-5 needs images of at least 12x12)" : "";
    throw new UsageError(`--model ${spec.kind} cannot take ${h}x${w} images with ${c} channel${c === 1 ? "" : "s"} and ${o.classes} classes: ${(e as Error).message}${rule}`);
  }
  const front: Layer[] = [...(o.augment ? augmentation(o.seed) : []), layers.rescaling({ scale, offset })];
  const model = withFront(base, front, o.seed);
  base.dispose();
  return { model, description };
}

/**
 * The augmentation `--augment` adds (Keras 3's layers, active only while training): a
 * horizontal flip, rotations up to 18 degrees, zoom and shifts up to 10%.
 */
export function augmentation(seed: number): Layer[] {
  return [
    layers.randomFlip({ mode: "horizontal", seed }),
    layers.randomRotation({ factor: 0.05, seed: seed + 1 }),
    layers.randomZoom({ heightFactor: 0.1, seed: seed + 2 }),
    layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, seed: seed + 3 }),
  ];
}

/**
 * A copy of `model` (same layers, names and weights) with `front` applied to the input
 * first. The front layers must have no weights (rescaling, augmentation).
 */
export function withFront(model: Model, front: Layer[], seed: number): Model {
  const x0 = input({ shape: [...model.inputShape!] });
  let x: SymbolicTensor = x0;
  for (const layer of front) x = layer.apply(x);
  // model.apply copies the model's layers, connections and weights after the front.
  const out = new Model({ inputs: x0, outputs: model.apply(x), name: model.name, seed });
  out.classNames = model.classNames;
  return out;
}

/** Loads `--model FILE`; a file that does not load is a UsageError naming it. */
export async function openModelFile(path: string): Promise<Model> {
  try {
    return await loadModelFile(toFileUrl(path));
  } catch (e) {
    throw new UsageError(`--model ${path}: ${(e as Error).message}`);
  }
}

/**
 * Checks a loaded model file against the images (`shape`) and the class count, then
 * puts the augmentation in front when asked. Refusals are UsageErrors; the model is
 * the caller's to dispose when this throws.
 */
export function fitFileModel(model: Model, path: string, shape: [number, number, number], classes: number, augment: boolean, seed: number): Model {
  const inputShape = model.inputShape!;
  if (inputShape.length !== 3) throw new UsageError(`--model ${path} takes inputs of shape [${inputShape.join(", ")}], not images [height, width, channels]`);
  if (inputShape.join() !== shape.join()) {
    throw new UsageError(`--model ${path} takes images of ${inputShape[0]}x${inputShape[1]} with ${inputShape[2]} channels, but --image-size/--color ask for ${shape[0]}x${shape[1]} with ${shape[2]}; give --image-size ${inputShape[0]},${inputShape[1]} --color ${colorOfChannels(inputShape[2]!)} (or leave them out)`);
  }
  const out = model.outputShape!;
  if (out.length !== 1 || out[0] !== classes) {
    throw new UsageError(`--model ${path} outputs [${out.join(", ")}], but the folder has ${classes} classes; the model must end in a Dense layer of ${classes} units`);
  }
  if (!augment) return model;
  const augmented = withFront(model, augmentation(seed), seed);
  model.dispose();
  return augmented;
}

/** The --color name for a channel count. */
export function colorOfChannels(channels: number): "grayscale" | "rgb" | "rgba" {
  if (channels === 1) return "grayscale";
  if (channels === 3) return "rgb";
  if (channels === 4) return "rgba";
  throw new UsageError(`a model taking ${channels} channels cannot read images (expected 1 for grayscale, 3 for RGB or 4 for RGBA)`);
}
