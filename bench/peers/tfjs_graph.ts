/**
 * TensorFlow.js 4.22 running the next-scale networks (bench/peers/models.ts): the Keras
 * layer graph rebuilt with the tfjs-layers functional API, layer for layer, and the Keras
 * weights set into it. Backend switching is bench/peers/tfjs.ts's `useBackend`.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import type { BenchModel, SpecLayer } from "./models.js";

type Conf = Record<string, unknown>;
const pair = (v: unknown) => v as [number, number];

/** One tfjs layer for a Keras layer of the specs (the classes these two networks use). */
function tfjsLayer(layer: SpecLayer): tfl.layers.Layer {
  const c: Conf = layer.config;
  const name = layer.name;
  switch (layer.class_name) {
    case "Conv2D":
      if (c.groups !== 1) throw new Error(`tfjsLayer: ${name} has groups ${String(c.groups)}`);
      return tfl.layers.conv2d({ name, filters: c.filters as number, kernelSize: pair(c.kernel_size), strides: pair(c.strides), padding: c.padding as "same" | "valid", useBias: c.use_bias as boolean, activation: "linear" });
    case "DepthwiseConv2D":
      return tfl.layers.depthwiseConv2d({ name, kernelSize: pair(c.kernel_size), depthMultiplier: c.depth_multiplier as number, strides: pair(c.strides), padding: c.padding as "same" | "valid", useBias: c.use_bias as boolean, activation: "linear" });
    case "BatchNormalization":
      return tfl.layers.batchNormalization({ name, axis: -1, momentum: c.momentum as number, epsilon: c.epsilon as number });
    case "Activation":
      return tfl.layers.activation({ name, activation: c.activation as "relu" });
    case "ReLU":
      if (c.negative_slope !== 0 || c.threshold !== 0) throw new Error(`tfjsLayer: ${name} is a leaky or thresholded ReLU`);
      return tfl.layers.reLU({ name, maxValue: c.max_value as number });
    case "Add":
      return tfl.layers.add({ name });
    case "ZeroPadding2D":
      return tfl.layers.zeroPadding2d({ name, padding: c.padding as [[number, number], [number, number]] });
    case "AveragePooling2D":
      return tfl.layers.averagePooling2d({ name, poolSize: pair(c.pool_size), strides: pair(c.strides), padding: c.padding as "valid" });
    case "GlobalAveragePooling2D":
      return tfl.layers.globalAveragePooling2d({ name });
    case "Flatten":
      return tfl.layers.flatten({ name });
    case "Dense":
      return tfl.layers.dense({ name, units: c.units as number, activation: c.activation as "softmax", useBias: c.use_bias as boolean });
    default:
      throw new Error(`tfjsLayer: no mapping for ${layer.class_name} (${name})`);
  }
}

/**
 * The network as two tfjs models sharing their layers: `model` (softmax output, compiled
 * with Adam and categorical cross-entropy) and `features` (the final Dense layer's input).
 */
export function tfjsNetwork(net: BenchModel): { model: tfl.LayersModel; features: tfl.LayersModel } {
  const outputs = new Map<string, tfl.SymbolicTensor>();
  let input: tfl.SymbolicTensor | null = null;
  let features: tfl.SymbolicTensor | null = null;
  const built: [tfl.layers.Layer, SpecLayer][] = [];
  for (const layer of net.layers) {
    if (layer.class_name === "InputLayer") {
      input = tfl.input({ shape: net.inputShape, name: layer.name });
      outputs.set(layer.name, input);
      continue;
    }
    const ins = layer.inbound.map((n) => {
      const t = outputs.get(n);
      if (!t) throw new Error(`tfjsNetwork: ${layer.name} needs ${n}, not built yet`);
      return t;
    });
    const l = tfjsLayer(layer);
    if (layer.class_name === "Dense") features = ins[0]!;
    outputs.set(layer.name, l.apply(ins.length === 1 ? ins[0]! : ins) as tfl.SymbolicTensor);
    built.push([l, layer]);
  }
  const last = net.layers[net.layers.length - 1]!.name;
  if (!input || !features) throw new Error("tfjsNetwork: the spec needs an InputLayer and a final Dense layer");
  const model = tfl.model({ inputs: input, outputs: outputs.get(last)! });
  for (const [l, layer] of built) {
    if (layer.weights.length === 0) continue;
    l.setWeights(
      layer.weights.map((w) => {
        const data = net.weights.get(`${layer.name}/${w.name}`);
        if (!data) throw new Error(`tfjsNetwork: no weight ${layer.name}/${w.name}`);
        return tf.tensor(data, w.shape);
      }),
    );
  }
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  return { model, features: tfl.model({ inputs: input, outputs: features }) };
}

/** Runs `m` on `x` ([n, ...inputShape]) and returns its output values. */
export function tfjsRun(m: tfl.LayersModel, x: Float32Array, n: number, inputShape: readonly number[]): Float32Array {
  return tf.tidy(() => (m.predict(tf.tensor(x.subarray(0, n * inputShape.reduce((a, b) => a * b, 1)), [n, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);
}

/** A prepared inference call on a fixed batch that waits for its result. */
export function tfjsGraphPredict(m: tfl.LayersModel, x: Float32Array, n: number, inputShape: readonly number[]): () => void {
  const xs = tf.tensor(x.subarray(0, n * inputShape.reduce((a, b) => a * b, 1)), [n, ...inputShape]);
  return () => {
    const y = m.predict(xs) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
}

/** A prepared `trainOnBatch` step on one fixed batch. */
export function tfjsGraphTrainStep(m: tfl.LayersModel, x: Float32Array, y: Float32Array, n: number, inputShape: readonly number[], classes: number): () => Promise<void> {
  const xs = tf.tensor(x.subarray(0, n * inputShape.reduce((a, b) => a * b, 1)), [n, ...inputShape]);
  const ys = tf.tensor2d(y.subarray(0, n * classes), [n, classes]);
  return async () => {
    await m.trainOnBatch(xs, ys);
  };
}
