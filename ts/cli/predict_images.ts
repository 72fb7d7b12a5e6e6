/**
 * `simdnet predict MODEL IMAGE|DIR` for any model taking images: each image is read as
 * `train --images` read them (decoded, converted to the model's channels, resized
 * bilinearly to its input), and the top classes are printed by name when the model
 * carries class names, else by index.
 */
import { join } from "node:path";
import { imageFolder, readImage } from "../data/image_folder_node.js";
import type { Model } from "../model/model.js";
import type { Tensor } from "../tensor.js";
import { UsageError } from "./args.js";
import { colorOfChannels } from "./image_models.js";
import type { ProgressStream } from "./progress.js";

/** Images predicted at a time when reading a folder. */
const CHUNK = 64;

/** What `predict` needs of a model that reads images: its height, width and channels. */
export function imageInput(model: Model, modelPath: string): { size: [number, number]; color: "grayscale" | "rgb" | "rgba" } {
  const shape = model.inputShape!;
  if (shape.length !== 3) throw new UsageError(`${modelPath} takes inputs of shape [${shape.join(", ")}], not images [height, width, channels]`);
  let color: "grayscale" | "rgb" | "rgba";
  try {
    color = colorOfChannels(shape[2]!);
  } catch (e) {
    throw new UsageError(`${modelPath}: ${(e as Error).message}`);
  }
  const out = model.outputShape!;
  if (out.length !== 1) throw new UsageError(`${modelPath} outputs [${out.join(", ")}] per image, not one probability per class`);
  return { size: [shape[0]!, shape[1]!], color };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The `top` most probable classes of one output row, best first. */
function ranked(row: Float32Array, top: number): [number, number][] {
  return Array.from(row, (p, k) => [k, p] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top);
}

/** Options of {@link predictImages}. */
export interface PredictImagesOptions {
  /** Classes listed per image. */
  top: number;
  /** A CSV table (file,class,probability,...) instead of text. */
  csv: boolean;
  /** Whether the input is a folder. */
  folder: boolean;
}

/** Predicts one image file or every image below a folder, printing to `out`. */
export function predictImages(model: Model, modelPath: string, inputPath: string, o: PredictImagesOptions, out: ProgressStream): void {
  const write = (line: string) => out.write(line + "\n");
  const { size, color } = imageInput(model, modelPath);
  const classes = model.outputShape![0]!;
  const names = model.classNames;
  const top = Math.min(o.top, classes);
  const label = (k: number) => (names ? names[k]! : String(k));
  if (!names && !o.csv) write(`(${modelPath} has no class names, so classes are shown by index; models saved by 'simdnet train --images' carry them)`);
  if (o.csv) {
    const header = ["file"];
    for (let i = 1; i <= top; i++) header.push(i === 1 ? "class" : `class_${i}`, i === 1 ? "probability" : `probability_${i}`);
    write(header.join(","));
  }
  const report = (file: string, row: Float32Array) => {
    const best = ranked(row, top);
    if (o.csv) {
      write([csvField(file), ...best.flatMap(([k, p]) => [csvField(label(k)), p.toFixed(6)])].join(","));
    } else if (!o.folder) {
      write(`${file}: ${label(best[0]![0])}`);
      const width = Math.max(...best.map(([k]) => label(k).length));
      for (const [k, p] of best) write(`  ${label(k).padEnd(width)}  ${(p * 100).toFixed(2).padStart(6)}%`);
    } else {
      write(`${file}: ${best.map(([k, p]) => `${label(k)} ${(p * 100).toFixed(1)}%`).join(", ")}`);
    }
  };
  const rows = (probs: Tensor, i: number) => probs.data.subarray(i * classes, (i + 1) * classes) as Float32Array;
  if (!o.folder) {
    let x: Tensor;
    try {
      x = readImage(inputPath, { imageSize: size, colorMode: color });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/^readImage: /, ""));
    }
    report(inputPath, rows(model.predict(x), 0));
    return;
  }
  let source;
  try {
    source = imageFolder(inputPath, { labelMode: null, shuffle: false, imageSize: size, colorMode: color });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^imageFolder: /, ""));
  }
  const counts = new Array<number>(classes).fill(0);
  for (let start = 0; start < source.length; start += CHUNK) {
    const count = Math.min(CHUNK, source.length - start);
    const probs = model.predict(source.toTensors(start, count).x, { batchSize: CHUNK });
    for (let i = 0; i < count; i++) {
      const row = rows(probs, i);
      report(join(inputPath, source.filePaths[start + i]!), row);
      counts[ranked(row, 1)[0]![0]]!++;
    }
  }
  if (!o.csv) write(`${source.length.toLocaleString("en-US")} images; predicted per class: ${counts.map((c, k) => `${label(k)} ${c}`).join(", ")}`);
}
