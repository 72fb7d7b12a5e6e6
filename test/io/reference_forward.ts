/**
 * A naive forward pass over layer descriptors and weights (NHWC, Keras layouts), written
 * straight from the definitions: it pins what a saved file MEANS, so that interop tests can
 * compare TF.js's predictions with it without needing our wasm model.
 */
import { outputLength, axisPadding, type Padding } from "../../ts/shapes.js";
import type { LayerDescriptor } from "../../ts/io/topology.js";
import type { Tensor } from "../../ts/tensor.js";

const pair = (v: unknown): [number, number] => (typeof v === "number" ? [v, v] : (v as [number, number]));

function activate(values: Float32Array, rowLength: number, kind: string): void {
  if (kind === "softmax") {
    for (let r = 0; r < values.length; r += rowLength) {
      let max = -Infinity;
      for (let i = 0; i < rowLength; i++) max = Math.max(max, values[r + i]!);
      let sum = 0;
      for (let i = 0; i < rowLength; i++) sum += Math.exp(values[r + i]! - max);
      for (let i = 0; i < rowLength; i++) values[r + i] = Math.exp(values[r + i]! - max) / sum;
    }
    return;
  }
  const f = { linear: (x: number) => x, relu: (x: number) => Math.max(0, x), sigmoid: (x: number) => 1 / (1 + Math.exp(-x)), tanh: Math.tanh }[kind];
  if (!f) throw new Error(`reference: activation ${kind}`);
  for (let i = 0; i < values.length; i++) values[i] = f(values[i]!);
}

/** Applies 2D windows: for each output cell and channel, `cell(inputs inside the window)`. */
function windows(x: Float32Array, n: number, h: number, w: number, c: number, size: [number, number], strides: [number, number], padding: Padding) {
  const oh = outputLength(h, size[0], strides[0], padding);
  const ow = outputLength(w, size[1], strides[1], padding);
  const top = axisPadding(h, size[0], strides[0], padding).before;
  const left = axisPadding(w, size[1], strides[1], padding).before;
  return { oh, ow, each(visit: (b: number, oy: number, ox: number, iy: number, ix: number, ky: number, kx: number) => void) {
    for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++)
      for (let ky = 0; ky < size[0]; ky++) for (let kx = 0; kx < size[1]; kx++) {
        const iy = oy * strides[0] + ky - top;
        const ix = ox * strides[1] + kx - left;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) visit(b, oy, ox, iy, ix, ky, kx);
      }
  }, x, c };
}

/** Runs `layers` on `x` ([n, ...inputShape]); `weights` in Keras order. */
export function referenceForward(layers: readonly LayerDescriptor[], weights: readonly Tensor[], x: Tensor): Tensor {
  let data = Float32Array.from(x.data);
  let shape = [...x.shape];
  let wi = 0;
  for (const layer of layers) {
    const c = layer.config;
    const n = shape[0]!;
    if (layer.className === "Conv2D" || layer.className.endsWith("Pooling2D")) {
      const [, h, w, ch] = shape as [number, number, number, number];
      const isConv = layer.className === "Conv2D";
      const size = pair(isConv ? c.kernelSize : c.poolSize);
      const win = windows(data, n, h, w, ch, size, pair(c.strides ?? size), c.padding as Padding);
      const outC = isConv ? (c.filters as number) : ch;
      const out = new Float32Array(n * win.oh * win.ow * outC).fill(layer.className === "MaxPooling2D" ? -Infinity : 0);
      const count = new Float32Array(out.length);
      const at = (b: number, y: number, xx: number) => ((b * win.oh + y) * win.ow + xx) * outC;
      const kernel = isConv ? weights[wi++]!.data : null;
      win.each((b, oy, ox, iy, ix, ky, kx) => {
        const o = at(b, oy, ox);
        const i = ((b * h + iy) * w + ix) * ch;
        if (kernel) {
          for (let ci = 0; ci < ch; ci++) for (let co = 0; co < outC; co++) out[o + co]! += data[i + ci]! * kernel[((ky * size[1] + kx) * ch + ci) * outC + co]!;
        } else {
          for (let ci = 0; ci < ch; ci++) {
            out[o + ci] = layer.className === "MaxPooling2D" ? Math.max(out[o + ci]!, data[i + ci]!) : out[o + ci]! + data[i + ci]!;
            count[o + ci]! += 1;
          }
        }
      });
      if (layer.className === "AveragePooling2D") for (let i = 0; i < out.length; i++) out[i]! /= count[i]!;
      if (isConv && c.useBias !== false) {
        const bias = weights[wi++]!.data;
        for (let i = 0; i < out.length; i++) out[i]! += bias[i % outC]!;
      }
      if (isConv) activate(out, outC, c.activation as string);
      data = out;
      shape = [n, win.oh, win.ow, outC];
    } else if (layer.className === "Dense") {
      const inputs = shape[shape.length - 1]!;
      const units = c.units as number;
      const rows = data.length / inputs;
      const kernel = weights[wi++]!.data;
      const bias = c.useBias !== false ? weights[wi++]!.data : null;
      const out = new Float32Array(rows * units);
      for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) {
        let s = bias ? bias[u]! : 0;
        for (let i = 0; i < inputs; i++) s += data[r * inputs + i]! * kernel[i * units + u]!;
        out[r * units + u] = s;
      }
      activate(out, units, c.activation as string);
      data = out;
      shape = [...shape.slice(0, -1), units];
    } else if (layer.className === "Flatten") {
      shape = [n, data.length / n];
    } else if (layer.className === "Activation") {
      activate(data, shape[shape.length - 1]!, c.activation as string);
    } else if (layer.className !== "Dropout") {
      throw new Error(`reference: layer ${layer.className}`);
    }
  }
  return { data, shape };
}
