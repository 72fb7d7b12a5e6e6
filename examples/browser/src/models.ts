/**
 * The networks the demo's model picker offers. LeNet-5 is a Sequential; the other two are
 * graph models built with the functional API (`input`, `layer.apply`, `new Model`), small
 * enough to train on 28x28 digits in a browser worker while a visitor watches. Each takes
 * [28, 28, 1] and ends in a 10-way softmax; none is compiled here.
 */
import { input, layers, lenet5, Model, type SymbolicTensor } from "simdnet";

/**
 * The batch normalizations' momentum. Keras's default, 0.99, moves the moving mean and
 * variance 1% per batch: after the demo's shortest run (57 batches) they are still 56% their
 * initial 0 and 1, and the model predicts noise in inference mode though it trained well.
 * At 0.9 they settle within about 40 batches.
 */
const BN_MOMENTUM = 0.9;

const batchNorm = (x: SymbolicTensor): SymbolicTensor => layers.batchNormalization({ momentum: BN_MOMENTUM }).apply(x);

/** conv 3x3 "same" (no bias: the batch normalization after it has one), BN, ReLU. */
function convBnRelu(x: SymbolicTensor, filters: number): SymbolicTensor {
  const y = layers.conv2d({ filters, kernelSize: 3, padding: "same", useBias: false }).apply(x);
  return layers.reLU().apply(batchNorm(y));
}

/**
 * The small VGG-style network of issue 8's Fashion-MNIST example (examples/fashion_vgg.ts
 * in the repository, which imports the library by path, so the demo's bundle cannot share
 * it): two blocks of (conv3x3-BN-ReLU twice, max pool 2), 16 then 32 filters, then
 * flatten, dense 128 (no bias), BN, ReLU, dropout 0.3 and a dense softmax. Its dense head
 * learns the digits in one short epoch, where a global average pool needs several.
 */
export function smallVgg(seed: number): Model {
  const inputs = input({ shape: [28, 28, 1] });
  let x: SymbolicTensor = inputs;
  for (const filters of [16, 32]) {
    x = convBnRelu(convBnRelu(x, filters), filters);
    x = layers.maxPooling2d({ poolSize: 2 }).apply(x);
  }
  x = layers.flatten().apply(x);
  x = layers.dense({ units: 128, useBias: false }).apply(x);
  x = layers.reLU().apply(batchNorm(x));
  x = layers.dropout({ rate: 0.3 }).apply(x);
  const outputs = layers.dense({ units: 10, activation: "softmax" }).apply(x);
  return new Model({ inputs, outputs, name: "small_vgg", seed });
}

/**
 * A small ResNet-style network: a 16-filter stem, then per stage a residual block
 * (conv-BN-ReLU, conv-BN, add the shortcut, ReLU). The second stage halves the map with a
 * stride-2 convolution and takes its shortcut through a 1x1 stride-2 convolution, as
 * ResNet's projection shortcuts do, so the two branches add up in shape.
 */
export function smallResnet(seed: number): Model {
  const inputs = input({ shape: [28, 28, 1] });
  let x = convBnRelu(inputs, 16);
  x = layers.maxPooling2d({ poolSize: 2 }).apply(x); // 14x14: keeps the steps quick
  for (const [filters, strides] of [[16, 1], [32, 2]] as const) {
    let y = layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", useBias: false }).apply(x);
    y = layers.reLU().apply(batchNorm(y));
    y = layers.conv2d({ filters, kernelSize: 3, padding: "same", useBias: false }).apply(y);
    y = batchNorm(y);
    let shortcut = x;
    if (strides !== 1) {
      shortcut = layers.conv2d({ filters, kernelSize: 1, strides, useBias: false }).apply(x);
      shortcut = batchNorm(shortcut);
    }
    x = layers.reLU().apply(layers.add().apply([shortcut, y]));
  }
  x = layers.globalAveragePooling2d().apply(x);
  const outputs = layers.dense({ units: 10, activation: "softmax" }).apply(x);
  return new Model({ inputs, outputs, name: "small_resnet", seed });
}

/** The models the page can train, by id (the first is the default). */
export const MODELS: Record<string, { label: string; create(seed: number): Model }> = {
  lenet5: { label: "LeNet-5", create: (seed) => lenet5({ seed }) },
  vgg: { label: "Small VGG (batch norm)", create: smallVgg },
  resnet: { label: "Small ResNet (residual blocks)", create: smallResnet },
};
