/**
 * Every layer class, described once (see kind.ts), in the order errors list them. The
 * factories by class name, the name stems, the Keras JSON formats, the weights a saved
 * topology implies and `summary({ explain })` all derive from this list: a new layer is
 * its own file plus one line here.
 */
import { ACTIVATION } from "./activation.js";
import { BATCH_NORMALIZATION } from "./batch_normalization.js";
import { CONV2D } from "./conv2d.js";
import { DENSE } from "./dense.js";
import { DEPTHWISE_CONV2D } from "./depthwise_conv2d.js";
import { DROPOUT } from "./dropout.js";
import { FLATTEN } from "./flatten.js";
import { GLOBAL_AVERAGE_POOLING2D, GLOBAL_MAX_POOLING2D } from "./global_pooling.js";
import type { LayerKind } from "./kind.js";
import { ADD, CONCATENATE } from "./merge_kinds.js";
import { AVERAGE_POOLING2D, MAX_POOLING2D } from "./pooling.js";
import { LEAKY_RELU, RELU, SOFTMAX } from "./relu.js";
import { PREPROCESSING_KINDS } from "./preprocessing/keras_formats.js";
import { RESCALING } from "./rescaling.js";
import { RESHAPE } from "./reshape.js";
import { SEPARABLE_CONV2D } from "./separable_conv2d.js";
import { ZERO_PADDING2D } from "./zero_padding2d.js";

let kinds: ReadonlyMap<string, LayerKind> | undefined;

/**
 * The layer kinds, by Keras class name. Built on first use, not at import, so that an
 * app's bundler drops the registry, and every layer with it, when nothing uses them (a
 * bundled library file loses pure annotations, so a top-level table would stay).
 */
export function layerKinds(): ReadonlyMap<string, LayerKind> {
  return (kinds ??= new Map(
    [
      CONV2D, MAX_POOLING2D, AVERAGE_POOLING2D, FLATTEN, DENSE, DROPOUT, ACTIVATION,
      BATCH_NORMALIZATION, DEPTHWISE_CONV2D, SEPARABLE_CONV2D, GLOBAL_AVERAGE_POOLING2D, GLOBAL_MAX_POOLING2D,
      ZERO_PADDING2D, RELU, LEAKY_RELU, SOFTMAX, RESHAPE, RESCALING, ADD, CONCATENATE, ...PREPROCESSING_KINDS,
    ].map((kind) => [kind.className, kind]),
  ));
}

/** The kind of `className`, or undefined. */
export function layerKind(className: string): LayerKind | undefined {
  return layerKinds().get(className);
}
