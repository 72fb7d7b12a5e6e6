/**
 * The small VGG-style network of examples/fashion_mnist.ts, built with the functional API.
 * It is a module of its own so that the end-to-end test (test/e2e/fashion_vgg.test.ts)
 * trains exactly the network the example documents.
 *
 * Layout (Simonyan and Zisserman's VGG pattern shrunk to 28x28 gray images, with Ioffe
 * and Szegedy's batch normalization after every convolution):
 *
 *   input 28x28x1
 *   block 1: [conv 3x3 `filters[0]` "same", no bias, BN, ReLU] x 2, max pool 2 -> 14x14
 *   block 2: [conv 3x3 `filters[1]` "same", no bias, BN, ReLU] x 2, max pool 2 -> 7x7
 *   flatten, dense `dense` (no bias), BN, ReLU, dropout `dropout`, dense 10 softmax
 *
 * The convolutions have no bias: the BatchNormalization right after each subtracts the
 * batch mean, so a bias would be cancelled, and BN's own offset (beta) plays its role.
 */
import { input, layers, Model, type SymbolicTensor } from "../ts/index.js";

/** Options of {@link fashionVgg}. */
export interface FashionVggOptions {
  /** Filters of the two convolution blocks (default [16, 32]). */
  filters?: [number, number];
  /** Units of the hidden dense layer (default 128). */
  dense?: number;
  /** Dropout rate before the classifier (default 0.3). */
  dropout?: number;
  /**
   * Momentum of the BatchNormalization moving statistics (default 0.99, Keras's). The moving
   * mean and variance start at 0 and 1 and move a fraction 1 - momentum towards each
   * batch's statistics, so with 0.99 they need a few hundred steps (about one epoch of the
   * full data at batch 128) before inference, which uses them, works; a short training on a
   * subset needs a lower momentum such as 0.9.
   */
  bnMomentum?: number;
  /** Seed of the initial weights. */
  seed?: number;
}

/** conv 3x3 "same" (no bias) -> BN -> ReLU, twice, then 2x2 max pooling. */
function vggBlock(x: SymbolicTensor, filters: number, momentum: number): SymbolicTensor {
  for (let i = 0; i < 2; i++) {
    x = layers.conv2d({ filters, kernelSize: 3, padding: "same", useBias: false }).apply(x);
    x = layers.batchNormalization({ momentum }).apply(x);
    x = layers.activation({ activation: "relu" }).apply(x);
  }
  return layers.maxPooling2d({ poolSize: 2 }).apply(x);
}

/** The network, built but not compiled; model name "fashion_vgg". */
export function fashionVgg(options: FashionVggOptions = {}): Model {
  const [f1, f2] = options.filters ?? [16, 32];
  const momentum = options.bnMomentum ?? 0.99;
  const inputs = input({ shape: [28, 28, 1] });
  let x = vggBlock(inputs, f1, momentum);
  x = vggBlock(x, f2, momentum);
  x = layers.flatten().apply(x);
  x = layers.dense({ units: options.dense ?? 128, useBias: false }).apply(x);
  x = layers.batchNormalization({ momentum }).apply(x);
  x = layers.activation({ activation: "relu" }).apply(x);
  x = layers.dropout({ rate: options.dropout ?? 0.3 }).apply(x);
  const outputs = layers.dense({ units: 10, activation: "softmax" }).apply(x);
  return new Model({ inputs, outputs, name: "fashion_vgg", ...(options.seed === undefined ? {} : { seed: options.seed }) });
}
