/** `simdnet convert`: a model from one file format to another (.keras, .h5, TF.js model.json). */
import { basename, dirname, resolve } from "node:path";
import { loadSequential as loadModel } from "../io/sequential_io.js";
import { init } from "../wasm/loader.js";
import { parse, UsageError } from "./args.js";
import type { ProgressStream } from "./progress.js";
import { toFileUrl } from "./paths.js";

export const CONVERT_HELP = `simdnet convert <in> <out>

Converts a model between Keras 3's .keras, Keras's legacy .h5 and the TensorFlow.js
layers format (model.json + weights.bin). The format of each side comes from its name:
  x.keras               Keras 3 (a zip of config.json, metadata.json, model.weights.h5)
  x.h5                  legacy Keras HDF5 (model.save("x.h5") in Keras 3 or tf.keras 2)
  dir or dir/model.json the TensorFlow.js layers format

The model is loaded and checked as 'simdnet predict' would load it: a layer, option or
activation simdnet lacks is refused by name. Weights are copied exactly (float32); the
optimizer's state is not carried over.

Examples:
  simdnet convert mnist_cnn.keras models/mnist_cnn
  simdnet convert models/lenet5/model.json lenet5.keras
  simdnet convert old_model.h5 new_model.keras
`;

type Format = "keras" | "h5" | "tfjs";

function formatOf(path: string): Format {
  if (/\.keras$/i.test(path)) return "keras";
  if (/\.(h5|hdf5)$/i.test(path)) return "h5";
  return "tfjs";
}

export async function convert(argv: string[], out: ProgressStream = process.stdout): Promise<void> {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 2) throw new UsageError(`convert takes an input and an output, received ${positionals.length} arguments`);
  const [input, output] = positionals as [string, string];
  const target = formatOf(output);
  // The TF.js format is a directory; "dir/model.json" names the same one.
  const destination = target === "tfjs" && basename(output) === "model.json" ? dirname(output) : output;
  const from = resolve(formatOf(input) === "tfjs" && basename(input) === "model.json" ? dirname(input) : input);
  if (from === resolve(destination)) throw new UsageError(`convert: the input and the output are the same (${from})`);
  await init();
  const model = await loadModel(toFileUrl(input));
  try {
    await model.save(`file://${resolve(destination)}`);
    const what = target === "tfjs" ? `${resolve(destination)}/model.json + weights.bin (TensorFlow.js layers format)` : `${resolve(destination)} (${target === "keras" ? "Keras 3 .keras" : "legacy Keras .h5"})`;
    out.write(`wrote ${what}: ${model.name}, ${model.layers.length} layers, ${model.countParams().toLocaleString("en-US")} parameters\n`);
  } finally {
    model.dispose();
  }
}
