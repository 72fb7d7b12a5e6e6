/**
 * `simdnet evaluate MODEL DIR`: loss and accuracy of a saved model on a folder of
 * images, one subfolder per class, whose class folders must be the model's classes.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { imageFolder } from "../data/image_folder_node.js";
import { loadSequential as loadModel } from "../io/sequential_io.js";
import { init } from "../wasm/loader.js";
import { numberFlag, parse, UsageError } from "./args.js";
import { toFileUrl } from "./paths.js";
import { imageInput } from "./predict_images.js";
import type { ProgressStream } from "./progress.js";

export const EVALUATE_HELP = `simdnet evaluate <model.keras | model.h5 | model.json> <folder> [options]

Reports the loss (sparse categorical cross-entropy) and accuracy of a model on a folder
of images with one subfolder per class (as 'train --images' reads them). The subfolders
must be the classes the model was saved with (models saved by 'train --images' carry
their class names); for a model without class names, the folders in alphabetical order
are taken as classes 0, 1, ... and must be as many as the model's outputs.

  --batch-size N      images per batch (default 32)

Example:
  simdnet evaluate m.keras photos-test
`;

/** Folders in `dir` as imageFolder sees them (hidden ones skipped), sorted. */
function classFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith(".") && (e.isDirectory() || (e.isSymbolicLink() && statSync(`${dir}/${e.name}`, { throwIfNoEntry: false })?.isDirectory())))
    .map((e) => e.name)
    .sort();
}

/** Runs `simdnet evaluate`; returns { loss, accuracy }. */
export async function evaluate(argv: string[], out: ProgressStream = process.stdout): Promise<{ loss: number; accuracy: number }> {
  const { values, positionals } = parse(argv, { "batch-size": { type: "string" } });
  if (positionals.length !== 2) throw new UsageError(`evaluate takes a model (.keras, .h5 or model.json) and a folder of class folders, received ${positionals.length} arguments`);
  const [modelPath, dir] = positionals as [string, string];
  const batchSize = numberFlag(values, "batch-size", 32, { min: 1, max: 65_536, integer: true });
  const modelFile = modelPath.startsWith("file://") ? fileURLToPath(modelPath) : modelPath;
  if (!existsSync(modelFile)) throw new UsageError(`cannot read ${modelPath}: no such file`);
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) throw new UsageError(`${dir}: no such folder`);
  if (!info.isDirectory()) throw new UsageError(`${dir} is a file; expected a folder with one subfolder per class`);
  const folders = classFolders(dir);
  if (folders.length === 0) throw new UsageError(`${dir} has no subfolders; expected one folder per class, each holding that class's images`);
  const write = (line: string) => out.write(line + "\n");
  await init();
  const model = await loadModel(toFileUrl(modelPath));
  try {
    const { size, color } = imageInput(model, modelPath);
    const outputs = model.outputShape![0]!;
    let classNames = model.classNames;
    if (classNames) {
      const missing = classNames.filter((c) => !folders.includes(c));
      const extra = folders.filter((f) => !classNames!.includes(f));
      if (missing.length > 0 || extra.length > 0) {
        throw new Error(`the class folders of ${dir} do not match the model's classes (${classNames.join(", ")}):` +
          `${missing.length > 0 ? ` missing ${missing.join(", ")};` : ""}${extra.length > 0 ? ` not classes of the model: ${extra.join(", ")};` : ""} give a folder with exactly the model's class folders`);
      }
    } else {
      if (folders.length !== outputs) {
        throw new Error(`${modelPath} has no class names and ${outputs} outputs, but ${dir} has ${folders.length} class folders (${folders.join(", ")}); they must be as many`);
      }
      write(`(${modelPath} has no class names: the folders in alphabetical order are taken as classes 0 to ${outputs - 1})`);
      classNames = folders;
    }
    let source;
    try {
      source = imageFolder(dir, { classNames, imageSize: size, colorMode: color, batchSize, shuffle: false });
    } catch (e) {
      throw new Error((e as Error).message.replace(/^imageFolder: /, ""));
    }
    // Any optimizer: evaluate only needs the loss and the metric.
    model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const result = model.evaluate(source, { batchSize });
    const accuracy = result.accuracy ?? NaN;
    write(`${source.length.toLocaleString("en-US")} images in ${classNames.length} classes (${classNames.join(", ")}), read at ${size[0]}x${size[1]} ${color}`);
    write(`Loss ${result.loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(2)}% (${Math.round(accuracy * source.length)}/${source.length})`);
    return { loss: result.loss, accuracy };
  } finally {
    model.dispose();
  }
}
