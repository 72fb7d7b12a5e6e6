/**
 * The layer factories (`layers.conv2d({...})`, as TensorFlow.js) and the link from a
 * Keras class name back to its factory, for loading saved models.
 */
import { Activation, activation, type ActivationArgs } from "./activation.js";
import { BatchNormalization, batchNormalization, type BatchNormalizationArgs } from "./batch_normalization.js";
import { Conv2D, conv2d, type Conv2dArgs } from "./conv2d.js";
import { Dense, dense, type DenseArgs } from "./dense.js";
import { DepthwiseConv2D, depthwiseConv2d, type DepthwiseConv2dArgs } from "./depthwise_conv2d.js";
import { Dropout, dropout, type DropoutArgs } from "./dropout.js";
import { Flatten, flatten, type FlattenArgs } from "./flatten.js";
import { GlobalPooling2D, globalAveragePooling2d, globalMaxPooling2d, type GlobalPooling2dArgs } from "./global_pooling.js";
import type { Layer } from "./layer.js";
import { averagePooling2d, maxPooling2d, Pooling2D, type Pooling2dArgs } from "./pooling.js";
import { randomContrast } from "./preprocessing/random_contrast.js";
import { randomFlip } from "./preprocessing/random_flip.js";
import { randomRotation, randomTranslation, randomZoom } from "./preprocessing/random_affine.js";
import { Add, add, Concatenate, concatenate, type AddArgs, type ConcatenateArgs } from "./merge.js";
import { layerKinds } from "./registry.js";
import { LeakyReLU, leakyReLU, ReLU, reLU, Softmax, softmax, type LeakyReLUArgs, type ReLUArgs, type SoftmaxArgs } from "./relu.js";
import { Rescaling, rescaling, type RescalingArgs } from "./rescaling.js";
import { Reshape, reshape, type ReshapeArgs } from "./reshape.js";
import { SeparableConv2D, separableConv2d, type SeparableConv2dArgs } from "./separable_conv2d.js";
import { ZeroPadding2D, zeroPadding2d, type ZeroPadding2dArgs } from "./zero_padding2d.js";

export type { Layer, LayerBuffers, Pass, WeightSpec, Workspace } from "./layer.js";
export type { ActivationName } from "./args.js";
export type { LayerKind } from "./kind.js";
export {
  Activation, Add, BatchNormalization, Concatenate, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten, GlobalPooling2D, LeakyReLU, Pooling2D, ReLU,
  Rescaling, Reshape, SeparableConv2D, Softmax, ZeroPadding2D,
};
export type {
  ActivationArgs, AddArgs, BatchNormalizationArgs, ConcatenateArgs, Conv2dArgs, DenseArgs, DepthwiseConv2dArgs, DropoutArgs, FlattenArgs, GlobalPooling2dArgs, LeakyReLUArgs,
  Pooling2dArgs, ReLUArgs, RescalingArgs, ReshapeArgs, SeparableConv2dArgs, SoftmaxArgs, ZeroPadding2dArgs,
};

/** Factories of every layer type. */
export const layers = {
  /** A 2-D convolution (NHWC): `layers.conv2d({ filters, kernelSize, ... })`. */
  conv2d,
  /** Max pooling over 2-D windows (default 2x2, strides = poolSize). */
  maxPooling2d,
  /** Average pooling over 2-D windows (default 2x2, strides = poolSize). */
  averagePooling2d,
  /** Flattens each sample to one axis, e.g. before a dense layer. */
  flatten,
  /** A fully connected layer: `layers.dense({ units, activation })`. */
  dense,
  /** Inverted dropout of a fraction `rate` of values, only while training. */
  dropout,
  /** An activation function as a layer of its own. */
  activation,
  /** Batch normalization over the last axis (batch statistics while training, moving ones otherwise). */
  batchNormalization,
  /** A depthwise 2-D convolution: each input channel with its own `depthMultiplier` kernels. */
  depthwiseConv2d,
  /** A depthwise convolution followed by a pointwise 1x1 convolution to `filters` channels. */
  separableConv2d,
  /** The mean of each channel over the image. */
  globalAveragePooling2d,
  /** The maximum of each channel over the image. */
  globalMaxPooling2d,
  /** Zero rows and columns around each image. */
  zeroPadding2d,
  /** ReLU with Keras's maxValue, negativeSlope and threshold. */
  reLU,
  /** Leaky ReLU (negativeSlope 0.3 by default, as Keras 3). */
  leakyReLU,
  /** Softmax over the last axis, as a layer. */
  softmax,
  /** Each sample to a new shape (one -1 inferred). */
  reshape,
  /** `x * scale + offset`. */
  rescaling,
  /** Sums two or more tensors of one shape (functional models): `layers.add().apply([a, b])`. */
  add,
  /** Joins two or more tensors along the channels axis (functional models). */
  concatenate,
  /** Mirrors each sample with probability 1/2 while training: `randomFlip({ mode: "horizontal" })`. */
  randomFlip,
  /** Rotates each sample by a random angle while training: `randomRotation({ factor: 0.1 })` (up to 36 degrees). */
  randomRotation,
  /** Zooms each sample in or out while training: `randomZoom({ heightFactor: 0.2 })`. */
  randomZoom,
  /** Shifts each sample while training: `randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 })`. */
  randomTranslation,
  /** Scales each sample's contrast while training: `randomContrast({ factor: 0.2 })`. */
  randomContrast,
};

/** The snake_case stem Keras names `className` layers with (conv2d, max_pooling2d, ...), or undefined. */
export function layerNameStem(className: string): string | undefined {
  return layerKinds().get(className)?.stem;
}

/**
 * Makes a layer from its Keras class name and a camelCase config as `layer.config`
 * returns it (the inverse of reading `className` and `config`).
 */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  const kind = layerKinds().get(className);
  if (!kind) {
    throw new Error(`layerFromConfig: unknown layer class ${JSON.stringify(className)}; expected one of ${[...layerKinds().keys()].join(", ")}`);
  }
  return kind.create(config);
}
