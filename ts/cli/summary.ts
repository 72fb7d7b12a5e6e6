/** `simdnet summary`: the Keras table of a saved model or of a built-in LeNet-5. */
import { lenet5 } from "../models/lenet5.js";
import { loadSequential as loadModel } from "../io/sequential_io.js";
import { parse, shapeFlag, UsageError } from "./args.js";
import type { ProgressStream } from "./progress.js";
import { toFileUrl } from "./paths.js";
import { init } from "../wasm/loader.js";

export const SUMMARY_HELP = `simdnet summary <model.json | model.keras | model.h5 | lenet5> [options]

Prints the model's layers, output shapes and parameter counts as tf.keras does.

  --explain           add the arithmetic behind each row: output size (N - F + 2P)/S + 1,
                      parameters (F*F*C + 1) * K, and what parameter sharing saves
  --input H,W,C       input shape for lenet5 (default 28,28,1)
  --variant NAME      keras or classic, for lenet5 (default keras)

Examples:
  simdnet summary lenet5 --explain
  simdnet summary lenet5 --input 32,32,3 --variant classic
  simdnet summary models/lenet5/model.json
`;

export async function summary(argv: string[], out: ProgressStream = process.stdout): Promise<void> {
  const { values, positionals } = parse(argv, {
    explain: { type: "boolean" },
    input: { type: "string" },
    variant: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError(`summary takes one model (a model.json path or "lenet5"), received ${positionals.length}`);
  const target = positionals[0]!;
  const explain = values.explain === true;
  let text: string;
  if (target === "lenet5") {
    const variant = (values.variant as string | undefined) ?? "keras";
    if (variant !== "keras" && variant !== "classic") throw new UsageError(`--variant must be keras or classic, received ${JSON.stringify(variant)}`);
    const input = shapeFlag(values, "input", 3) as [number, number, number] | undefined;
    text = lenet5({ variant, ...(input ? { inputShape: input } : {}) }).summary({ explain, print: () => {} });
  } else {
    if (values.input !== undefined || values.variant !== undefined) throw new UsageError("--input and --variant apply to lenet5 only");
    // Loading puts the weights in wasm memory, so the kernels must be ready (lenet5 alone need not).
    await init();
    const model = await loadModel(toFileUrl(target));
    text = model.summary({ explain, print: () => {} });
    model.dispose();
  }
  out.write(text + "\n");
}
