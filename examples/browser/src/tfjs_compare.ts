/**
 * TensorFlow.js's speed on the same work, for the page's "Compare with TensorFlow.js"
 * button: the same LeNet-5 (Keras layout), Adam, batches of the same digits, on TF.js's
 * CPU backend (its wasm backend cannot train a convolution). Built into its own file
 * (tfjs_compare.js, about 220 KB gzipped), which the worker imports only when asked.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";

/** What one measurement found. */
export interface TfjsSpeed {
  msPerBatch: number;
  version: string;
  backend: string;
}

/**
 * Milliseconds per training step of TF.js's LeNet-5 on `batchSize` digits from `x`
 * ([n * 784] in [0, 1]) and `labels`: the median of `batches` steps after one warm-up step.
 */
export async function tfjsTrainingSpeed(x: Float32Array, labels: Float32Array, batchSize: number, batches: number): Promise<TfjsSpeed> {
  await tf.setBackend("cpu");
  await tf.ready();
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 6, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
      tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: "relu" }),
      tfl.layers.dense({ units: 84, activation: "relu" }),
      tfl.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const xs = tf.tensor4d(x.subarray(0, batchSize * 784), [batchSize, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(labels.subarray(0, batchSize)), "int32"), 10);
  try {
    await model.trainOnBatch(xs, ys); // warm-up
    const times: number[] = [];
    for (let i = 0; i < batches; i++) {
      const started = performance.now();
      await model.trainOnBatch(xs, ys);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { msPerBatch: times[Math.floor(times.length / 2)], version: tf.version_core, backend: tf.getBackend() };
  } finally {
    xs.dispose();
    ys.dispose();
    model.dispose();
  }
}
