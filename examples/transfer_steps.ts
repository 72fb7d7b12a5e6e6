/**
 * The steps of examples/transfer_learning.ts as functions, so that the tests
 * (test/examples/transfer_learning.test.ts) run exactly what the example runs:
 *
 * 1. `loadBase`: a MobileNetV2 without its top from a `.keras` file (the user's own, or
 *    one built here with random weights, saved and loaded back);
 * 2. `buildClassifier`: the base frozen and a new head on it (augmentation, rescaling,
 *    the base, global average pooling, dropout, a softmax dense layer);
 * 3. `unfreezeTop`: the top layers of the base trainable again for fine-tuning, its
 *    BatchNormalization layers left frozen (so in inference mode);
 * and `writeColourFolder`, a small image folder of separable classes for trying it out.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import { join } from "node:path";
import { applications, input, layers, loadModel, Model, Random, type Layer, type Tensor } from "../ts/index.js";

/** Writes RGB pixels (`w * h * 3` bytes, row-major) as a PNG file's bytes (colour type 2, 8 bits). */
export function encodeRgbPng(rgb: Uint8Array, w: number, h: number): Uint8Array {
  if (rgb.length !== w * h * 3) throw new Error(`encodeRgbPng: expected ${w * h * 3} bytes for ${w}x${h} RGB, received ${rgb.length}`);
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    out.set(data, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const rows = Buffer.alloc(h * (w * 3 + 1)); // each row: filter byte 0, then its pixels
  for (let y = 0; y < h; y++) rows.set(rgb.subarray(y * w * 3, (y + 1) * w * 3), y * (w * 3 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))]);
}

/** The classes {@link writeColourFolder} draws: a dominant colour each. */
export const COLOUR_CLASSES = ["blue", "green", "red"] as const;

/**
 * Writes `perClass` PNG images of `size` x `size` pixels into `dir/<class>/` for each of
 * {@link COLOUR_CLASSES}: noisy images whose dominant channel is the class's, with a
 * lighter square at a random place (so that flips and shifts change the pixels).
 * Deterministic for a given `seed`. Returns `dir`.
 */
export function writeColourFolder(dir: string, perClass: number, size: number, seed = 1): string {
  const random = new Random(seed);
  COLOUR_CLASSES.forEach((name, c) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const rgb = new Uint8Array(size * size * 3);
      const side = Math.max(2, Math.floor(size / 4));
      const top = random.int(size - side + 1);
      const left = random.int(size - side + 1);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inSquare = y >= top && y < top + side && x >= left && x < left + side;
          for (let k = 0; k < 3; k++) {
            const base = k === c ? 200 : 40;
            const v = base + (inSquare ? 30 : 0) + random.uniform(-20, 20);
            rgb[(y * size + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v)));
          }
        }
      }
      writeFileSync(join(dir, name, `${name}_${String(i).padStart(3, "0")}.png`), encodeRgbPng(rgb, size, size));
    }
  });
  return dir;
}

/** Options of {@link loadBase} when it builds the base itself. */
export interface MadeBaseOptions {
  /** Per-sample input shape of the base, e.g. [48, 48, 3]. */
  inputShape: [number, number, number];
  /** MobileNetV2's width multiplier (default 0.35). */
  alpha?: number;
  /** Seed of the random weights. */
  seed?: number;
  /** Where the built base is saved before it is loaded back. */
  saveTo: string;
  /** Images [n, h, w, 3] in [0, 255] to calibrate the BatchNormalization statistics on. */
  calibrate: Tensor;
}

/**
 * Sets every BatchNormalization layer's moving mean and variance to the statistics of its
 * input over `x` (in model order, each after the ones before it are set), as training on
 * such images would have left them. A stand-in for trained weights: with random weights
 * and Keras's initial statistics (mean 0, variance 1), each block shrinks the signal and
 * the features of a frozen random MobileNetV2 come out near 1e-11, too small for a head
 * to learn from; a trained network's statistics fit its layers and keep them near 1.
 */
export function calibrateBatchNorm(model: Model, x: Tensor): void {
  const graph = model.describeGraph();
  if (!graph) throw new Error("calibrateBatchNorm: expected a functional model");
  const index = new Map(model.layers.map((l, i) => [l.name, i]));
  model.layers.forEach((layer, i) => {
    if (layer.className !== "BatchNormalization") return;
    const from = graph.inbound[i]![0]!;
    const at = index.get(from);
    const xs = at === undefined ? x : model.activations(x)[at]!;
    const c = xs.shape[xs.shape.length - 1]!;
    const mean = new Float64Array(c);
    const square = new Float64Array(c);
    for (let j = 0; j < xs.data.length; j++) {
      mean[j % c] += xs.data[j]!;
      square[j % c] += xs.data[j]! * xs.data[j]!;
    }
    const rows = xs.data.length / c;
    const [gamma, beta] = layer.getWeights();
    const m = Float32Array.from(mean, (v) => v / rows);
    const v = Float32Array.from(square, (s, k) => Math.max(s / rows - m[k]! * m[k]!, 0));
    layer.setWeights([gamma!, beta!, { data: m, shape: [c] }, { data: v, shape: [c] }]);
  });
}

/**
 * The base model from a `.keras` file: `file` when given (e.g. saved by Keras with
 * `keras.applications.MobileNetV2(include_top=False, weights="imagenet")`), otherwise a
 * MobileNetV2 without its top built here with random weights (its BatchNormalization
 * statistics calibrated on `made.calibrate`, see {@link calibrateBatchNorm}), saved to
 * `made.saveTo` and loaded back from there (the same path as a file of your own; nothing
 * is downloaded).
 */
export async function loadBase(file: string | null, made: MadeBaseOptions): Promise<{ base: Model; file: string; random: boolean }> {
  if (file !== null) return { base: await loadModel(`file://${file}`), file, random: false };
  const built = applications.mobileNetV2({ includeTop: false, alpha: made.alpha ?? 0.35, inputShape: made.inputShape, ...(made.seed === undefined ? {} : { seed: made.seed }) });
  // The images as the model will see them: rescaled to [-1, 1] (see buildClassifier).
  calibrateBatchNorm(built, { data: made.calibrate.data.map((v) => v / 127.5 - 1), shape: made.calibrate.shape });
  await built.save(`file://${made.saveTo}`);
  built.dispose();
  return { base: await loadModel(`file://${made.saveTo}`), file: made.saveTo, random: true };
}

/** Options of {@link buildClassifier}. */
export interface ClassifierOptions {
  /** Number of classes of the new head. */
  classes: number;
  /** Dropout rate before the classifier (default 0.2, as Keras's guide). */
  dropout?: number;
  /** Random flips and rotations before the base while training (default true). */
  augment?: boolean;
  /** Seed of the augmentation and dropout layers and of the head's initial weights. */
  seed?: number;
}

/**
 * The base frozen (`trainable = false`: its weights stay as they are and its
 * BatchNormalization layers normalize with their moving statistics) and a new classifier
 * on it, built with the functional API as in Keras's transfer-learning guide:
 * augmentation (active only while training), rescaling of [0, 255] pixels to [-1, 1]
 * (what MobileNetV2's weights expect), the base's layers (`base.apply`), global average
 * pooling, dropout and a softmax dense layer. Returns the model and the names of the
 * base's layers in it.
 */
export function buildClassifier(base: Model, options: ClassifierOptions): { model: Model; baseLayers: string[] } {
  const shape = base.inputShape;
  if (!shape) throw new Error("buildClassifier: the base model has no layers");
  const seed = options.seed ?? 1;
  base.trainable = false;
  const inputs = input({ shape: [...shape] });
  let x = inputs;
  if (options.augment ?? true) {
    x = layers.randomFlip({ mode: "horizontal", seed }).apply(x);
    x = layers.randomRotation({ factor: 0.1, seed: seed + 1 }).apply(x);
  }
  x = layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(x);
  x = base.apply(x);
  x = layers.globalAveragePooling2d().apply(x);
  x = layers.dropout({ rate: options.dropout ?? 0.2, seed: seed + 2 }).apply(x);
  const outputs = layers.dense({ units: options.classes, activation: "softmax", name: "classifier" }).apply(x);
  const model = new Model({ inputs, outputs, name: "transfer", seed });
  return { model, baseLayers: base.layers.map((l) => l.name) };
}

/**
 * Makes the last `count` layers of the base (by `model.layers` order) trainable again,
 * except BatchNormalization layers, which stay frozen and so keep normalizing with their
 * moving statistics (see docs/transfer_learning.md for why). Takes effect at the next
 * `compile`, as in Keras. Returns the layers unfrozen.
 */
export function unfreezeTop(model: Model, baseLayers: readonly string[], count: number): Layer[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > baseLayers.length) {
    throw new Error(`unfreezeTop: count must be a whole number in [0, ${baseLayers.length}] (the base's layers), received ${count}`);
  }
  const names = new Set(baseLayers);
  const top = model.layers.filter((l) => names.has(l.name)).slice(baseLayers.length - count);
  const unfrozen = top.filter((l) => l.className !== "BatchNormalization");
  for (const l of unfrozen) l.trainable = true;
  return unfrozen;
}
