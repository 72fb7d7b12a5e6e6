/** `simdnet predict`: classifies a PNG digit, or every image of an IDX file. */
import { decodePng, pngToDigit } from "../data/png.js";
import { loadIdxImages, loadIdxLabels, readDataFile } from "../data/files.js";
import { loadSequential as loadModel } from "../io/sequential_io.js";
import type { Tensor } from "../tensor.js";
import { init } from "../wasm/loader.js";
import { parse, UsageError } from "./args.js";
import type { ProgressStream } from "./progress.js";
import { toFileUrl } from "./paths.js";

export const PREDICT_HELP = `simdnet predict <model.json> <image.png | images.idx> [options]

Classifies a PNG image (any size, dark on light or light on dark; scaled to the model's
input) or every image in an IDX file.

  --labels FILE       IDX labels for the IDX images: also report accuracy
  --top N             classes to list for a PNG (default 3)

Examples:
  simdnet predict models/lenet5/model.json digit.png
  simdnet predict models/lenet5/model.json t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz
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

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

export async function predict(argv: string[], out: ProgressStream = process.stdout): Promise<void> {
  const { values, positionals } = parse(argv, { labels: { type: "string" }, top: { type: "string" } });
  if (positionals.length !== 2) throw new UsageError(`predict takes a model.json and an image, received ${positionals.length} arguments`);
  const [modelPath, inputPath] = positionals as [string, string];
  const write = (line: string) => out.write(line + "\n");
  await init();
  const model = await loadModel(toFileUrl(modelPath));
  try {
    const inputShape = model.inputShape!;
    if (inputPath.toLowerCase().endsWith(".png")) {
      if (values.labels !== undefined) throw new UsageError("--labels applies to IDX images only");
      const top = Number(values.top ?? 3);
      if (!Number.isSafeInteger(top) || top < 1) throw new UsageError(`--top expects a whole number >= 1, received ${String(values.top)}`);
      if (inputShape[0] !== 28 || inputShape[1] !== 28 || inputShape[2] !== 1) {
        throw new UsageError(`PNG prediction needs a model taking 28x28x1 digits; this one takes [${inputShape.join(", ")}]`);
      }
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
    const probs = model.predict(x, { batchSize: 256 });
    const n = x.shape[0]!;
    const classes = probs.shape[1]!;
    const predicted = new Uint32Array(n);
    for (let i = 0; i < n; i++) predicted[i] = argmax(probs.data.subarray(i * classes, (i + 1) * classes));
    const counts = new Array<number>(classes).fill(0);
    for (const k of predicted) counts[k]!++;
    write(`${n.toLocaleString("en-US")} images; predicted per class: ${counts.map((c, k) => `${k}:${c}`).join(" ")}`);
    if (values.labels !== undefined) {
      const y = loadIdxLabels(values.labels as string);
      if (y.shape[0] !== n) throw new UsageError(`${values.labels as string} has ${y.shape[0]} labels for ${n} images`);
      let correct = 0;
      for (let i = 0; i < n; i++) if (predicted[i] === y.data[i]) correct++;
      write(`Accuracy: ${((correct / n) * 100).toFixed(2)}% (${correct}/${n})`);
    }
  } finally {
    model.dispose();
  }
}
