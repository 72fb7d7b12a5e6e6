/**
 * The window options Conv2D, DepthwiseConv2D and SeparableConv2D share, once: their
 * checks (`kernelSize`, `strides`, `padding`, `dilationRate` and, for the depthwise two,
 * `depthMultiplier`), the "kernel larger than its input" check of `build`, their config
 * fields and Keras options in Keras 3's order, and the geometry half of `summary({ explain })`.
 */
import { padding, pair, positive, type Option } from "../io/keras_config.js";
import type { Initializer } from "../initializers.js";
import { depthwiseDims, dilatedSpan, type DepthwiseDims, type Padding } from "../shapes.js";
import * as args from "./args.js";
import type { WeightSpec } from "./layer.js";

/** The window of a convolution. */
export interface ConvGeometry {
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Step between windows, [vertical, horizontal]. */
  readonly strides: [number, number];
  /** "valid" or "same". */
  readonly padding: Padding;
  /** Spacing of the kernel taps, [vertical, horizontal]. */
  readonly dilationRate: [number, number];
}

/** The window of a depthwise convolution: a {@link ConvGeometry} and outputs per input channel. */
export interface DepthwiseGeometry extends ConvGeometry {
  /** Outputs per input channel. */
  readonly depthMultiplier: number;
}

/** Checks the window options with Keras's defaults (strides 1, padding "valid", dilation 1). */
export function convGeometry(where: string, options: { readonly [K in keyof ConvGeometry]?: unknown }): ConvGeometry {
  return {
    kernelSize: args.positivePair(where, "kernelSize", options.kernelSize),
    strides: options.strides === undefined ? [1, 1] : args.positivePair(where, "strides", options.strides),
    padding: args.padding(where, options.padding),
    dilationRate: options.dilationRate === undefined ? [1, 1] : args.positivePair(where, "dilationRate", options.dilationRate),
  };
}

/** {@link convGeometry} and `depthMultiplier` (default 1). */
export function depthwiseGeometry(where: string, options: { readonly [K in keyof DepthwiseGeometry]?: unknown }): DepthwiseGeometry {
  const g = convGeometry(where, options);
  const depthMultiplier = options.depthMultiplier === undefined ? 1 : args.positiveInt(where, "depthMultiplier", options.depthMultiplier);
  return { ...g, depthMultiplier };
}

/** Throws when padding "valid" leaves no window: the (dilated) kernel is larger than the `h` x `w` input. */
export function checkKernelFits(what: string, g: ConvGeometry, h: number, w: number): void {
  const [kh, kw] = g.kernelSize;
  const [spanH, spanW] = [dilatedSpan(kh, g.dilationRate[0]), dilatedSpan(kw, g.dilationRate[1])];
  if (g.padding === "valid" && (spanH > h || spanW > w)) {
    const kernel = spanH !== kh || spanW !== kw ? `dilated kernel ${kh}x${kw} (spanning ${spanH}x${spanW})` : `kernel ${kh}x${kw}`;
    throw new Error(`${what}: ${kernel} is larger than its input ${h}x${w} with padding "valid"; use a smaller kernelSize or padding "same"`);
  }
}

/** The dims of a depthwise window `g` on a per-sample `inputShape`, checked with `what` naming the layer. */
export function buildDepthwise(what: string, g: DepthwiseGeometry, inputShape: readonly number[]): DepthwiseDims {
  args.expectRank(what, inputShape, 3, "[height, width, channels]");
  const [h, w, c] = inputShape as [number, number, number];
  checkKernelFits(what, g, h, w);
  const [kh, kw] = g.kernelSize;
  return depthwiseDims(1, h, w, c, kh, kw, g.depthMultiplier, g.strides[0], g.strides[1], g.padding, g.dilationRate[0], g.dilationRate[1]);
}

/** The "depthwise_kernel" weight of `d`: `[kh, kw, channels, depthMultiplier]`. */
export function depthwiseKernelSpec(d: DepthwiseDims, initializer: Initializer): WeightSpec {
  return { name: "depthwise_kernel", shape: [d.kH, d.kW, d.channels, d.multiplier], initializer };
}

/** The config fields of the window, in Keras 3's order (`depthMultiplier` after padding when given). */
export function geometryConfig(g: ConvGeometry & { readonly depthMultiplier?: number }): Record<string, unknown> {
  return {
    kernelSize: [...g.kernelSize], strides: [...g.strides], padding: g.padding,
    ...(g.depthMultiplier !== undefined ? { depthMultiplier: g.depthMultiplier } : {}), dilationRate: [...g.dilationRate],
  };
}

/** The Keras options of the window, in Keras 3's config order (`depth_multiplier` for the depthwise layers). */
export function geometryOptions(depthwise: boolean): Option[] {
  return [
    { keras: "kernel_size", camel: "kernelSize", read: pair },
    { keras: "strides", camel: "strides", read: pair, fallback: [1, 1] },
    padding,
    ...(depthwise ? [{ keras: "depth_multiplier", camel: "depthMultiplier", read: positive, fallback: 1 }] : []),
    { keras: "dilation_rate", camel: "dilationRate", read: pair, fallback: [1, 1] },
  ];
}

/** The window half of an explain call's arguments (explainConv2d, explainDepthwise, explainSeparable). */
export function explainGeometry(layer: ConvGeometry & { readonly inputShape: readonly number[] | null; readonly outputShape: readonly number[] | null }): {
  inShape: [number, number, number]; kernel: [number, number]; strides: [number, number]; padding: Padding; dilation: [number, number];
  outShape: [number, number, number];
} {
  return {
    inShape: layer.inputShape! as [number, number, number], kernel: layer.kernelSize, strides: layer.strides, padding: layer.padding,
    dilation: layer.dilationRate, outShape: layer.outputShape! as [number, number, number],
  };
}
