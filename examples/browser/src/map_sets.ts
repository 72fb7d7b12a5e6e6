/**
 * Turning weights and layer outputs (NHWC, Keras layouts) into grids of small pictures
 * for the page: conv filters per (filter, input channel), feature maps per channel.
 */
import type { Tensor } from "../../../ts/tensor.js";
import type { MapSet } from "./messages.js";

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

/** The conv1 and conv2 kernels of a LeNet-5's weights (Keras order: conv1 kernel first, conv2 kernel third). */
export function filterMaps(weights: Tensor[]): MapSet[] {
  return [kernelMaps("conv1: 6 filters of 5x5", weights[0]), kernelMaps("conv2: 16 filters (rows) x 6 input channels of 5x5", weights[2])];
}

/** The conv1 and conv2 outputs of a LeNet-5's layer outputs for one image. */
export function featureMaps(outputs: Tensor[]): MapSet[] {
  return [channelMaps("conv1 output: 6 maps of 28x28", outputs[0], 6), channelMaps("conv2 output: 16 maps of 10x10", outputs[2], 8)];
}
