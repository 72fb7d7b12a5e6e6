/**
 * The layer factories (`layers.conv2d({...})`, as TensorFlow.js) and the link from a
 * Keras class name back to its factory, for loading saved models.
 */
import { Activation, activation, type ActivationArgs } from "./activation.js";
import { Conv2D, conv2d, type Conv2dArgs } from "./conv2d.js";
import { Dense, dense, type DenseArgs } from "./dense.js";
import { Dropout, dropout, type DropoutArgs } from "./dropout.js";
import { Flatten, flatten, type FlattenArgs } from "./flatten.js";
import type { Layer } from "./layer.js";
import { averagePooling2d, maxPooling2d, Pooling2D, type Pooling2dArgs } from "./pooling.js";
import { Add, add, Concatenate, concatenate, type AddArgs, type ConcatenateArgs } from "./merge.js";

export type { Layer, LayerBuffers, Pass, WeightSpec, Workspace } from "./layer.js";
export type { ActivationName } from "./args.js";
export { Activation, Conv2D, Dense, Dropout, Flatten, Pooling2D, Add, Concatenate };
export type { ActivationArgs, Conv2dArgs, DenseArgs, DropoutArgs, FlattenArgs, Pooling2dArgs, AddArgs, ConcatenateArgs };

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
  /** Sums two or more tensors of one shape (functional models): `layers.add().apply([a, b])`. */
  add,
  /** Joins two or more tensors along the channels axis (functional models). */
  concatenate,
};

/** The snake_case stem Keras names layers with (conv2d, max_pooling2d, ...), by class name. */
export const LAYER_NAME_STEMS: Readonly<Record<string, string>> = {
  Conv2D: "conv2d",
  MaxPooling2D: "max_pooling2d",
  AveragePooling2D: "average_pooling2d",
  Flatten: "flatten",
  Dense: "dense",
  Dropout: "dropout",
  Activation: "activation",
  Add: "add",
  Concatenate: "concatenate",
};

const FACTORIES: Readonly<Record<string, (config: never) => Layer>> = {
  Conv2D: conv2d,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  Flatten: flatten,
  Dense: dense,
  Dropout: dropout,
  Activation: activation,
  Add: add,
  Concatenate: concatenate,
};

/**
 * Makes a layer from its Keras class name and a camelCase config as `layer.config`
 * returns it (the inverse of reading `className` and `config`).
 */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  const factory = FACTORIES[className];
  if (!factory) {
    throw new Error(`layerFromConfig: unknown layer class ${JSON.stringify(className)}; expected one of ${Object.keys(FACTORIES).join(", ")}`);
  }
  return factory(config as never);
}
