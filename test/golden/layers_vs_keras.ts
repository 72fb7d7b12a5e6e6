/**
 * simdnet's layers against real Keras's numbers (test/golden/layers/), through the public
 * API: a one-layer model with Keras's weights must predict Keras's output, and its weight
 * gradients must be Keras's gradients of sum(output * w_out) to 1e-4.
 *
 * The gradients come from model.lossAndGradients with mean squared error against
 * y = out_keras - w_out * M / 2 (M = elements of the output): its gradient with respect to
 * the output is 2 (out - y) / M, which is w_out when out is Keras's output. Its loss,
 * mean((w_out * M / 2)^2) there, checks a training-mode forward (BatchNormalization with
 * batch statistics) that predict cannot show.
 *
 * A case skips, saying why, while its layer factory or an option it needs does not exist
 * yet (the layers arrive from other branches): it switches on by itself when they land.
 * Input gradients and the two-input layers (Add, Concatenate) are compared by the tests of
 * the branches that build them (kernels, graph).
 *
 * The wasm build is chosen once per process, so layers_vs_keras_simd.test.ts and
 * layers_vs_keras_scalar.test.ts each run this suite on one of them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init, type WasmFlavor } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { loadLayerGoldens, type LayerGoldenCase, type LayerGoldenStem } from "../helpers/goldens.js";

const TOL = 1e-4;

/** simdnet's factory name for each Keras class (TensorFlow.js's names). */
const FACTORY: Record<string, string> = {
  BatchNormalization: "batchNormalization",
  DepthwiseConv2D: "depthwiseConv2d",
  SeparableConv2D: "separableConv2d",
  Conv2D: "conv2d",
  GlobalAveragePooling2D: "globalAveragePooling2d",
  GlobalMaxPooling2D: "globalMaxPooling2d",
  ZeroPadding2D: "zeroPadding2d",
  ReLU: "reLU",
  LeakyReLU: "leakyReLU",
  Softmax: "softmax",
  Reshape: "reshape",
  Rescaling: "rescaling",
  Activation: "activation",
};

/** Keras config keys with no simdnet option: they are fixed (data format) or not numeric. */
const DROPPED = /^(name|trainable|dtype|data_format|groups|synchronized|renorm.*|.*_initializer|.*_regularizer|.*_constraint)$/;

/** Keras 3's activation names where TensorFlow.js's differ. */
const ACTIVATION_NAMES: Record<string, string> = { silu: "swish", hard_sigmoid: "hardSigmoid" };

/** Keras options whose default value means "as before": a layer lacking them is still comparable. */
const NEUTRAL: Record<string, unknown> = { dilationRate: [1, 1], depthMultiplier: 1 };

/** TensorFlow.js's names of Keras 3 options, tried when the Keras name is refused. */
const ALIASES: Record<string, string> = { negativeSlope: "alpha" };

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The factory options for a case, from its Keras config (or its activation function). */
function argsOf(c: LayerGoldenCase): Record<string, unknown> {
  const args: Record<string, unknown> = { inputShape: c.inputs[0]!.shape.slice(1) };
  if (c.function) {
    const approximate = c.function.kwargs.approximate === true;
    // TensorFlow.js calls the tanh approximation of gelu "gelu_new".
    args.activation = c.function.name === "gelu" && approximate ? "gelu_new" : c.function.name;
    return args;
  }
  for (const [key, value] of Object.entries(c.config!)) {
    if (DROPPED.test(key) || value === null) continue;
    args[camel(key)] = key === "activation" ? ACTIVATION_NAMES[value as string] ?? value : value;
  }
  return args;
}

/** Builds the layer, or says why this case cannot run yet. */
function makeLayer(c: LayerGoldenCase): { layer?: Layer; skip?: string } {
  const className = c.className ?? "Activation";
  const name = FACTORY[className]!;
  const factory = (layers as unknown as Record<string, ((args: object) => Layer) | undefined>)[name];
  if (!factory) return { skip: `layers.${name} does not exist yet` };
  const args = argsOf(c);
  let layer: Layer | undefined;
  while (!layer) {
    try {
      layer = factory(args);
    } catch (e) {
      const message = (e as Error).message;
      // The documented refusals of what simdnet lacks: not bugs, not yet features.
      if (/activation must be one of/.test(message)) return { skip: `activation ${String(args.activation)} not supported yet` };
      const unknown = /unknown option "(\w+)"/.exec(message)?.[1];
      if (unknown === undefined) throw e;
      const alias = ALIASES[unknown];
      if (alias !== undefined && !(alias in args)) {
        args[alias] = args[unknown]; // TensorFlow.js's name for the same option
      } else if (JSON.stringify(args[unknown]) !== JSON.stringify(NEUTRAL[unknown])) {
        return { skip: `layers.${name} has no option ${unknown} yet` };
      }
      // An option at Keras's neutral default changes nothing: leave it out and retry.
      delete args[unknown];
    }
  }
  for (const key of Object.keys(args)) {
    if (key !== "inputShape" && !(key in layer.config)) return { skip: `layers.${name} has no option ${key} yet` };
  }
  layer.trainable = c.trainable;
  return { layer };
}

function runCase(c: LayerGoldenCase, layer: Layer): void {
  const model = new Sequential({ seed: 1, layers: [layer] });
  model.setWeights(c.weights.map((w) => ({ data: Float32Array.from(w.data), shape: w.shape })));
  const x = { data: c.inputs[0]!.data, shape: c.inputs[0]!.shape };
  const training = c.training === true && c.trainable;
  if (!training) {
    const y = model.predict(x);
    expect(y.shape, `${c.name}: output shape`).toEqual(c.output.shape);
    expectClose(y.data, c.output.data, `${c.name}: output`, TOL, TOL);
  }
  // Gradients of a frozen or inference-mode call are not what a training step computes.
  if (c.training === false && c.weights.some((w) => !w.trainable)) return;
  if (!c.trainable) return;
  const m = c.output.data.length;
  const target = Float32Array.from(c.output.data, (o, i) => o - (c.outputWeights.data[i]! * m) / 2);
  model.compile({ optimizer: optimizers.sgd(), loss: "meanSquaredError" });
  const { loss, grads } = model.lossAndGradients(x, { data: target, shape: c.output.shape }, 1, 0);
  const expectedLoss = c.outputWeights.data.reduce((a, w) => a + ((w * m) / 2) ** 2, 0) / m;
  expectClose([loss], [expectedLoss], `${c.name}: loss of the forward pass`, TOL, TOL);
  // grads holds the trainable weights in order (or every weight, non-trainable ones too).
  const all = c.weights.reduce((a, w) => a + w.data.length, 0);
  let at = 0;
  c.weights.forEach((w, i) => {
    if (!w.trainable) {
      if (grads.length === all) at += w.data.length;
      return;
    }
    expectClose(grads.subarray(at, at + w.data.length), c.gradWeights[i]!.data, `${c.name}: gradient of ${w.name}`, TOL, TOL);
    at += w.data.length;
  });
  expect(at, `${c.name}: gradient length`).toBe(grads.length);
  model.dispose();
}

const STEMS: LayerGoldenStem[] = [
  "batch_normalization", "depthwise_conv2d", "separable_conv2d", "conv2d_dilation", "global_average_pooling2d",
  "global_max_pooling2d", "zero_padding2d", "relu", "leaky_relu", "softmax", "reshape", "rescaling", "activations",
];

/** Defines the comparison of every single-input layer golden, on one wasm build. */
export function describeLayersVsKeras(flavor: WasmFlavor): void {
  beforeAll(async () => {
    const info = await init({ flavor });
    expect(info.flavor).toBe(flavor);
  });
  for (const stem of STEMS) {
    describe(`${stem} vs Keras 3.15 [${flavor}]`, () => {
      for (const c of loadLayerGoldens(stem).cases) {
        const { layer, skip } = makeLayer(c);
        if (skip || !layer) {
          it.skip(`${c.name} (skipped: ${skip})`, () => {});
          continue;
        }
        it(c.name, () => runCase(c, layer));
      }
    });
  }
}
