/**
 * A model's layers as the rows of `summary()`: name, class, output shape with a null
 * batch axis, parameter count and, for `summary({ explain: true })`, the arithmetic
 * behind the shape and the count (from explain.ts).
 */
import { Conv2D } from "../layers/conv2d.js";
import { Dense } from "../layers/dense.js";
import { Flatten } from "../layers/flatten.js";
import type { Layer } from "../layers/layer.js";
import { Pooling2D } from "../layers/pooling.js";
import { explainConv2d, explainDense, explainFlatten, explainPool2d } from "./explain.js";
import type { SummaryRow } from "./summary.js";

type Shape3 = [number, number, number];

/** The explain lines of one built layer (none for layers without arithmetic). */
export function explainLayer(layer: Layer): string[] {
  const inShape = layer.inputShape!;
  const outShape = layer.outputShape!;
  if (layer instanceof Conv2D) {
    return explainConv2d({
      inShape: inShape as Shape3, kernel: layer.kernelSize, strides: layer.strides, padding: layer.padding,
      filters: layer.filters, useBias: layer.useBias, outShape: outShape as Shape3,
    });
  }
  if (layer instanceof Pooling2D) {
    return explainPool2d({ inShape: inShape as Shape3, poolSize: layer.poolSize, strides: layer.strides, padding: layer.padding, outShape: outShape as Shape3 });
  }
  if (layer instanceof Dense) return explainDense({ inputs: inShape[0]!, units: layer.units, useBias: layer.useBias });
  if (layer instanceof Flatten) return explainFlatten({ inShape });
  return [];
}

/** One summary row per layer. */
export function summaryRows(layers: readonly Layer[], explain: boolean): SummaryRow[] {
  return layers.map((l) => ({
    name: l.name,
    className: l.className,
    outputShape: [null, ...l.outputShape!],
    params: l.weights.count,
    ...(explain ? { explain: explainLayer(l) } : {}),
  }));
}
