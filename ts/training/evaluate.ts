/**
 * Loss and accuracy of a model over every sample of a feeder, in chunks of the plan's
 * batch size, without training (dropout off).
 */
import type { Runner } from "../model/runner.js";
import type { Logs } from "../callbacks/callback.js";
import type { WasmCore } from "../wasm/core.js";
import { checkBatchSize, isBatchSource, type BatchSource } from "../data/batch_source.js";
import { checkClassNames } from "../io/class_names.js";
import { batchOption, type BatchArgs } from "../model/inference.js";
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import { checkFinite, checkSource, refuseAsync, SourceFeeder, type Feeder } from "./data.js";
import type { Loss } from "./losses.js";
import { meanLogs, type MetricName } from "./metrics.js";

/** Sample-weighted mean loss (and accuracy when asked) over all of `feeder`. */
export function evaluateFeeder(core: WasmCore, runner: Runner, feeder: Feeder, batchSize: number, metrics: readonly MetricName[]): Logs {
  const chunk = Math.min(batchSize, runner.plan.batch);
  const n = feeder.length;
  feeder.startEpoch(0, null);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    feeder.fill(core, runner.plan, start, count);
    runner.forward(count, false, 0, true);
    lossSum += runner.lossAndGradient(count) * count;
    if (metrics.length > 0) correct += runner.correct(count);
  }
  return meanLogs(lossSum, correct, n, metrics);
}

/**
 * `evaluate(source, options)`'s checks: no separate labels (the source carries its own),
 * options with at most `batchSize` (default: the source's), shapes that fit the model.
 */
export function sourceFeeder(
  where: string, source: BatchSource, args: unknown, extra: unknown, loss: Loss,
  inputShape: readonly number[], outputShape: readonly number[],
): { feeder: Feeder; batchSize: number } {
  const tensorLike = typeof args === "object" && args !== null && "data" in args && "shape" in args;
  if (tensorLike || (typeof extra === "object" && extra !== null && Object.keys(extra).length > 0)) {
    throw new Error(`${where}: x is a BatchSource (e.g. datasets.imageFolder(dir)), which carries its own labels; call ${where}(source, options) without y`);
  }
  refuseAsync(where, source);
  const options = args === undefined ? {} : args;
  const batchSize = batchOption(where, { batchSize: checkBatchSize(where, source), ...(options as BatchArgs) });
  checkSource(where, source, inputShape, loss, outputShape);
  return { feeder: new SourceFeeder(source, loss, sizeOf(outputShape)), batchSize };
}

/**
 * `predict(source)`: one epoch of `source` (its epoch 0 order), read `batchSize` samples
 * at a time (default the source's) and passed to `predictChunk`; the outputs in order.
 */
export function predictSource(source: BatchSource, options: BatchArgs, inputShape: readonly number[] | null, predictChunk: (x: Tensor) => Tensor): Tensor {
  const where = "predict";
  if (typeof options !== "object" || options === null) throw new Error(`${where}: options must be an object, received ${String(options)}`);
  refuseAsync(where, source);
  const batchSize = batchOption(where, { batchSize: checkBatchSize(where, source), ...options });
  if (inputShape === null) throw new Error(`${where}: the model has no layers; add some first`);
  const n = source.length;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${where}: the batch source holds ${String(n)} samples, expected a whole number >= 0`);
  if (formatShape(source.sampleShape) !== formatShape(inputShape)) {
    throw new Error(`${where}: the batch source's samples have shape ${formatShape(source.sampleShape)}, expected ${formatShape(inputShape)} (the model's input shape)`);
  }
  const sample = sizeOf(inputShape);
  const labelSize = sizeOf(source.labelShape);
  const chunk = Math.min(batchSize, Math.max(n, 1));
  const x = new Float32Array(chunk * sample);
  const y = new Float32Array(chunk * labelSize);
  source.startEpoch(0);
  let out: Tensor | null = null;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    source.fill(start, count, x, y);
    checkFinite(where, "the batch source's samples", x, count * sample);
    const part = predictChunk({ data: x.subarray(0, count * sample), shape: [count, ...inputShape] });
    const width = part.data.length / count;
    out ??= { data: new Float32Array(n * width), shape: [n, ...part.shape.slice(1)] };
    out.data.set(part.data, start * width);
  }
  return out ?? predictChunk({ data: new Float32Array(0), shape: [0, ...inputShape] });
}

/**
 * The class names `fit` gives a model that has none: the source's `classNames` (as
 * `datasets.imageFolder` reports them) when they fit the model's output, else null.
 */
export function adoptClassNames(x: unknown, outputShape: readonly number[]): readonly string[] | null {
  if (!isBatchSource(x)) return null;
  const names = (x as { classNames?: unknown }).classNames;
  try {
    return checkClassNames("fit", names, outputShape);
  } catch {
    // Names that do not fit (say 3 folders trained into 10 outputs) are not the model's.
    return null;
  }
}
