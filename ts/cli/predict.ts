/** `simdnet predict`: classifies a PNG digit, or every image of an IDX file. */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { decodePng, pngToDigit } from "../data/png.js";
import { loadIdxImages, loadIdxLabels, readDataFile } from "../data/files.js";
import { loadSequential as loadModel } from "../io/sequential_io.js";
import type { Tensor } from "../tensor.js";
import { init } from "../wasm/loader.js";
import { numberFlag, parse, UsageError } from "./args.js";
import type { ProgressStream } from "./progress.js";
import { toFileUrl } from "./paths.js";
import { predictImages } from "./predict_images.js";

/** Predictions printed for IDX images before "... N more". */
const SHOWN = 20;

export const PREDICT_HELP = `simdnet predict <model.keras | model.h5 | model.json> <image | folder | images.idx> [options]

Classifies an image (PNG, JPEG, BMP or GIF, any size: converted to the model's channels
and resized bilinearly to its input, as 'train --images' reads them), every image in a
folder (and its subfolders), or every image of an IDX file (the MNIST format, gzipped or
not). The format is read from the file's first bytes, not its name. Classes are printed
by name when the model carries them (models saved by 'train --images' do), else by index.
A PNG given to a 28x28x1 model without class names is read as a digit (dark on light
or light on dark, scaled to fit), as the digit models of 'simdnet train' expect.

  --top N             classes to list per image (default 3)
  --csv               images: print a table, file,class,probability,class_2,...
  --labels FILE       IDX labels for the IDX images: also report accuracy
  --out FILE          IDX images: write every prediction to FILE as CSV
                      (index,predicted,confidence, then label with --labels)

For IDX images, the first ${SHOWN} predictions are printed, then the count per class.

Examples:
  simdnet predict m.keras some.jpg
  simdnet predict m.keras photos/ --top 1 --csv > predictions.csv
  simdnet predict models/lenet5/model.json digit.png
  simdnet predict models/lenet5/model.json t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz
  simdnet predict models/lenet5/model.json t10k-images-idx3-ubyte.gz --out predictions.csv
`;

function readImage(path: string): Uint8Array {
  try {
    // Only a regular file, at most MAX_DATA_FILE_BYTES: never a FIFO or a device.
    return readDataFile("predict", path);
  } catch (e) {
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    throw new UsageError(code === "ENOENT" ? `cannot read ${path}: no such file` : (e as Error).message);
  }
}

/** What the command accepts, as said in its errors. */
export const ACCEPTED = "predict reads PNG, JPEG, BMP and GIF images, folders of them, and IDX image files (the MNIST format, gzipped or not)";

/** Images read by the image-folder decoders, by their first bytes. */
const IMAGE_FORMATS: number[][] = [[0xff, 0xd8, 0xff], [0x47, 0x49, 0x46, 0x38], [0x42, 0x4d]];

/** Formats people try, by their first bytes, so that the error names what was given. */
const OTHER_FORMATS: [string, number[]][] = [
  ["a WebP image", [0x52, 0x49, 0x46, 0x46]],
  ["a TIFF image", [0x49, 0x49, 0x2a, 0x00]],
  ["a TIFF image", [0x4d, 0x4d, 0x00, 0x2a]],
  ["a ZIP archive", [0x50, 0x4b, 0x03, 0x04]],
];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** "png", "image" (JPEG, BMP, GIF) or "idx" from a file's first bytes (gzip counts as IDX); otherwise a UsageError naming the format. */
export function sniffInput(bytes: Uint8Array, path: string): "png" | "image" | "idx" {
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (IMAGE_FORMATS.some((magic) => startsWith(bytes, magic))) return "image";
  // IDX: two zero bytes, then the type code; gzip: 1f 8b (gunzipped and checked by the IDX reader).
  if (startsWith(bytes, [0x1f, 0x8b]) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0)) return "idx";
  const other = OTHER_FORMATS.find(([, magic]) => startsWith(bytes, magic));
  const first = Array.from(bytes.subarray(0, 4), (b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
  throw new UsageError(`${path} is ${other ? other[0] : `not an image or IDX file (it starts with ${first || "nothing: it is empty"})`}; ${ACCEPTED}. Convert other images to PNG or JPEG first.`);
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** `simdnet predict`: prints the class of a PNG, or of every image of an IDX file. */
export async function predict(argv: string[], out: ProgressStream = process.stdout): Promise<void> {
  const { values, positionals } = parse(argv, { labels: { type: "string" }, top: { type: "string" }, out: { type: "string" }, csv: { type: "boolean" } });
  if (positionals.length !== 2) throw new UsageError(`predict takes a model (.keras, .h5 or model.json) and an image, a folder or an IDX file, received ${positionals.length} arguments`);
  const [modelPath, inputPath] = positionals as [string, string];
  const write = (line: string) => out.write(line + "\n");
  // Every check on the arguments before the model is loaded.
  const modelFile = modelPath.startsWith("file://") ? fileURLToPath(modelPath) : modelPath;
  if (!existsSync(modelFile)) throw new UsageError(`cannot read ${modelPath}: no such file`);
  const folder = statSync(inputPath, { throwIfNoEntry: false })?.isDirectory() === true;
  const kind = folder ? "image" : sniffInput(readImage(inputPath), inputPath);
  const top = numberFlag(values, "top", 3, { min: 1, max: 100_000, integer: true });
  if (kind !== "idx" && values.labels !== undefined) throw new UsageError("--labels applies to IDX images only (for a folder of class folders, use simdnet evaluate)");
  if (kind !== "idx" && values.out !== undefined) throw new UsageError("--out applies to IDX images only (for images, use --csv > FILE)");
  if (kind === "idx" && values.top !== undefined) throw new UsageError("--top applies to images only");
  if (kind === "idx" && values.csv) throw new UsageError("--csv applies to images only (for IDX images, use --out FILE)");
  const outPath = values.out as string | undefined;
  if (outPath !== undefined) checkWritable(outPath);
  await init();
  const model = await loadModel(toFileUrl(modelPath));
  try {
    const inputShape = model.inputShape!;
    const digitModel = inputShape.join() === "28,28,1" && model.classNames === null;
    if (kind === "image" || (kind === "png" && (!digitModel || values.csv))) {
      predictImages(model, modelPath, inputPath, { top, csv: values.csv === true, folder }, out);
      return;
    }
    if (kind === "png") {
      const x: Tensor = { data: pngToDigit(decodePng(readImage(inputPath))), shape: [1, 28, 28, 1] };
      const probs = model.predict(x).data;
      const ranked = Array.from(probs, (p, k) => [k, p] as const).sort((a, b) => b[1] - a[1]).slice(0, top);
      write(`${inputPath}: ${ranked[0]![0]}`);
      for (const [k, p] of ranked) write(`  ${k}  ${(p * 100).toFixed(2).padStart(6)}%`);
      return;
    }
    const x = loadIdxImages(inputPath);
    const expected = [x.shape[1], x.shape[2], x.shape[3]];
    if (expected.join() !== inputShape.join()) {
      throw new UsageError(`${inputPath} holds images of [${expected.join(", ")}], the model takes [${inputShape.join(", ")}]`);
    }
    const n = x.shape[0]!;
    const y = values.labels === undefined ? null : loadIdxLabels(values.labels as string);
    if (y && y.shape[0] !== n) throw new UsageError(`${values.labels as string} has ${y.shape[0]} labels for ${n} images`);
    const probs = model.predict(x, { batchSize: 256 });
    const classes = probs.shape[1]!;
    const predicted = new Uint32Array(n);
    const confidence = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = probs.data.subarray(i * classes, (i + 1) * classes);
      predicted[i] = argmax(row);
      confidence[i] = row[predicted[i]!]!;
    }
    const label = (i: number) => (y ? `  label ${y.data[i]}${y.data[i] === predicted[i] ? "" : "  (wrong)"}` : "");
    for (let i = 0; i < Math.min(n, SHOWN); i++) write(`${String(i).padStart(6)}: ${predicted[i]}  ${(confidence[i]! * 100).toFixed(1).padStart(5)}%${label(i)}`);
    if (n > SHOWN) write(`   ... ${(n - SHOWN).toLocaleString("en-US")} more${outPath ? "" : " (--out FILE writes them all as CSV)"}`);
    const counts = new Array<number>(classes).fill(0);
    for (const k of predicted) counts[k]!++;
    write(`${n.toLocaleString("en-US")} images; predicted per class: ${counts.map((c, k) => `${k}:${c}`).join(" ")}`);
    if (y) {
      let correct = 0;
      for (let i = 0; i < n; i++) if (predicted[i] === y.data[i]) correct++;
      write(`Accuracy: ${((correct / n) * 100).toFixed(2)}% (${correct}/${n})`);
    }
    if (outPath !== undefined) {
      const lines = [y ? "index,predicted,confidence,label" : "index,predicted,confidence"];
      for (let i = 0; i < n; i++) lines.push(`${i},${predicted[i]},${confidence[i]!.toFixed(6)}${y ? `,${y.data[i]}` : ""}`);
      writeFileSync(outPath, lines.join("\n") + "\n");
      write(`Wrote ${n.toLocaleString("en-US")} predictions to ${outPath}`);
    }
  } finally {
    model.dispose();
  }
}

/** Refuses an --out path whose directory does not exist, or that is a directory, before any work. */
function checkWritable(path: string): void {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info?.isDirectory()) throw new UsageError(`--out ${path} is a directory; give a file name, e.g. ${join(path, "predictions.csv")}`);
  const parent = statSync(dirname(resolve(path)), { throwIfNoEntry: false });
  if (!parent?.isDirectory()) throw new UsageError(`--out ${path}: the directory ${dirname(resolve(path))} does not exist`);
}
