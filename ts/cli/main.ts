#!/usr/bin/env node
/** The `simdnet` command: train, summary, predict, evaluate, convert. */
import { CONVERT_HELP, convert } from "./convert.js";
import { EVALUATE_HELP, evaluate } from "./evaluate.js";
import { PREDICT_HELP, predict } from "./predict.js";
import { SUMMARY_HELP, summary } from "./summary.js";
import { TRAIN_HELP, train } from "./train.js";
import { UsageError } from "./args.js";
import { readFileSync } from "node:fs";

const HELP = `simdnet: Keras-style CNNs on SIMD WebAssembly

Usage: simdnet <command> [options]

Commands:
  train      train LeNet-5 on the bundled MNIST digits (or IDX/CSV files), or
             ResNet-20, MobileNetV2, LeNet-5 or a model file on a folder of images
  summary    print a model's layers and parameter counts (Keras format)
  predict    classify images (PNG, JPEG, BMP, GIF), a folder of them, or an IDX file
  evaluate   loss and accuracy of a saved model on a folder of class folders
  convert    convert a model between .keras, .h5 and TF.js model.json

Run 'simdnet <command> --help' for a command's options, 'simdnet --version' for the version.

Examples:
  simdnet train --epochs 5 --out models/lenet5
  simdnet summary lenet5 --explain
  simdnet predict models/lenet5/model.json digit.png
  simdnet predict models/lenet5/model.json t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz
  simdnet convert models/lenet5/model.json lenet5.keras
  simdnet train --images photos --model resnet20 --image-size 32,32 --out m.keras
  simdnet predict m.keras some.jpg
  simdnet evaluate m.keras photos-test
`;

/** The package's version, from its package.json (two levels up from ts/cli/ and dist/cli/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => Promise<unknown> }> = {
  train: { help: TRAIN_HELP, run: train },
  summary: { help: SUMMARY_HELP, run: summary },
  predict: { help: PREDICT_HELP, run: predict },
  evaluate: { help: EVALUATE_HELP, run: evaluate },
  convert: { help: CONVERT_HELP, run: convert },
};

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`simdnet: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`simdnet ${name}: ${e.message}\nRun 'simdnet ${name} --help' for usage.\n`);
      return 2;
    }
    process.stderr.write(`simdnet ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === (await import("node:url")).pathToFileURL((await import("node:fs")).realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  // `simdnet predict m.keras photos | head` closes the pipe early: stop quietly, as Unix tools do.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  process.exitCode = await main(process.argv.slice(2));
}
