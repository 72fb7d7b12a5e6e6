/**
 * ResNet-20 (He et al. 2016, "Deep Residual Learning for Image Recognition", section 4.2:
 * the CIFAR-10 network with n = 3) as Keras users build it: a 3x3 convolution of 16
 * filters, batch normalization and ReLU; three stages of three basic blocks with 16, 32
 * and 64 filters (conv3x3-BN-ReLU-conv3x3-BN, added to the shortcut, then ReLU); the
 * first block of stages 2 and 3 has stride 2 and a 1x1 convolution (no BN) on its
 * shortcut; he_normal kernels with an L2 penalty of 1e-4 on the convolutions; then 8x8
 * average pooling, flatten and a dense softmax. 274,442 parameters for 10 classes, 1,376
 * of them (the BN moving statistics) not trained.
 *
 * Layers are made in the order of the Keras script in scripts/keras/make_application_specs.py
 * (each block's shortcut after its second convolution), so they get the same default
 * names (conv2d, batch_normalization, activation, add, ...), the same `model.layers`
 * order and the same `get_weights()` order: weights move between the two unchanged.
 */
import { layers } from "../layers/index.js";
import type { SymbolicTensor } from "../model/symbolic.js";
import { input } from "../model/symbolic.js";
import { Model } from "../model/model.js";
import { regularizers } from "../regularizers.js";
import { checkOptions, classCount, classifierActivation, imageShape, modelName, seedOption } from "./options.js";
import type { ActivationName } from "../layers/args.js";

/** Options of {@link resnet20}. */
export interface ResNet20Args {
  /**
   * Per-sample input shape [height, width, channels] (default [32, 32, 3], CIFAR-10). After
   * the two stride-2 stages the feature map must still cover the 8x8 average pooling, so
   * height and width must be at least 29.
   */
  inputShape?: [number, number, number];
  /** Output classes (default 10). */
  classes?: number;
  /** Activation of the classifier (default "softmax"; null for logits). */
  classifierActivation?: ActivationName | null;
  /** Model name (default "resnet20"). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
}

const KEYS = ["inputShape", "classes", "classifierActivation", "name", "seed"];

/** The feature map side after the two stride-2 "same" convolutions: ceil(ceil(n / 2) / 2). */
const reduced = (n: number): number => Math.ceil(Math.ceil(n / 2) / 2);

/**
 * He et al.'s CIFAR ResNet-20 as a functional {@link Model} (not compiled), with the layer
 * names and weight order of the same network built in Keras (see the module comment).
 *
 * ```ts
 * const model = applications.resnet20({ classes: 10 });
 * model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
 * ```
 */
export function resnet20(options?: ResNet20Args): Model {
  const where = "applications.resnet20";
  const o = checkOptions(where, options, KEYS);
  const inputShape = imageShape(where, o.inputShape, [32, 32, 3], 1);
  const [h, w] = inputShape;
  if (reduced(h) < 8 || reduced(w) < 8) {
    throw new Error(`${where}: inputShape ${h}x${w} is too small: the last stage's ${reduced(h)}x${reduced(w)} feature map must cover the 8x8 average pooling (height and width at least 29)`);
  }
  const classes = classCount(where, o.classes, 10);
  const name = modelName(where, o.name, "resnet20");
  const seed = seedOption(where, o.seed);
  // Made first so that its options are checked before anything else; it is applied last.
  const classifier = layers.dense({ units: classes, activation: classifierActivation(o.classifierActivation), kernelInitializer: "heNormal" });

  const conv = (filters: number, kernelSize: number, strides = 1) =>
    layers.conv2d({ filters, kernelSize, strides, padding: "same", kernelInitializer: "heNormal", kernelRegularizer: regularizers.l2(1e-4) });
  const relu = (t: SymbolicTensor) => layers.activation({ activation: "relu" }).apply(t);

  const inputs = input({ shape: inputShape });
  let x = relu(layers.batchNormalization().apply(conv(16, 3).apply(inputs)));
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < 3; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      let y = relu(layers.batchNormalization().apply(conv(filters, 3, strides).apply(x)));
      y = layers.batchNormalization().apply(conv(filters, 3).apply(y));
      const shortcut = strides === 2 ? conv(filters, 1, strides).apply(x) : x;
      x = relu(layers.add().apply([shortcut, y]));
    }
  }
  x = layers.flatten().apply(layers.averagePooling2d({ poolSize: 8 }).apply(x));
  return new Model({ inputs, outputs: classifier.apply(x), name, ...seed });
}
