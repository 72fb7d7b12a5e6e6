/**
 * The arithmetic behind each summary row, for `model.summary({ explain: true })`: the
 * course's output-size formula (N + 2P - F)/S + 1 with the layer's real numbers, the
 * parameter count, and for convolutions the "why convolutions are efficient" argument
 * (parameter sharing, sparse connections).
 *
 * Every equation printed holds as written: when the padding is uneven (Keras puts the odd
 * cell at the bottom/right) both sides are shown, and when the stride does not divide
 * the numerator the floor is written out. Shapes come from ts/shapes.ts, and a given
 * `outShape` that disagrees with them is an error rather than a wrong explanation.
 */
import { axisPadding, outputLength, type Padding } from "../shapes.js";
import { withThousands } from "./summary.js";

/** Inputs of {@link explainConv2d}; shapes are per example, channels last. */
export interface Conv2dExplainArgs {
  inShape: readonly [number, number, number];
  kernel: readonly [number, number];
  strides: readonly [number, number];
  padding: Padding;
  filters: number;
  useBias: boolean;
  outShape: readonly [number, number, number];
  /** Tap spacing (default 1): the window then spans (k - 1) * dilation + 1 cells. */
  dilation?: readonly [number, number];
}

/** Inputs of {@link explainPool2d}. */
export interface Pool2dExplainArgs {
  inShape: readonly [number, number, number];
  poolSize: readonly [number, number];
  strides: readonly [number, number];
  padding: Padding;
  outShape: readonly [number, number, number];
}

function checkDims(fn: string, name: string, dims: readonly number[], length: number): void {
  if (!Array.isArray(dims) || dims.length !== length || dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new Error(`${fn}: ${name} must be ${length} whole numbers >= 1, received ${JSON.stringify(dims)}`);
  }
}

function checkPadding(fn: string, padding: unknown): void {
  if (padding !== "valid" && padding !== "same") {
    throw new Error(`${fn}: padding must be "valid" or "same", received ${JSON.stringify(padding)}`);
  }
}

/** One axis: "(28 + 2*2 - 5)/1 + 1 = 28" and its padding note, e.g. "same padding: P = 2". */
function axisEquation(n: number, f: number, s: number, padding: Padding, sides: [string, string]): { equation: string; note: string; value: number } {
  const { before, after } = axisPadding(n, f, s, padding);
  let sum: string;
  let note: string;
  if (before === after) {
    sum = before === 0 ? `${n} - ${f}` : `${n} + 2*${before} - ${f}`;
    note = `${padding} padding: P = ${before}`;
  } else {
    sum = `${n} + ${before} + ${after} - ${f}`;
    note = `same padding: ${before} ${sides[0]}, ${after} ${sides[1]}`;
  }
  const numerator = n + before + after - f;
  const value = Math.floor(numerator / s) + 1;
  const lhs = numerator % s === 0 ? `(${sum})/${s} + 1` : `floor((${sum})/${s}) + 1`;
  return { equation: `${lhs} = ${value}`, note, value };
}

/**
 * "output: ..." lines for a 2-D window op: one line when both axes have the same numbers,
 * else one for the height and one for the width. Throws when `out` disagrees.
 */
function outputLines(fn: string, inHW: readonly number[], f: readonly number[], s: readonly number[], padding: Padding, out: readonly number[]): string[] {
  const h = axisEquation(inHW[0]!, f[0]!, s[0]!, padding, ["top", "bottom"]);
  const w = axisEquation(inHW[1]!, f[1]!, s[1]!, padding, ["left", "right"]);
  for (const [axis, eq, i] of [["height", h, 0], ["width", w, 1]] as const) {
    const expected = outputLength(inHW[i]!, f[i]!, s[i]!, padding);
    if (expected < 1) {
      throw new Error(`${fn}: window ${f[i]} is larger than the input ${axis} ${inHW[i]} with ${padding} padding`);
    }
    if (eq.value !== expected || out[i] !== expected) {
      throw new Error(`${fn}: outShape ${axis} ${out[i]} does not match the input: ${padding} padding gives ${expected}`);
    }
  }
  if (inHW[0] === inHW[1] && f[0] === f[1] && s[0] === s[1]) {
    const both = axisEquation(inHW[0]!, f[0]!, s[0]!, padding, ["top/left", "bottom/right"]);
    return [`output: ${both.equation} (${both.note})`];
  }
  return [`output height: ${h.equation} (${h.note})`, `output width: ${w.equation} (${w.note})`];
}

/** Explain lines of a Conv2D layer, e.g. for LeNet-5's first layer "params: (5*5*1 + 1) * 6 = 156". */
export function explainConv2d(args: Conv2dExplainArgs): string[] {
  const fn = "explainConv2d";
  checkDims(fn, "inShape", args.inShape, 3);
  checkDims(fn, "kernel", args.kernel, 2);
  checkDims(fn, "strides", args.strides, 2);
  checkDims(fn, "outShape", args.outShape, 3);
  checkPadding(fn, args.padding);
  if (!Number.isSafeInteger(args.filters) || args.filters < 1) throw new Error(`${fn}: filters must be a whole number >= 1, received ${args.filters}`);
  if (typeof args.useBias !== "boolean") throw new Error(`${fn}: useBias must be true or false, received ${String(args.useBias)}`);
  if (args.outShape[2] !== args.filters) {
    throw new Error(`${fn}: outShape has ${args.outShape[2]} channels, expected ${args.filters} (one per filter)`);
  }
  const [h, w, c] = args.inShape;
  const [kh, kw] = args.kernel;
  const [dh, dw] = args.dilation ?? [1, 1];
  const span: [number, number] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const lines = dh > 1 || dw > 1 ? [`dilation ${dh}x${dw}: the ${kh}x${kw} kernel spans ${span[0]}x${span[1]} cells (F below)`] : [];
  lines.push(...outputLines(fn, [h, w], span, args.strides, args.padding, args.outShape));
  const weightsPerFilter = `${kh}*${kw}*${c}`;
  const params = (kh * kw * c + (args.useBias ? 1 : 0)) * args.filters;
  lines.push(args.useBias
    ? `params: (${weightsPerFilter} + 1) * ${args.filters} = ${withThousands(params)}`
    : `params: ${weightsPerFilter} * ${args.filters} = ${withThousands(params)}`);
  const inputs = h * w * c;
  const outputs = args.outShape[0] * args.outShape[1] * args.outShape[2];
  const denseParams = inputs * outputs + (args.useBias ? outputs : 0);
  lines.push(`a dense layer from ${withThousands(inputs)} inputs to ${withThousands(outputs)} outputs would need ${withThousands(denseParams)} parameters (parameter sharing)`);
  lines.push(`each output reads ${withThousands(kh * kw * c)} of ${withThousands(inputs)} inputs (sparse connections)`);
  return lines;
}

/** Explain lines of a MaxPooling2D or AveragePooling2D layer. */
export function explainPool2d(args: Pool2dExplainArgs): string[] {
  const fn = "explainPool2d";
  checkDims(fn, "inShape", args.inShape, 3);
  checkDims(fn, "poolSize", args.poolSize, 2);
  checkDims(fn, "strides", args.strides, 2);
  checkDims(fn, "outShape", args.outShape, 3);
  checkPadding(fn, args.padding);
  if (args.outShape[2] !== args.inShape[2]) {
    throw new Error(`${fn}: outShape has ${args.outShape[2]} channels, expected ${args.inShape[2]} (pooling keeps the channels)`);
  }
  const lines = outputLines(fn, args.inShape, args.poolSize, args.strides, args.padding, args.outShape);
  lines.push("0 params: pooling has no weights");
  return lines;
}

/** Explain lines of a Dense layer, e.g. "params: (400 + 1) * 120 = 48,120". */
export function explainDense(args: { inputs: number; units: number; useBias: boolean }): string[] {
  const fn = "explainDense";
  for (const name of ["inputs", "units"] as const) {
    if (!Number.isSafeInteger(args[name]) || args[name] < 1) throw new Error(`${fn}: ${name} must be a whole number >= 1, received ${args[name]}`);
  }
  if (typeof args.useBias !== "boolean") throw new Error(`${fn}: useBias must be true or false, received ${String(args.useBias)}`);
  const params = (args.inputs + (args.useBias ? 1 : 0)) * args.units;
  return [args.useBias
    ? `params: (${args.inputs} + 1) * ${args.units} = ${withThousands(params)}`
    : `params: ${args.inputs} * ${args.units} = ${withThousands(params)}`];
}

/** Explain lines of a Flatten layer, e.g. "output: 5*5*16 = 400". */
export function explainFlatten(args: { inShape: readonly number[] }): string[] {
  const fn = "explainFlatten";
  if (!Array.isArray(args.inShape) || args.inShape.length === 0 || args.inShape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new Error(`${fn}: inShape must be whole numbers >= 1, received ${JSON.stringify(args.inShape)}`);
  }
  const size = args.inShape.reduce((a, b) => a * b, 1);
  return [`output: ${args.inShape.join("*")} = ${withThousands(size)}`, "0 params: flatten only reshapes"];
}

/** Inputs of {@link explainBatchNorm}. */
export interface BatchNormExplainArgs {
  /** Normalized channels (the last axis). */
  channels: number;
  /** Whether the layer has beta. */
  center: boolean;
  /** Whether the layer has gamma. */
  scale: boolean;
}

/**
 * Explain lines of a BatchNormalization layer: 4*C parameters (with scale and center),
 * of which the 2*C moving statistics are not trained.
 */
export function explainBatchNorm(args: BatchNormExplainArgs): string[] {
  const fn = "explainBatchNorm";
  if (!Number.isSafeInteger(args.channels) || args.channels < 1) throw new Error(`${fn}: channels must be a whole number >= 1, received ${args.channels}`);
  const c = args.channels;
  const learned = [args.scale ? "gamma" : null, args.center ? "beta" : null].filter((n): n is string => n !== null);
  const k = learned.length + 2;
  const lines = [`params: ${k}*${c} = ${withThousands(k * c)} (${[...learned, "moving mean", "moving variance"].join(", ")}: one per channel)`];
  if (learned.length > 0) lines.push(`trained: ${learned.join(" and ")}, ${learned.length}*${c} = ${withThousands(learned.length * c)}`);
  lines.push(`not trained: the moving mean and variance, 2*${c} = ${withThousands(2 * c)}, updated by each training batch (moving = 0.99*moving + 0.01*batch) and used for inference`);
  return lines;
}

/** Inputs of {@link explainDepthwise}; shapes per example, channels last. */
export interface DepthwiseExplainArgs {
  inShape: readonly [number, number, number];
  kernel: readonly [number, number];
  strides?: readonly [number, number];
  padding?: Padding;
  /** Tap spacing; the window then spans (k - 1) * dilation + 1 cells. */
  dilation?: readonly [number, number];
  depthMultiplier: number;
  useBias: boolean;
  outShape: readonly [number, number, number];
}

/** The "output: ..." lines of a depthwise window, or none when strides/padding were not given. */
function depthwiseOutput(fn: string, a: DepthwiseExplainArgs): string[] {
  if (!a.strides || !a.padding) return [];
  const d = a.dilation ?? [1, 1];
  const span = [(a.kernel[0] - 1) * d[0]! + 1, (a.kernel[1] - 1) * d[1]! + 1];
  return outputLines(fn, a.inShape, span, a.strides, a.padding, a.outShape);
}

/**
 * Explain lines of a DepthwiseConv2D layer: its kh*kw*C*M (+ bias) parameters against a
 * full convolution to as many channels, each of whose filters reads every input channel.
 */
export function explainDepthwise(args: DepthwiseExplainArgs): string[] {
  const fn = "explainDepthwise";
  checkDims(fn, "inShape", args.inShape, 3);
  checkDims(fn, "kernel", args.kernel, 2);
  checkDims(fn, "outShape", args.outShape, 3);
  const [, , c] = args.inShape;
  const [kh, kw] = args.kernel;
  const m = args.depthMultiplier;
  const out = c * m;
  if (args.outShape[2] !== out) throw new Error(`${fn}: outShape has ${args.outShape[2]} channels, expected ${out} (channels * depthMultiplier)`);
  const lines = depthwiseOutput(fn, args);
  const params = kh * kw * c * m + (args.useBias ? out : 0);
  lines.push(`params: ${kh}*${kw}*${c}*${m}${args.useBias ? ` + ${out}` : ""} = ${withThousands(params)} (each input channel has its own ${m} kernel${m === 1 ? "" : "s"})`);
  const full = kh * kw * c * out + (args.useBias ? out : 0);
  lines.push(`a full Conv2D to ${out} channels would need ${kh}*${kw}*${c}*${out}${args.useBias ? ` + ${out}` : ""} = ${withThousands(full)}: each of its filters reads all ${c} channels`);
  return lines;
}

/** Inputs of {@link explainSeparable}. */
export interface SeparableExplainArgs extends DepthwiseExplainArgs {
  /** Output channels of the pointwise 1x1 convolution. */
  filters: number;
}

/**
 * Explain lines of a SeparableConv2D layer: depthwise plus pointwise parameters, and
 * MobileNet's argument: against a full convolution with the same kernel and filters it
 * costs 1/filters + 1/(kh*kw) as many multiplications per output (and about as many
 * parameters), because filtering and mixing channels are done apart.
 */
export function explainSeparable(args: SeparableExplainArgs): string[] {
  const fn = "explainSeparable";
  checkDims(fn, "inShape", args.inShape, 3);
  checkDims(fn, "kernel", args.kernel, 2);
  checkDims(fn, "outShape", args.outShape, 3);
  const [, , c] = args.inShape;
  const [kh, kw] = args.kernel;
  const [m, f] = [args.depthMultiplier, args.filters];
  if (args.outShape[2] !== f) throw new Error(`${fn}: outShape has ${args.outShape[2]} channels, expected ${f} (one per filter)`);
  const lines = depthwiseOutput(fn, { ...args, outShape: [args.outShape[0], args.outShape[1], c * m] });
  const depthwise = kh * kw * c * m;
  const pointwise = c * m * f;
  const bias = args.useBias ? f : 0;
  const params = depthwise + pointwise + bias;
  lines.push(`params: depthwise ${kh}*${kw}*${c}*${m} + pointwise ${c * m}*${f}${bias ? ` + bias ${f}` : ""} = ${withThousands(params)}`);
  const full = kh * kw * c * f + bias;
  lines.push(`a full Conv2D with the same ${kh}x${kw} kernel and ${f} filters would need ${kh}*${kw}*${c}*${f}${bias ? ` + ${f}` : ""} = ${withThousands(full)} (${(full / params).toFixed(1)}x as many)`);
  const mulSeparable = depthwise + pointwise;
  const mulFull = kh * kw * c * f;
  lines.push(
    `multiplications per output pixel: ${withThousands(mulSeparable)} against ${withThousands(mulFull)} ` +
      `(MobileNet: filter each channel, then mix channels with 1x1 kernels; with multiplier 1 the cost is 1/${f} + 1/${kh * kw} of a full convolution)`,
  );
  return lines;
}
