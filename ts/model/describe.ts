/**
 * A model's layers as the rows of `summary()`: name, class, output shape with a null
 * batch axis, parameter count and, for `summary({ explain: true })`, the arithmetic
 * behind the shape and the count (each layer kind's own explain, ts/layers/kind.ts).
 */
import type { Layer } from "../layers/layer.js";
import { layerKinds } from "../layers/registry.js";
import type { SummaryRow } from "./summary.js";

/** The explain lines of one built layer (none for layers without arithmetic). */
export function explainLayer(layer: Layer): string[] {
  return layerKinds().get(layer.className)?.explain?.(layer) ?? [];
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
