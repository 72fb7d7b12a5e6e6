/**
 * Transfer learning and fine-tuning, the steps of Keras's guide
 * (https://keras.io/guides/transfer_learning/) with simdnet; docs/transfer_learning.md
 * walks through them.
 *
 *   npm run example:transfer                                   # everything generated, nothing downloaded
 *   npx vite-node examples/transfer_learning.ts base.keras --images photos/ --out pets.keras
 *
 * 1. The base: a MobileNetV2 without its top, from a .keras file. Give your own as the
 *    first argument, e.g. saved by Keras with
 *      keras.applications.MobileNetV2(include_top=False, weights="imagenet", input_shape=(96, 96, 3)).save("base.keras")
 *    (a fixed input_shape: simdnet needs the height and width). Without one, the example
 *    builds `applications.mobileNetV2({ includeTop: false, alpha: 0.35 })` with random
 *    weights, calibrates its BatchNormalization statistics on the images (a stand-in for
 *    trained weights), saves it to a .keras file and loads it back, and says so.
 * 2. The base frozen, a new head (rescaling, the base, global average pooling, dropout, a
 *    softmax dense layer; random flips and rotations first when augmenting) trained on an
 *    image folder (`datasets.imageFolder`: one subfolder per class). Without `--images`, a
 *    folder of three colour classes is generated.
 * 3. The top layers of the base unfrozen (BatchNormalization layers stay frozen, so in
 *    inference mode), recompiled with a 10x lower learning rate and fine-tuned.
 * 4. The model saved as a .keras file (Keras 3 loads it), loaded back and checked.
 *
 * Options:
 *   --images DIR        image folder, one subfolder per class (default: generated colours)
 *   --epochs N          epochs of the head (default 10)
 *   --fine-tune N       epochs of fine-tuning (default 2)
 *   --unfreeze N        top layers of the base to unfreeze (default 20)
 *   --lr X              learning rate of the head (default 0.001; fine-tuning uses X / 10)
 *   --batch N           batch size (default 16)
 *   --augment / --no-augment   random flips and rotations while training (default: on with
 *                       your own base; off with the random stand-in, see docs/transfer_learning.md)
 *   --out FILE.keras    where to save the model (default a temporary folder)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasets, init, loadModel, optimizers } from "../ts/index.js";
import { buildClassifier, loadBase, unfreezeTop, writeColourFolder } from "./transfer_steps.js";

const argv = process.argv.slice(2);
const FLAGS = ["--augment", "--no-augment"];
const VALUED = ["--images", "--epochs", "--fine-tune", "--unfreeze", "--lr", "--batch", "--out"];

/** The arguments: one optional base file, then options. Unknown options are refused. */
function parse(): { file: string | null; values: Map<string, string>; flags: Set<string> } {
  let file: string | null = null;
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (FLAGS.includes(a)) flags.add(a);
    else if (VALUED.includes(a)) {
      const v = argv[++i];
      if (v === undefined) throw new Error(`transfer_learning: ${a} needs a value`);
      values.set(a, v);
    } else if (a.startsWith("--")) throw new Error(`transfer_learning: unknown option ${a}; the options are ${[...VALUED, ...FLAGS].join(", ")}`);
    else if (file === null) file = a;
    else throw new Error(`transfer_learning: one base file at most, received ${file} and ${a}`);
  }
  if (flags.size > 1) throw new Error("transfer_learning: --augment and --no-augment contradict each other");
  return { file, values, flags };
}

function numberOption(values: Map<string, string>, name: string, fallback: number, whole: boolean): number {
  const text = values.get(name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (whole && !Number.isSafeInteger(v))) {
    throw new Error(`transfer_learning: ${name} must be a ${whole ? "whole number" : "number"} > 0, received ${JSON.stringify(text)}`);
  }
  return v;
}

const { file, values, flags } = parse();
const epochs = numberOption(values, "--epochs", 10, true);
const fineTuneEpochs = numberOption(values, "--fine-tune", 2, true);
const unfreeze = numberOption(values, "--unfreeze", 20, true);
const lr = numberOption(values, "--lr", 1e-3, false);
const batchSize = numberOption(values, "--batch", 16, true);
const work = mkdtempSync(join(tmpdir(), "simdnet-transfer-"));
const out = values.get("--out") ?? join(work, "transfer.keras");

const info = await init();
console.log(`wasm: ${info.flavor}`);

// The images, and the input size: the base's when it comes from a file.
let imagesDir = values.get("--images");
if (imagesDir === undefined) {
  imagesDir = writeColourFolder(join(work, "images"), 20, 48);
  console.log(`No --images: generated ${imagesDir} (3 colour classes, 20 PNG images each, 48x48).`);
}
const probe = file === null ? null : await loadModel(`file://${file}`);
const [height, width] = probe?.inputShape ?? [48, 48];
probe?.dispose();
const [train, validation] = await datasets.imageFolder(imagesDir, {
  imageSize: [height!, width!], batchSize, validationSplit: 0.2, subset: "both", seed: 1, verbose: true,
});
const classes = train.classNames ?? [];
console.log(`classes: ${classes.join(", ")}`);
const val = validation.toTensors();

// 1. The base from a .keras file.
const { base, file: baseFile, random } = await loadBase(file, {
  inputShape: [height!, width!, 3], alpha: 0.35, seed: 1, saveTo: join(work, "base.keras"), calibrate: train.toTensors().x,
});
console.log(random
  ? `No base file given: built MobileNetV2 (alpha 0.35, no top) with RANDOM weights, saved it to ${baseFile} and loaded it back. Pass your own .keras file for real features.`
  : `Base: ${baseFile} (${base.layers.length} layers, ${base.countParams().toLocaleString("en-US")} parameters).`);

// 2. Frozen base, new head.
const augment = flags.has("--augment") || (!flags.has("--no-augment") && !random);
const { model, baseLayers } = buildClassifier(base, { classes: classes.length, augment, seed: 1 });
base.dispose();
model.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
const trainable = model.layers.filter((l) => l.trainable && l.weights.specs.length > 0).map((l) => l.name);
console.log(`Head training: ${epochs} epochs, augmentation ${augment ? "on" : "off"}, trainable layers: ${trainable.join(", ")}`);
await model.fit(train, { epochs, seed: 1, validationData: [val.x, val.y!], verbose: 1 });
const head = model.evaluate(val.x, val.y!);
console.log(`after the head: validation loss ${head.loss.toFixed(4)}, accuracy ${(100 * head.accuracy!).toFixed(1)}%`);

// 3. Fine-tuning: the top of the base unfrozen (BatchNormalization stays frozen), a lower rate.
const unfrozen = unfreezeTop(model, baseLayers, Math.min(unfreeze, baseLayers.length));
console.log(`Fine-tuning ${fineTuneEpochs} epochs at ${lr / 10}: unfrozen ${unfrozen.filter((l) => l.weights.specs.length > 0).map((l) => l.name).join(", ")}`);
model.compile({ optimizer: optimizers.adam({ learningRate: lr / 10 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
await model.fit(train, { epochs: fineTuneEpochs, seed: 2, validationData: [val.x, val.y!], verbose: 1 });
const tuned = model.evaluate(val.x, val.y!);
console.log(`after fine-tuning: validation loss ${tuned.loss.toFixed(4)}, accuracy ${(100 * tuned.accuracy!).toFixed(1)}%`);

// 4. Saved as .keras, loaded back, the same predictions.
await model.save(`file://${out}`);
const back = await loadModel(`file://${out}`);
const a = model.predict(val.x).data;
const b = back.predict(val.x).data;
const same = a.length === b.length && a.every((v, i) => v === b[i]);
console.log(`Saved ${out}; loaded back it predicts ${same ? "the same" : "DIFFERENTLY (a bug: please report it)"}.`);
back.dispose();
model.dispose();
if (!same) process.exitCode = 1;
