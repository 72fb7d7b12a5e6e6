/**
 * The shape arithmetic of convolution and pooling, in one place: layers use it to infer
 * shapes, the kernel layer to size buffers, and `summary({ explain: true })` to show it.
 *
 * Keras semantics: `valid` gives out = floor((n - f) / s) + 1; `same` gives
 * out = ceil(n / s) with total padding max((out - 1) * s + f - n, 0), the odd pixel going
 * to the bottom/right.
 */

/** Padding mode of conv and pooling layers. */
export type Padding = "valid" | "same";

/** Output length of one spatial axis: input `n`, window `f`, stride `s`. */
export function outputLength(n: number, f: number, s: number, padding: Padding): number {
  return padding === "same" ? Math.ceil(n / s) : Math.floor((n - f) / s) + 1;
}

/** Padding of one axis: cells added before (top/left) and after (bottom/right). */
export function axisPadding(
  n: number,
  f: number,
  s: number,
  padding: Padding,
): {
  /** Cells added before (top or left); the smaller half for "same". */
  before: number;
  /** Cells added after (bottom or right); gets the odd cell. */
  after: number;
} {
  if (padding === "valid") return { before: 0, after: 0 };
  const total = Math.max((outputLength(n, f, s, padding) - 1) * s + f - n, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before };
}

/**
 * What a sliding window (a conv kernel or a pooling window) does to the spatial axes: the
 * input size, strides and padding, and the output size and leading padding they give.
 */
export interface WindowGeometry {
  /** Input height. */
  inH: number;
  /** Input width. */
  inW: number;
  /** Step between windows, down. */
  strideH: number;
  /** Step between windows, across. */
  strideW: number;
  padding: Padding;
  /** Output height (from the rule above). */
  outH: number;
  /** Output width. */
  outW: number;
  /** Padded rows above the input (the odd one of an odd total goes below). */
  padTop: number;
  /** Padded columns left of the input (the odd one goes right). */
  padLeft: number;
}

/** Everything a conv2d kernel call needs to know about its shapes (NHWC). */
export interface Conv2dDims extends WindowGeometry {
  /** Images in the call. */
  batch: number;
  /** Input channels. */
  inC: number;
  /** Kernel height. */
  kH: number;
  /** Kernel width. */
  kW: number;
  /** Filters (output channels). */
  outC: number;
  /** Rows between kernel taps (Keras's `dilation_rate`; 1: adjacent). */
  dilationH: number;
  /** Columns between kernel taps. */
  dilationW: number;
}

/** Shapes of a pooling call (NHWC); channels pass through unchanged. */
export interface Pool2dDims extends WindowGeometry {
  /** Images in the call. */
  batch: number;
  /** Channels, in and out. */
  channels: number;
  /** Window height. */
  poolH: number;
  /** Window width. */
  poolW: number;
}

function windowDims(inH: number, inW: number, fH: number, fW: number, sH: number, sW: number, padding: Padding) {
  return {
    outH: outputLength(inH, fH, sH, padding),
    outW: outputLength(inW, fW, sW, padding),
    padTop: axisPadding(inH, fH, sH, padding).before,
    padLeft: axisPadding(inW, fW, sW, padding).before,
  };
}

/**
 * The cells a window of `f` taps spaced `dilation` apart covers: `(f - 1) * dilation + 1`.
 * Output sizes and padding of a dilated window follow the rules above for this span.
 */
export function dilatedSpan(f: number, dilation: number): number {
  return (f - 1) * dilation + 1;
}

/** Conv2d dims from the input shape and the layer's configuration (dilation 1 unless given). */
export function conv2dDims(
  batch: number, inH: number, inW: number, inC: number,
  kH: number, kW: number, outC: number,
  strideH: number, strideW: number, padding: Padding,
  dilationH = 1, dilationW = 1,
): Conv2dDims {
  const [spanH, spanW] = [dilatedSpan(kH, dilationH), dilatedSpan(kW, dilationW)];
  return {
    batch, inH, inW, inC, kH, kW, outC, strideH, strideW, padding, dilationH, dilationW,
    ...windowDims(inH, inW, spanH, spanW, strideH, strideW, padding),
  };
}

/** Shapes of a depthwise conv2d call (NHWC; kernel `[kH, kW, channels, multiplier]`). */
export interface DepthwiseDims extends WindowGeometry {
  /** Images in the call. */
  batch: number;
  /** Input channels. */
  channels: number;
  /** Kernel height. */
  kH: number;
  /** Kernel width. */
  kW: number;
  /** Outputs per input channel (Keras's `depth_multiplier`); the output has channels * multiplier. */
  multiplier: number;
  /** Rows between kernel taps (1: adjacent). */
  dilationH: number;
  /** Columns between kernel taps. */
  dilationW: number;
}

/** Depthwise conv2d dims from the input shape and the layer's configuration. */
export function depthwiseDims(
  batch: number, inH: number, inW: number, channels: number,
  kH: number, kW: number, multiplier: number,
  strideH: number, strideW: number, padding: Padding,
  dilationH = 1, dilationW = 1,
): DepthwiseDims {
  const [spanH, spanW] = [dilatedSpan(kH, dilationH), dilatedSpan(kW, dilationW)];
  return {
    batch, inH, inW, channels, kH, kW, multiplier, strideH, strideW, padding, dilationH, dilationW,
    ...windowDims(inH, inW, spanH, spanW, strideH, strideW, padding),
  };
}

/** Pool2d dims from the input shape and the layer's configuration. */
export function pool2dDims(
  batch: number, inH: number, inW: number, channels: number,
  poolH: number, poolW: number, strideH: number, strideW: number, padding: Padding,
): Pool2dDims {
  return { batch, inH, inW, channels, poolH, poolW, strideH, strideW, padding, ...windowDims(inH, inW, poolH, poolW, strideH, strideW, padding) };
}

/** Number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
