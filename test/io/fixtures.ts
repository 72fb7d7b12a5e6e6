/** Layer descriptors and a stand-in savable model for the format tests. */
import type { SavableModel } from "../../ts/io/artifacts.js";
import { type LayerDescriptor, topologyFromKeras, topologyToKeras } from "../../ts/io/topology.js";
import { expectedWeights } from "../../ts/io/weight_shapes.js";
import type { Tensor } from "../../ts/tensor.js";
import { randomArray, rng } from "../helpers/random.js";

/** The course's LeNet-5 (61,706 parameters), as Sequential would describe it. */
export function lenetDescriptors(): LayerDescriptor[] {
  return [
    { className: "Conv2D", name: "conv2d", config: { filters: 6, kernelSize: [5, 5], padding: "same", activation: "relu", inputShape: [28, 28, 1] } },
    { className: "AveragePooling2D", name: "average_pooling2d", config: { poolSize: [2, 2], strides: [2, 2] } },
    { className: "Conv2D", name: "conv2d_1", config: { filters: 16, kernelSize: 5, activation: "relu" } },
    { className: "AveragePooling2D", name: "average_pooling2d_1", config: { poolSize: 2 } },
    { className: "Flatten", name: "flatten", config: {} },
    { className: "Dense", name: "dense", config: { units: 120, activation: "relu" } },
    { className: "Dense", name: "dense_1", config: { units: 84, activation: "relu" } },
    { className: "Dense", name: "dense_2", config: { units: 10, activation: "softmax" } },
  ];
}

/** A model touching every class and option: strides, same padding, no bias, max pooling. */
export function variedDescriptors(): LayerDescriptor[] {
  return [
    { className: "Conv2D", name: "c1", config: { filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: "same", activation: "tanh", useBias: true, kernelInitializer: "heNormal", inputShape: [11, 9, 2] } },
    { className: "MaxPooling2D", name: "p1", config: { poolSize: [3, 3], strides: [2, 2], padding: "same" } },
    { className: "Conv2D", name: "c2", config: { filters: 3, kernelSize: 2, activation: "sigmoid", useBias: false } },
    { className: "AveragePooling2D", name: "p2", config: { poolSize: [2, 3], strides: [1, 1], padding: "same" } },
    { className: "Flatten", name: "f", config: {} },
    { className: "Dropout", name: "d", config: { rate: 0.3, seed: 7 } },
    { className: "Dense", name: "h", config: { units: 5, activation: "linear", biasInitializer: { className: "Constant", config: { value: 0.5 } } } },
    { className: "Activation", name: "a", config: { activation: "relu" } },
    { className: "Dense", name: "out", config: { units: 3, activation: "softmax", useBias: false } },
  ];
}

/** Weights of the right shapes for `layers`, uniform in [-0.5, 0.5). */
export function randomWeights(layers: LayerDescriptor[], seed: number): Tensor[] {
  const next = rng(seed);
  const normalized = topologyFromKeras(topologyToKeras({ name: "m", layers })).layers;
  return expectedWeights(normalized).map((s) => ({ data: randomArray(next, s.shape.reduce((a, b) => a * b, 1), -0.5, 0.5), shape: s.shape }));
}

/** A stand-in for Sequential: just what saving reads. */
export function fakeModel(layers: LayerDescriptor[], weights: Tensor[], name = "sequential"): SavableModel {
  return { name, describeLayers: () => layers, getWeights: () => weights };
}

/** `n` random inputs of `shape`. */
export function randomInput(n: number, shape: number[], seed: number): Tensor {
  const size = shape.reduce((a, b) => a * b, n);
  return { data: randomArray(rng(seed), size), shape: [n, ...shape] };
}

/** Fails unless `a` and `b` hold the same float32 bits (a fast check for large weights). */
export function expectSameFloats(a: Float32Array, b: Float32Array, what: string): void {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) throw new Error(`${what}: ${x.length} values, expected ${y.length}`);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) throw new Error(`${what}: element ${i} is ${a[i]}, expected ${b[i]}`);
  }
}

/**
 * A copy of a saved model.json without the weights' fingerprint, as TF.js or a Keras
 * converter would write it: loading it skips the checksum and reaches the other checks.
 */
export function withoutFingerprint<T extends object>(modelJson: T): T {
  const copy = JSON.parse(JSON.stringify(modelJson));
  if (copy.userDefinedMetadata?.simdnet) {
    delete copy.userDefinedMetadata.simdnet.weightsBytes;
    delete copy.userDefinedMetadata.simdnet.weightsCrc32;
  }
  return copy;
}
