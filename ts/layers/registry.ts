/**
 * Every layer class, described once (see kind.ts), in the order errors list them. The
 * factories by class name, the name stems, the Keras JSON formats, the weights a saved
 * topology implies and `summary({ explain })` all derive from this list: a new layer is
 * its own file plus one line here.
 */
import { activationKind } from "./activation.js";
import { batchNormalizationKind } from "./batch_normalization.js";
import { conv2dKind } from "./conv2d.js";
import { denseKind } from "./dense.js";
import { depthwiseConv2dKind } from "./depthwise_conv2d.js";
import { dropoutKind } from "./dropout.js";
import { flattenKind } from "./flatten.js";
import { globalAveragePooling2dKind, globalMaxPooling2dKind } from "./global_pooling.js";
import type { LayerKind } from "./kind.js";
import { addKind, concatenateKind } from "./merge_kinds.js";
import { averagePooling2dKind, maxPooling2dKind } from "./pooling.js";
import { leakyReLUKind, reLUKind, softmaxKind } from "./relu.js";
import { preprocessingKinds } from "./preprocessing/keras_formats.js";
import { rescalingKind } from "./rescaling.js";
import { reshapeKind } from "./reshape.js";
import { separableConv2dKind } from "./separable_conv2d.js";
import { zeroPadding2dKind } from "./zero_padding2d.js";

let kinds: ReadonlyMap<string, LayerKind> | undefined;

/**
 * The layer kinds, by Keras class name. Built on first use, not at import (as each kind
 * is built by its file's function when called here): a module whose top level only
 * declares lets an app's bundler drop the registry, and every layer with it, when
 * nothing uses them. A bundled library file loses `@__PURE__` annotations, so a
 * top-level table built with spreads or calls would stay.
 */
export function layerKinds(): ReadonlyMap<string, LayerKind> {
  return (kinds ??= new Map(
    [
      conv2dKind(), maxPooling2dKind(), averagePooling2dKind(), flattenKind(), denseKind(), dropoutKind(), activationKind(),
      batchNormalizationKind(), depthwiseConv2dKind(), separableConv2dKind(), globalAveragePooling2dKind(), globalMaxPooling2dKind(),
      zeroPadding2dKind(), reLUKind(), leakyReLUKind(), softmaxKind(), reshapeKind(), rescalingKind(), addKind(), concatenateKind(),
      ...preprocessingKinds(),
    ].map((kind) => [kind.className, kind]),
  ));
}

/** The kind of `className`, or undefined. */
export function layerKind(className: string): LayerKind | undefined {
  return layerKinds().get(className);
}
