/**
 * The networks the image page offers, sized for training in a browser tab on a few
 * hundred images: a small CNN, and Keras's MobileNetV2 at width 0.35. Each takes
 * [size, size, 3] pixels in [0, 255] (what an image folder gives, so a saved model reads
 * images as they are) and ends in a softmax over the classes; none is compiled here.
 */
import { applications, input, layers, loadModel, Model, type SymbolicTensor } from "simdnet";

/**
 * The batch normalizations' momentum. Keras's default (0.99, and 0.999 in MobileNetV2)
 * moves the moving statistics so slowly that after a short run of a few dozen batches
 * they are still mostly their initial 0 and 1, and the model predicts noise in inference
 * mode although it trained well. At 0.9 they settle within about 40 batches.
 */
const BN_MOMENTUM = 0.9;

/** conv 3x3 "same" (no bias: the batch normalization after it has one), BN, ReLU. */
function convBnRelu(x: SymbolicTensor, filters: number): SymbolicTensor {
  const y = layers.conv2d({ filters, kernelSize: 3, padding: "same", useBias: false }).apply(x);
  return layers.reLU().apply(layers.batchNormalization({ momentum: BN_MOMENTUM }).apply(y));
}

/**
 * Rescaling to [0, 1] (then, with `augment`, a random horizontal flip and a rotation of up
 * to 18 degrees, which act only while training and travel in the saved file), then three conv-BN-ReLU blocks of 16, 32 and 64 filters (the first
 * two each followed by a 2x2 max pool), global average pooling, dropout 0.2 and a dense
 * softmax: about 25,000 parameters, which learn colours and simple shapes in a few epochs.
 */
export function smallCnn(size: number, classes: number, seed: number, augment = false): Model {
  const inputs = input({ shape: [size, size, 3] });
  let x = layers.rescaling({ scale: 1 / 255 }).apply(inputs);
  if (augment) x = layers.randomRotation({ factor: 0.05, seed }).apply(layers.randomFlip({ mode: "horizontal", seed }).apply(x));
  x = layers.maxPooling2d({ poolSize: 2 }).apply(convBnRelu(x, 16));
  x = layers.maxPooling2d({ poolSize: 2 }).apply(convBnRelu(x, 32));
  x = convBnRelu(x, 64);
  x = layers.globalAveragePooling2d().apply(x);
  x = layers.dropout({ rate: 0.2 }).apply(x);
  const outputs = layers.dense({ units: classes, activation: "softmax" }).apply(x);
  return new Model({ inputs, outputs, name: "small_cnn", seed });
}

/** Every `momentum` of a BatchNormalization config in a saved model.json, set to `momentum`. */
function setBatchNormMomentum(node: unknown, momentum: number): void {
  if (Array.isArray(node)) {
    for (const item of node) setBatchNormMomentum(item, momentum);
  } else if (typeof node === "object" && node !== null) {
    const record = node as Record<string, unknown>;
    if (record.class_name === "BatchNormalization" && typeof record.config === "object" && record.config !== null) {
      (record.config as Record<string, unknown>).momentum = momentum;
    }
    for (const value of Object.values(record)) setBatchNormMomentum(value, momentum);
  }
}

/**
 * `applications.mobileNetV2` (alpha 0.35, random weights) with its batch normalizations'
 * momentum lowered from Keras's 0.999 to 0.9 (see BN_MOMENTUM): the application fixes
 * 0.999, so the model goes through its own saved form with the momentum changed, and is
 * loaded back. Its first convolution is followed by a batch normalization, so the [0, 255]
 * input scale is normalized away while training.
 */
export async function mobileNetV2Small(size: number, classes: number, seed: number): Promise<Model> {
  const built = applications.mobileNetV2({ alpha: 0.35, inputShape: [size, size, 3], classes, seed });
  const saved = await built.save();
  built.dispose();
  setBatchNormMomentum(saved.modelJson, BN_MOMENTUM);
  return loadModel(saved);
}

/** The models the page can train, by id (the first is the default); `minSize`: the smallest image size each accepts; `augments`: whether it takes the augmentation layers. */
export const IMAGE_MODELS: Record<string, { label: string; minSize: number; augments: boolean; create(size: number, classes: number, seed: number, augment: boolean): Model | Promise<Model> }> = {
  cnn: { label: "Small CNN (about 25k parameters, fast)", minSize: 8, augments: true, create: smallCnn },
  // Keras's application has no place for augmentation layers inside it.
  mobilenet: { label: "MobileNetV2, width 0.35 (about 400k parameters, slower)", minSize: 32, augments: false, create: (size, classes, seed) => mobileNetV2Small(size, classes, seed) },
};
