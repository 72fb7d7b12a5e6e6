/**
 * The weights a Sequential topology implies, in Keras order (per layer: kernel, then bias
 * when `useBias`), with their names and shapes, found by walking the input shape through
 * the layers with the shape math of ts/shapes.ts. Loading checks a manifest against this
 * list before it builds anything.
 */
import { outputLength, type Padding, sizeOf } from "../shapes.js";
import { formatShape } from "../tensor.js";
import type { LayerDescriptor } from "./topology.js";

/** One entry of a TF.js weights manifest. */
export interface WeightSpec {
  /** Full weight name, e.g. "conv2d/kernel". */
  name: string;
  /** The weight's shape. */
  shape: number[];
  /** Element type: "float32" for model weights (optimizer entries may be "int32"). */
  dtype: string;
}

function pairOf(value: unknown): [number, number] {
  return typeof value === "number" ? [value, value] : (value as [number, number]);
}

/**
 * Expected weights of `layers` (as topologyFromKeras returns them: options normalized,
 * `inputShape` on the first). Throws when a layer cannot take its input, naming it.
 */
export function expectedWeights(layers: readonly LayerDescriptor[]): WeightSpec[] {
  const specs: WeightSpec[] = [];
  let shape = [...(layers[0]?.config.inputShape as number[])];
  layers.forEach((layer, i) => {
    const where = `layer ${i} ("${layer.name}", ${layer.className})`;
    const c = layer.config;
    const add = (suffix: string, dims: number[]): void => {
      specs.push({ name: `${layer.name}/${suffix}`, shape: dims, dtype: "float32" });
    };
    switch (layer.className) {
      case "Conv2D": {
        const [h, w, channels] = spatial(shape, where);
        const [kh, kw] = pairOf(c.kernelSize);
        const out = window(h, w, [kh, kw], pairOf(c.strides), c.padding as Padding, where, "kernel");
        add("kernel", [kh, kw, channels, c.filters as number]);
        if (c.useBias !== false) add("bias", [c.filters as number]);
        shape = [...out, c.filters as number];
        break;
      }
      case "MaxPooling2D":
      case "AveragePooling2D": {
        const [h, w, channels] = spatial(shape, where);
        const poolSize = pairOf(c.poolSize);
        shape = [...window(h, w, poolSize, pairOf(c.strides ?? poolSize), c.padding as Padding, where, "pool"), channels];
        break;
      }
      case "Flatten":
        shape = [sizeOf(shape)];
        break;
      case "Dense": {
        const inputs = shape[shape.length - 1]!;
        add("kernel", [inputs, c.units as number]);
        if (c.useBias !== false) add("bias", [c.units as number]);
        shape = [...shape.slice(0, -1), c.units as number];
        break;
      }
      default:
        // Dropout and Activation keep the shape and have no weights.
        break;
    }
  });
  return specs;
}

function spatial(shape: number[], where: string): [number, number, number] {
  if (shape.length !== 3) {
    throw new Error(`${where}: input shape ${formatShape(shape)} is not [height, width, channels]; a 2D layer needs images`);
  }
  return shape as [number, number, number];
}

function window(h: number, w: number, size: [number, number], strides: [number, number], padding: Padding, where: string, what: string): [number, number] {
  const outH = outputLength(h, size[0], strides[0], padding);
  const outW = outputLength(w, size[1], strides[1], padding);
  if (outH <= 0 || outW <= 0) {
    throw new Error(`${where}: ${what} ${size[0]}x${size[1]} is larger than its input ${h}x${w} (padding ${padding})`);
  }
  return [outH, outW];
}
