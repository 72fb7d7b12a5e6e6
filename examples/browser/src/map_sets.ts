/**
 * Turning weights and layer outputs (NHWC, Keras layouts) into pictures for the page. The
 * layers are found by type (every Conv2D of the model), not by position, so any stack of
 * convolutions works, not only LeNet-5's.
 */
import type { Tensor } from "simdnet";
import type { ConvView, MapSet } from "./messages.js";

/** Scales values into [-1, 1] (signed) or [0, 1] by the largest magnitude; all-zero stays zero. */
function normalize(values: Float32Array, signed: boolean): Float32Array {
  let max = 0;
  for (const v of values) max = Math.max(max, signed ? Math.abs(v) : v);
  if (max > 0) for (let i = 0; i < values.length; i++) values[i] = signed ? values[i] / max : Math.max(0, values[i]) / max;
  return values;
}

/** A conv kernel [kh, kw, inC, outC] as outC rows of inC pictures of kh x kw. */
export function kernelMaps(title: string, kernel: Tensor): MapSet {
  const [kh, kw, inC, outC] = kernel.shape;
  const values = new Float32Array(kernel.data.length);
  for (let co = 0; co < outC; co++) {
    for (let ci = 0; ci < inC; ci++) {
      for (let p = 0; p < kh * kw; p++) values[((co * inC + ci) * kh * kw) + p] = kernel.data[(p * inC + ci) * outC + co];
    }
  }
  return { title, count: inC * outC, height: kh, width: kw, columns: inC === 1 ? outC : inC, signed: true, values: normalize(values, true) };
}

/**
 * A conv kernel [kh, kw, inC, outC] as outC pictures of kh x kw, each filter's weights summed
 * over its input channels: one picture per filter, to sit above the map it makes (96 separate
 * 5x5 slices of conv2 read as noise).
 */
export function filterPictures(title: string, kernel: Tensor): MapSet {
  const [kh, kw, inC, outC] = kernel.shape;
  const values = new Float32Array(kh * kw * outC);
  for (let co = 0; co < outC; co++) {
    for (let p = 0; p < kh * kw; p++) {
      let sum = 0;
      for (let ci = 0; ci < inC; ci++) sum += kernel.data[(p * inC + ci) * outC + co];
      values[co * kh * kw + p] = sum;
    }
  }
  return { title, count: outC, height: kh, width: kw, columns: outC, signed: true, values: normalize(values, true) };
}

/** One image's activation [1, h, w, c] as c pictures of h x w, each channel scaled on its own. */
export function channelMaps(title: string, activation: Tensor, columns: number): MapSet {
  const [, h, w, c] = activation.shape;
  const values = new Float32Array(h * w * c);
  for (let ch = 0; ch < c; ch++) {
    const map = values.subarray(ch * h * w, (ch + 1) * h * w);
    for (let p = 0; p < h * w; p++) map[p] = activation.data[p * c + ch];
    normalize(map, false);
  }
  return { title, count: c, height: h, width: w, columns, signed: false, values };
}

/** What convViews needs of a layer: its Keras name and class, and its weights (kernel first). */
export interface LayerLike {
  name: string;
  className: string;
  getWeights(): Tensor[];
}

/**
 * Every Conv2D layer of `layers` with its filters and, from `outputs` (each layer's output
 * for one image, as `model.activations` gives them, in layer order), the maps they make.
 */
export function convViews(layers: readonly LayerLike[], outputs: readonly Tensor[]): ConvView[] {
  const views: ConvView[] = [];
  layers.forEach((layer, index) => {
    if (layer.className !== "Conv2D") return;
    const kernel = layer.getWeights()[0];
    const output = outputs[index];
    if (!kernel || kernel.shape.length !== 4 || !output || output.shape.length !== 4) return;
    const [kh, kw, inC, outC] = kernel.shape;
    const [, h, w] = output.shape;
    const maps = channelMaps(`${outC} maps of ${h}x${w}`, output, outC);
    let strongest = 0;
    let best = -Infinity;
    for (let k = 0; k < outC; k++) {
      let sum = 0;
      for (let p = 0; p < h * w; p++) sum += output.data[p * outC + k];
      if (sum > best) [best, strongest] = [sum, k];
    }
    const filters = filterPictures(`${outC} filters of ${kh}x${kw}${inC > 1 ? `x${inC}` : ""}`, kernel);
    views.push({ layer: `${layer.name} (${layer.className})`, filters, maps, inputChannels: inC, strongest });
  });
  return views;
}
