/**
 * TensorFlow.js 4.22 running the course's LeNet-5, as the peer in bench/lenet.ts.
 * Backends: "cpu" (plain JavaScript; trains) and "wasm" (XNNPACK; inference only: it
 * has no Conv2DBackpropFilter kernel, so training throws).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import { createRequire } from "node:module";
import { dirname } from "node:path";

export type TfjsBackend = "cpu" | "wasm";

let wasmPathsSet = false;

/** Switches TensorFlow.js to `backend` (single-threaded wasm, as our kernels are). */
export async function useBackend(backend: TfjsBackend): Promise<void> {
  if (backend === "wasm" && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")) + "/dist/";
    // A plain path prefix: emscripten then reads the file itself (the second argument,
    // usePlatformFetch, would hand a path to Node's fetch, which only takes URLs).
    setWasmPaths(dist);
    // One thread, to compare one core with one core.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to initialize`);
  await tf.ready();
}

/** The course's LeNet-5 in tfjs-layers, compiled with Adam and categorical cross-entropy. */
export function tfjsLenet5(seed = 1): tfl.Sequential {
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ filters: 6, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1], kernelInitializer: init() }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu", kernelInitializer: init() }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 120, activation: "relu", kernelInitializer: init() }));
  m.add(tfl.layers.dense({ units: 84, activation: "relu", kernelInitializer: init() }));
  m.add(tfl.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init() }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** A prepared training step on one fixed batch. */
export function tfjsTrainStep(model: tfl.Sequential, x: Float32Array, labels: Float32Array, batch: number): () => Promise<void> {
  const xs = tf.tensor4d(x.subarray(0, batch * 784), [batch, 28, 28, 1]);
  const ys = tf.tensor2d(labels.subarray(0, batch * 10), [batch, 10]);
  return async () => {
    await model.trainOnBatch(xs, ys);
  };
}

/** A prepared inference call on one fixed batch that waits for the result. */
export function tfjsPredict(model: tfl.Sequential, x: Float32Array, batch: number): () => void {
  const xs = tf.tensor4d(x.subarray(0, batch * 784), [batch, 28, 28, 1]);
  return () => {
    const y = model.predict(xs) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
}
