/**
 * MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear
 * Bottlenecks") exactly as `keras.applications.MobileNetV2(weights=None, ...)` builds it
 * (keras/src/applications/mobilenet_v2.py, Keras 3.15): the same layers with the same
 * names (Conv1, bn_Conv1, Conv1_relu, expanded_conv_*, block_N_expand / _BN / _relu /
 * _pad / _depthwise / _project / _add, Conv_1, Conv_1_bn, out_relu, predictions), the same
 * order, shapes and counts, so `getWeights()` lists what Keras's `model.get_weights()`
 * lists and weights move between the two unchanged. 423,018 parameters for alpha 0.35 on
 * 96x96x3 with 10 classes; 3,538,984 for alpha 1.0 on 224x224x3 with 1,000.
 *
 * Keras can download ImageNet weights; simdnet downloads nothing: trained weights come
 * from the user's own Keras file (`loadModel`, or `setWeights` with a loaded model's
 * `getWeights()`).
 */
import type { ActivationName } from "../layers/args.js";
import { layers } from "../layers/index.js";
import { Model } from "../model/model.js";
import { input, type SymbolicTensor } from "../model/symbolic.js";
import { describeValue } from "../tensor.js";
import { checkOptions, classCount, classifierActivation, imageShape, modelName, noWeights, seedOption } from "./options.js";

/** Options of {@link mobileNetV2}, with Keras's defaults. */
export interface MobileNetV2Args {
  /**
   * Width multiplier: every layer's filters scaled by alpha (rounded to multiples of 8).
   * Any number > 0 (Keras's pretrained files exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4); default 1.0.
   */
  alpha?: number;
  /** Per-sample input shape [height, width, channels], height and width at least 32; default [224, 224, 3]. */
  inputShape?: [number, number, number];
  /** Whether to end with global average pooling and the dense classifier "predictions"; default true. */
  includeTop?: boolean;
  /**
   * Without the top: "avg" or "max" global pooling of the last feature map, or null
   * (default) for the 4-D map itself. Refused with the top (Keras ignores it there).
   */
  pooling?: "avg" | "max" | null;
  /** Output classes with the top (default 1000). */
  classes?: number;
  /** Activation of the classifier (default "softmax"; null for logits). */
  classifierActivation?: ActivationName | null;
  /**
   * Only null (random initialization, the default here). simdnet never downloads weights:
   * load trained ones from your own Keras file with `loadModel`.
   */
  weights?: null;
  /** Model name (default Keras's `mobilenetv2_{alpha:.2f}_{rows}`, e.g. "mobilenetv2_0.35_96"). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
}

const KEYS = ["alpha", "inputShape", "includeTop", "pooling", "classes", "classifierActivation", "weights", "name", "seed"];

/**
 * Keras's `_make_divisible(v, 8)`: `v` rounded to the nearest multiple of 8 (at least 8),
 * moved up one step when rounding lost more than 10%.
 */
export function makeDivisible(v: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** Keras's `correct_pad` for a 3x3 kernel: pad one more at the bottom/right only when a side is even. */
function correctPad(shape: readonly number[]): [[number, number], [number, number]] {
  const [h, w] = shape as [number, number];
  return [[h % 2, 1], [w % 2, 1]];
}

/** Keras's "%0.2f" of alpha for the default name (1.0 -> "1.00"). */
function twoDecimals(alpha: number): string {
  return alpha.toFixed(2);
}

/** The block table of the paper (Table 2): output filters, stride and expansion of blocks 0..16. */
const BLOCKS: readonly (readonly [filters: number, stride: 1 | 2, expansion: number])[] = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

/** Batch normalization as MobileNetV2 uses it (momentum 0.999, epsilon 1e-3). */
const bn = (name: string) => layers.batchNormalization({ momentum: 0.999, epsilon: 1e-3, name });
const relu6 = (name: string) => layers.reLU({ maxValue: 6, name });

/** One inverted residual block (Keras's `_inverted_res_block`). */
function invertedResBlock(inputs: SymbolicTensor, filters: number, stride: 1 | 2, expansion: number, alpha: number, id: number): SymbolicTensor {
  const inChannels = inputs.shape[2]!;
  // Python's int(filters * alpha) truncates; then rounded to a multiple of 8.
  const pointwise = makeDivisible(Math.trunc(filters * alpha));
  let prefix = `block_${id}_`;
  let x = inputs;
  if (id > 0) {
    x = layers.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: "same", useBias: false, name: `${prefix}expand` }).apply(x);
    x = relu6(`${prefix}expand_relu`).apply(bn(`${prefix}expand_BN`).apply(x));
  } else {
    prefix = "expanded_conv_";
  }
  if (stride === 2) x = layers.zeroPadding2d({ padding: correctPad(x.shape), name: `${prefix}pad` }).apply(x);
  x = layers.depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? "same" : "valid", name: `${prefix}depthwise` }).apply(x);
  x = relu6(`${prefix}depthwise_relu`).apply(bn(`${prefix}depthwise_BN`).apply(x));
  x = layers.conv2d({ filters: pointwise, kernelSize: 1, padding: "same", useBias: false, name: `${prefix}project` }).apply(x);
  x = bn(`${prefix}project_BN`).apply(x);
  if (inChannels === pointwise && stride === 1) return layers.add({ name: `${prefix}add` }).apply([inputs, x]);
  return x;
}

/**
 * MobileNetV2 as a functional {@link Model} (not compiled), identical to
 * `keras.applications.MobileNetV2(weights=None, ...)` with the same options (see the
 * module comment). Weights start random; trained ones come from your own file:
 *
 * ```ts
 * const model = applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10 });
 * const trained = await loadModel("file://mobilenetv2.keras"); // saved by Keras
 * model.setWeights(trained.getWeights());
 * ```
 */
export function mobileNetV2(options?: MobileNetV2Args): Model {
  const where = "applications.mobileNetV2";
  const o = checkOptions(where, options, KEYS);
  noWeights(where, o.weights);
  const alpha = o.alpha === undefined ? 1 : o.alpha;
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha <= 0) throw new Error(`${where}: alpha must be a finite number > 0 (e.g. 0.35, 0.5, 0.75, 1.0, 1.3, 1.4), received ${describeValue(alpha)}`);
  // Keras's obtain_input_shape: three axes, height and width at least 32.
  const inputShape = imageShape(where, o.inputShape, [224, 224, 3], 32);
  const includeTop = o.includeTop === undefined ? true : o.includeTop;
  if (typeof includeTop !== "boolean") throw new Error(`${where}: includeTop must be true or false, received ${describeValue(includeTop)}`);
  const pooling = o.pooling === undefined ? null : o.pooling;
  if (pooling !== null && pooling !== "avg" && pooling !== "max") throw new Error(`${where}: pooling must be "avg", "max" or null, received ${describeValue(pooling)}`);
  const classes = classCount(where, o.classes, 1000);
  // Keras ignores these silently where they do not apply; a careless call is refused here instead.
  if (!includeTop && (o.classes !== undefined || o.classifierActivation !== undefined)) {
    throw new Error(`${where}: classes and classifierActivation only apply with includeTop: true (without the top the model ends at the features)`);
  }
  if (includeTop && pooling !== null) {
    throw new Error(`${where}: pooling only applies with includeTop: false (the top always pools by average; Keras ignores pooling there), received pooling ${JSON.stringify(pooling)} with includeTop true`);
  }
  const name = modelName(where, o.name, `mobilenetv2_${twoDecimals(alpha)}_${inputShape[0]}`);
  const seed = seedOption(where, o.seed);
  // Made first so that its options are checked before anything else; applied last.
  const classifier = includeTop ? layers.dense({ units: classes, activation: classifierActivation(o.classifierActivation), name: "predictions" }) : null;

  const inputs = input({ shape: inputShape });
  let x = layers.conv2d({ filters: makeDivisible(32 * alpha), kernelSize: 3, strides: 2, padding: "same", useBias: false, name: "Conv1" }).apply(inputs);
  x = relu6("Conv1_relu").apply(bn("bn_Conv1").apply(x));
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, filters, stride, expansion, alpha, id);
  });
  // Keras widens the last convolution only for alpha > 1.
  const lastFilters = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = layers.conv2d({ filters: lastFilters, kernelSize: 1, useBias: false, name: "Conv_1" }).apply(x);
  x = relu6("out_relu").apply(bn("Conv_1_bn").apply(x));
  if (classifier) {
    x = classifier.apply(layers.globalAveragePooling2d().apply(x));
  } else if (pooling === "avg") {
    x = layers.globalAveragePooling2d().apply(x);
  } else if (pooling === "max") {
    x = layers.globalMaxPooling2d().apply(x);
  }
  return new Model({ inputs, outputs: x, name, ...seed });
}
