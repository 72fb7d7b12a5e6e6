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
  const lines = outputLines(fn, [h, w], args.kernel, args.strides, args.padding, args.outShape);
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
