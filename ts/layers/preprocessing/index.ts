/**
 * Keras 3's random image preprocessing layers, for augmentation inside the model: active
 * only while training, identity otherwise. ts/layers/registry.ts registers them with one
 * line (`...preprocessingKinds()`: factories, name stems and Keras JSON formats all
 * derive from it) and {@link preprocessingLayers} joins the `layers` namespace.
 */
import { randomRotation, randomTranslation, randomZoom } from "./random_affine.js";
import { randomContrast } from "./random_contrast.js";
import { randomFlip } from "./random_flip.js";

export { RandomImageLayer, type Augmentation, type ImageShape, type RandomLayerArgs } from "./random_image_layer.js";
export type { AffineLayerArgs, RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs } from "./random_affine.js";
export type { RandomContrastArgs } from "./random_contrast.js";
export type { FlipMode, RandomFlipArgs } from "./random_flip.js";
export type { FillMode, Interpolation } from "./affine_sampler.js";
export { preprocessingKinds } from "./keras_formats.js";

/** The factories, to merge into `layers`. */
export const preprocessingLayers = {
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
