/**
 * Getting samples into a model's planned buffers: checking user arrays before anything
 * changes (shapes, lengths, NaN, label ranges), then copying batches in a given order
 * without allocating (sparse class indices become one-hot rows on the way).
 */
import { isBatchSource, type BatchSource } from "../data/batch_source.js";
import type { Random } from "../random.js";
import { sizeOf } from "../shapes.js";
import { describeValue, formatShape, type Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import type { Plan } from "../model/plan.js";
import type { FitSettings } from "./fit.js";
import type { Loss } from "./losses.js";

/** Feeds samples of one epoch into a plan's input and label buffers. */
export interface Feeder {
  /** Samples per epoch. */
  readonly length: number;
  /** Fixes the order of epoch `epoch` (shuffled when `random` is given). */
  startEpoch(epoch: number, random: Random | null): void;
  /** Writes samples `start .. start + count` of the current order into the plan. */
  fill(core: WasmCore, plan: Plan, start: number, count: number): void;
  /** Readies those samples for `fill`, when the data needs asynchronous work (a BatchSource's `prepare`). */
  prepare?(start: number, count: number): Promise<void> | undefined;
}

/** Throws unless `t` is a tensor; `where` names the call and `arg` the argument. */
function requireTensor(where: string, arg: string, t: unknown): asserts t is Tensor {
  const ok = typeof t === "object" && t !== null && (t as Tensor).data instanceof Float32Array && Array.isArray((t as Tensor).shape);
  if (ok) return;
  // Keras takes a list per input for multi-input models; simdnet's models have one input.
  if (Array.isArray(t) && t.length > 0 && t.every((e) => typeof e === "object" && e !== null && (e as Tensor).data instanceof Float32Array)) {
    throw new Error(`${where}: ${arg} is an array of ${t.length} tensor${t.length === 1 ? "" : "s"}; models with several inputs or outputs are not supported yet, so ${arg} must be one tensor { data: Float32Array, shape }`);
  }
  const data = typeof t === "object" && t !== null && !ArrayBuffer.isView(t) ? (t as { data?: unknown }).data : undefined;
  const received = data !== undefined ? `an object whose data is ${describeValue(data)}` : describeValue(t);
  throw new Error(`${where}: ${arg} must be a tensor { data: Float32Array, shape }, received ${received}; make one with tensor(values, shape)`);
}

/** True when per-sample labels of `shape` suit `loss` on a model with `outputShape`. */
function labelShapeFits(shape: readonly number[], loss: Loss, outputShape: readonly number[]): boolean {
  // Class indices may come as [n] or [n, 1], as Keras accepts.
  if (loss.sparse) return shape.length === 0 || (shape.length === 1 && shape[0] === 1);
  return formatShape(shape) === formatShape(outputShape);
}

/**
 * Checks `x` against the model's per-sample input shape and for NaN/Infinity; returns
 * the number of samples. `where` names the call ("fit", "predict", ...) and `arg` the argument.
 */
export function checkInputs(where: string, arg: string, x: unknown, inputShape: readonly number[]): number {
  requireTensor(where, arg, x);
  checkSampleCount(where, arg, x.shape);
  const expected = `[n, ${inputShape.join(", ")}]`;
  const same = x.shape.length === inputShape.length + 1 && inputShape.every((d, i) => x.shape[i + 1] === d);
  if (!same) throw new Error(`${where}: ${arg} has shape ${formatShape(x.shape)}, expected ${expected} (the model's input shape)`);
  const n = x.shape[0]!;
  if (x.data.length !== n * sizeOf(inputShape)) {
    throw new Error(`${where}: ${arg} holds ${x.data.length} values, expected ${n * sizeOf(inputShape)} for shape ${formatShape(x.shape)}`);
  }
  checkFinite(where, arg, x.data, x.data.length);
  return n;
}

/** A negative or fractional sample count would otherwise surface as "expected -1280 values". */
function checkSampleCount(where: string, arg: string, shape: readonly number[]): void {
  const n = shape[0];
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) throw new Error(`${where}: ${arg} has shape ${formatShape(shape)}: the sample count ${n} is not a whole number >= 0`);
}

/** Throws naming the first NaN or infinite value among the first `n`. */
export function checkFinite(where: string, arg: string, data: ArrayLike<number>, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    // v - v is NaN exactly for NaN and +-Infinity: one test per value.
    if (v - v !== 0) throw new Error(`${where}: ${arg} holds ${v} at index ${i}; inputs must be finite`);
  }
}

/** The per-sample label shape a loss expects, for messages. */
function labelShapeText(loss: Loss, outputShape: readonly number[]): string {
  if (loss.sparse) return "[n] class indices";
  if (loss.crossEntropy) return `[n, ${outputShape.join(", ")}] one-hot rows`;
  return `[n, ${outputShape.join(", ")}] targets`;
}

/** Checks labels `y` of `n` samples for `loss` on a model with `outputShape`. */
export function checkLabels(where: string, arg: string, y: unknown, n: number, loss: Loss, outputShape: readonly number[]): void {
  requireTensor(where, arg, y);
  checkSampleCount(where, arg, y.shape);
  if (y.shape[0] !== n) throw new Error(`${where}: x has ${n} samples but ${arg} has ${y.shape[0] ?? 0} (shape ${formatShape(y.shape)})`);
  const perSample = y.shape.slice(1);
  const classes = sizeOf(outputShape);
  if (!labelShapeFits(perSample, loss, outputShape)) {
    const hint = loss.sparse ? "" : loss.crossEntropy && perSample.length === 0 ? "; for class indices use loss \"sparseCategoricalCrossentropy\" or toCategorical(y)" : "";
    throw new Error(`${where}: ${arg} has shape ${formatShape(y.shape)}, expected ${labelShapeText(loss, outputShape)} for ${loss.name}${hint}`);
  }
  if (y.data.length !== n * (loss.sparse ? 1 : classes)) {
    throw new Error(`${where}: ${arg} holds ${y.data.length} values, expected ${n * (loss.sparse ? 1 : classes)} for shape ${formatShape(y.shape)}`);
  }
  if (loss.sparse) {
    for (let i = 0; i < n; i++) checkClassIndex(where, arg, y.data[i]!, i, classes);
  } else {
    checkFinite(where, arg, y.data, y.data.length);
    if (loss.crossEntropy) checkDistributions(where, arg, y.data, n, classes);
  }
}

/**
 * Cross-entropy labels must be one-hot rows, or at least probability distributions
 * (smoothed labels): values in [0, 1] summing to 1. Anything else (class indices given
 * as one column, scores, a row of zeros) would train on a meaningless loss.
 */
function checkDistributions(where: string, arg: string, data: ArrayLike<number>, rows: number, width: number, rowOffset = 0): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let inRange = true;
    for (let k = 0; k < width; k++) {
      const v = data[r * width + k]!;
      sum += v;
      if (!(v >= 0 && v <= 1)) inRange = false;
    }
    if (!inRange || Math.abs(sum - 1) > 1e-3) {
      const row = Array.from({ length: Math.min(width, 8) }, (_, k) => data[r * width + k]!);
      throw new Error(`${where}: ${arg} row ${r + rowOffset} is [${row.join(", ")}${width > 8 ? ", ..." : ""}] (sum ${sum}), expected a one-hot row (values in [0, 1] summing to 1)`);
    }
  }
}

function checkClassIndex(where: string, arg: string, v: number, i: number, classes: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
    throw new Error(`${where}: ${arg}[${i}] is ${v}, expected a class index: a whole number in [0, ${classes})`);
  }
}

/** Feeds samples of in-memory tensors, by an index list (shuffled per epoch if asked). */
export class ArrayFeeder implements Feeder {
  private readonly sampleSize: number;

  constructor(
    private readonly x: Tensor,
    /** Labels, or null for predict. */
    private readonly y: Tensor | null,
    /** Which samples of x/y this feeder covers, in their base order. */
    private readonly indices: Uint32Array,
    private readonly loss: Loss | null,
    /** Floats per label row in the plan (the model's output size). */
    private readonly width: number,
  ) {
    this.sampleSize = sizeOf(x.shape.slice(1));
  }

  get length(): number {
    return this.indices.length;
  }

  startEpoch(_epoch: number, random: Random | null): void {
    if (random) random.shuffle(this.indices);
  }

  fill(core: WasmCore, plan: Plan, start: number, count: number): void {
    const s = this.sampleSize;
    const src = this.x.data;
    const xs = core.f32(plan.input);
    for (let j = 0; j < count; j++) {
      const from = this.indices[start + j]! * s;
      const to = j * s;
      for (let k = 0; k < s; k++) xs[to + k] = src[from + k]!;
    }
    if (!this.y) return;
    const w = this.width;
    const labels = core.f32(plan.labels);
    const ys = this.y.data;
    if (this.loss!.sparse) {
      labels.fill(0, 0, count * w);
      for (let j = 0; j < count; j++) labels[j * w + ys[this.indices[start + j]!]!] = 1;
    } else {
      for (let j = 0; j < count; j++) {
        const from = this.indices[start + j]! * w;
        for (let k = 0; k < w; k++) labels[j * w + k] = ys[from + k]!;
      }
    }
  }
}

/** Checks a {@link BatchSource}'s shapes against the model and loss before training. */
export function checkSource(where: string, source: BatchSource, inputShape: readonly number[], loss: Loss, outputShape: readonly number[]): void {
  if (!Number.isSafeInteger(source.length) || source.length < 1) {
    throw new Error(`${where}: the batch source holds ${source.length} samples, expected at least 1`);
  }
  if (formatShape(source.sampleShape) !== formatShape(inputShape)) {
    throw new Error(`${where}: the batch source's samples have shape ${formatShape(source.sampleShape)}, expected ${formatShape(inputShape)} (the model's input shape)`);
  }
  const prepare: unknown = source.prepare;
  if (prepare !== undefined && typeof prepare !== "function") {
    throw new Error(`${where}: the batch source's prepare is ${typeof prepare}, expected a function (start, count) returning a Promise, or no prepare`);
  }
  const ls = source.labelShape;
  if (!labelShapeFits(ls, loss, outputShape)) {
    const expected = loss.sparse ? "[] (a class index)" : `${formatShape(outputShape)}${loss.crossEntropy ? " (a one-hot row)" : ""}`;
    throw new Error(`${where}: the batch source's labels have shape ${formatShape(ls)} per sample, expected ${expected} for ${loss.name}`);
  }
}

/**
 * evaluate, predict and fit's validation run synchronously, so they cannot await
 * a source's `prepare` (a browser image folder decodes there): such a source is refused
 * rather than filled unprepared. `where` names the call.
 */
export function refuseAsync(where: string, source: BatchSource): void {
  if (typeof source.prepare === "function") {
    throw new Error(`${where}: this batch source reads its samples asynchronously (it has prepare(), e.g. imageFolderFromFiles with preload: false), which ${where} cannot wait for; make the source with preload: true, or pass its samples as tensors (an image folder's toTensors())`);
  }
}

/** Feeds a {@link BatchSource}, checking each batch it writes (values finite, labels in range). */
export class SourceFeeder implements Feeder {
  private readonly sampleSize: number;

  constructor(
    private readonly source: BatchSource,
    private readonly loss: Loss,
    private readonly width: number,
  ) {
    this.sampleSize = sizeOf(source.sampleShape);
  }

  get length(): number {
    return this.source.length;
  }

  startEpoch(epoch: number): void {
    this.source.startEpoch(epoch);
  }

  prepare(start: number, count: number): Promise<void> | undefined {
    return this.source.prepare?.(start, count);
  }

  fill(core: WasmCore, plan: Plan, start: number, count: number): void {
    const where = "fit";
    const xs = core.f32(plan.input);
    if (this.loss.sparse) {
      const raw = core.f32(plan.rawLabels);
      this.source.fill(start, count, xs, raw);
      const w = this.width;
      // Read every index before writing: labels and rawLabels are distinct windows.
      const labels = core.f32(plan.labels);
      labels.fill(0, 0, count * w);
      for (let j = 0; j < count; j++) {
        checkClassIndex(where, "the batch source's label", raw[j]!, start + j, w);
        labels[j * w + raw[j]!] = 1;
      }
    } else {
      const labels = core.f32(plan.labels);
      this.source.fill(start, count, xs, labels);
      checkFinite(where, "the batch source's labels", labels, count * this.width);
      if (this.loss.crossEntropy) checkDistributions(where, "the batch source's labels", labels, count, this.width, start);
    }
    checkFinite(where, "the batch source's samples", xs, count * this.sampleSize);
  }
}

/** The indices `from .. to - 1`. */
export function range(from: number, to: number): Uint32Array {
  const out = new Uint32Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

/**
 * Checks inputs `x` and labels `y` as {@link checkInputs} and {@link checkLabels} do
 * (`xArg` and `yArg` name them), then feeds all their samples in order.
 */
export function checkedArrayFeeder(
  where: string, xArg: string, yArg: string, x: unknown, y: unknown, loss: Loss,
  inputShape: readonly number[], outputShape: readonly number[],
): ArrayFeeder {
  const n = checkInputs(where, xArg, x, inputShape);
  checkLabels(where, yArg, y, n, loss, outputShape);
  return new ArrayFeeder(x as Tensor, y as Tensor, range(0, n), loss, sizeOf(outputShape));
}

/**
 * Checks `fit`'s data and makes its feeders: the training samples and the validation
 * ones (`validationData`, or the last `validationSplit` of the arrays, as Keras).
 */
export function fitFeeders(
  x: Tensor | BatchSource, y: Tensor | null, s: FitSettings, loss: Loss,
  inputShape: readonly number[], outputShape: readonly number[],
): { train: Feeder; validation: Feeder | null } {
  const width = sizeOf(outputShape);
  let train: Feeder;
  let validation: Feeder | null = null;
  if (isBatchSource(x)) {
    checkSource("fit", x, inputShape, loss, outputShape);
    if (s.validationSplit > 0) throw new Error("fit: validationSplit needs arrays; with a batch source, pass validationData");
    train = new SourceFeeder(x, loss, width);
  } else {
    const n = checkInputs("fit", "x", x, inputShape);
    checkLabels("fit", "y", y, n, loss, outputShape);
    if (n === 0) throw new Error("fit: x holds no samples");
    const splitAt = Math.floor(n * (1 - s.validationSplit));
    if (splitAt < 1) throw new Error(`fit: validationSplit ${s.validationSplit} leaves no training samples out of ${n}`);
    train = new ArrayFeeder(x, y, range(0, splitAt), loss, width);
    if (splitAt < n) validation = new ArrayFeeder(x, y, range(splitAt, n), loss, width);
  }
  if (isBatchSource(s.validationData)) {
    checkSource("fit: validationData", s.validationData, inputShape, loss, outputShape);
    // Validation runs synchronously after each epoch; it cannot await a source's prepare.
    refuseAsync("fit: validationData", s.validationData);
    validation = new SourceFeeder(s.validationData, loss, width);
  } else if (s.validationData) {
    const [vx, vy] = s.validationData;
    validation = checkedArrayFeeder("fit", "validationData[0]", "validationData[1]", vx, vy, loss, inputShape, outputShape);
  }
  return { train, validation };
}
