/**
 * Small models and data sets shared by the model-level tests (fit, workers, checkpoints,
 * errors, long runs): 6x6x1 images in 3 classes, so that a whole fit runs in milliseconds.
 */
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import type { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import type { Tensor } from "../../ts/tensor.js";
import { randomArray, rng } from "./random.js";

/** Options of {@link tinyConvNet}. */
export interface TinyConvNetOptions {
  /** The model's seed (its initial weights). */
  seed: number;
  /** Filters of the convolution. */
  filters: number;
  /** Padding of the convolution; Keras's default ("valid") when omitted. */
  padding?: "same";
  /** Rate of a dropout layer after flatten; no dropout layer when omitted. */
  dropout?: number;
}

/**
 * An uncompiled conv net over 6x6x1 images: conv2d (3x3, relu), maxPooling2d, flatten,
 * an optional dropout, dense (3 units, softmax).
 */
export function tinyConvNet(options: TinyConvNetOptions): Sequential {
  const { seed, filters, padding, dropout } = options;
  const stack: Layer[] = [
    layers.conv2d({ filters, kernelSize: 3, ...(padding ? { padding } : {}), activation: "relu", inputShape: [6, 6, 1] }),
    layers.maxPooling2d(),
    layers.flatten(),
  ];
  if (dropout !== undefined) stack.push(layers.dropout({ rate: dropout }));
  stack.push(layers.dense({ units: 3, activation: "softmax" }));
  return new Sequential({ seed, layers: stack });
}

/** `n` uniform random 6x6x1 images in [-1, 1) (drawn from `seed`) with sparse labels i % 3. */
export function noiseData(n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  return {
    x: { data: randomArray(next, n * 36), shape: [n, 6, 6, 1] },
    y: { data: Float32Array.from({ length: n }, (_, i) => i % 3), shape: [n] },
  };
}

/**
 * `n` learnable 6x6x1 images with sparse labels: noise in [0, 0.5) from `seed`, and the
 * class (i % 3) is which third of the rows is brighter by 0.5.
 */
export function thirdsData(n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const x = randomArray(next, n * 36, 0, 0.5);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let r = c * 2; r < c * 2 + 2; r++) for (let col = 0; col < 6; col++) x[i * 36 + r * 6 + col]! += 0.5;
  }
  return { x: { data: x, shape: [n, 6, 6, 1] }, y: { data: y, shape: [n] } };
}

/** The model's weights as raw float bits, to compare two models exactly (NaN and -0 included). */
export function weightBits(m: Model): number[] {
  return m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.slice().buffer)));
}
