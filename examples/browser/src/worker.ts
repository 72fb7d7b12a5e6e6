/**
 * The demo's Web Worker: loads the digits and the wasm kernels, trains simdnet's LeNet-5
 * and answers predictions, so the page's main thread only draws. Its fit callback awaits
 * a macrotask after every batch, so "stop" and "predict" messages are handled while
 * training.
 *
 * With 2 threads, fit({ workers: 2 }) starts one nested Web Worker (replica_worker.js,
 * built beside this file) that computes half of every batch's gradient; the two exchange
 * through shared memory when the page is cross-origin isolated (serve-demo.mjs sends the
 * headers), else through postMessage.
 */
import { init, lenet5, Random, type Callback, type CallbackModel, type Logs, type Sequential, type Tensor } from "../../../ts/index.js";
import { featureMaps, filterMaps } from "./map_sets.js";
import type { FromWorker, ToWorker } from "./messages.js";

const ENGINE = "simdnet's lenet5() (Sequential, Adam, sparse categorical cross-entropy)";

/** LeNet-5 as in the course's Keras code, compiled as the SPEC's examples compile it. */
function createModel(seed: number): Sequential {
  const model = lenet5({ seed });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

interface Digits {
  count: number;
  pixels: Uint8Array; // count * 784, 0..255
  labels: Uint8Array;
}

async function loadDigits(): Promise<Digits> {
  const response = await fetch(new URL("digits.bin", import.meta.url));
  if (!response.ok) throw new Error(`loading digits.bin failed: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const view = new DataView(bytes.buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const count = view.getUint32(4, true);
  if (magic !== "DGT1" || view.getUint32(8, true) !== 28 || view.getUint32(12, true) !== 28 || bytes.length !== 16 + count * 785) {
    throw new Error("digits.bin is not a DGT1 file of 28x28 digits; rebuild the demo");
  }
  return { count, pixels: bytes.subarray(16, 16 + count * 784), labels: bytes.subarray(16 + count * 784) };
}

/** `samples` digits drawn without replacement by a seeded shuffle, as x [n, 28, 28, 1] in [0, 1] and y [n]. */
function pickDigits(digits: Digits, samples: number, seed: number): { x: Tensor; y: Tensor } {
  const order = new Random(seed).shuffle(Array.from({ length: digits.count }, (_, i) => i)).slice(0, samples);
  const x = new Float32Array(samples * 784);
  const y = new Float32Array(samples);
  order.forEach((i, k) => {
    for (let p = 0; p < 784; p++) x[k * 784 + p] = digits.pixels[i * 784 + p] / 255;
    y[k] = digits.labels[i];
  });
  return { x: { data: x, shape: [samples, 28, 28, 1] }, y: { data: y, shape: [samples] } };
}

let digits: Digits | null = null;
let model: Sequential | null = null;
let training = false;
let stopRequested = false;
let lastDrawing: Float32Array | null = null;

function postPrediction(pixels: Float32Array): void {
  if (!model) return;
  const outputs = model.activations({ data: pixels, shape: [1, 28, 28, 1] });
  post({ type: "prediction", probabilities: Array.from(outputs[outputs.length - 1].data), maps: featureMaps(outputs) });
}

function postFilters(): void {
  if (model) post({ type: "filters", sets: filterMaps(model.getWeights()) });
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Reports fit's progress to the page and stops it on request, through the callback
 * model, as a Keras callback would.
 */
class PageReporter implements Callback {
  private model: CallbackModel | null = null;
  private epoch = 0; // onBatchEnd is told the batch only

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    post({ type: "batch", epoch: this.epoch, batch, loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN });
    if (batch % 8 === 0) {
      postFilters();
      if (lastDrawing) postPrediction(lastDrawing);
    }
    await nextTask(); // let "stop" and "predict" messages in
    if (stopRequested && this.model) this.model.stopTraining = true;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    post({ type: "epoch", epoch, loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN, valLoss: logs.val_loss ?? NaN, valAccuracy: logs.val_accuracy ?? NaN });
  }
}

async function train(request: Extract<ToWorker, { type: "train" }>): Promise<void> {
  if (!digits) throw new Error("the digits are not loaded yet");
  const { samples, epochs, batchSize, seed, workers } = request;
  if (!Number.isInteger(samples) || samples < 100 || samples > digits.count) {
    throw new Error(`samples must be a whole number from 100 to ${digits.count}, received ${samples}`);
  }
  if (workers !== 1 && workers !== 2) throw new Error(`workers must be 1 or 2, received ${workers}`);
  const { x, y } = pickDigits(digits, samples, seed);
  const validationSplit = 0.1;
  model?.dispose(); // the previous run's weights live in wasm memory
  const trained = createModel(seed);
  model = trained;
  training = true;
  stopRequested = false;
  const started = performance.now();
  post({ type: "started", samples, epochs, batchesPerEpoch: Math.ceil((samples - Math.floor(samples * validationSplit)) / batchSize), workers });
  postFilters();
  try {
    await trained.fit(x, y, { epochs, batchSize, validationSplit, shuffle: true, seed, verbose: 0, workers, callbacks: [new PageReporter()] });
  } finally {
    training = false;
  }
  postFilters();
  if (lastDrawing) postPrediction(lastDrawing);
  post({ type: "done", stopped: stopRequested, seconds: (performance.now() - started) / 1000 });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "train":
      if (training) throw new Error("already training; stop first");
      await train(message);
      break;
    case "stop":
      // The reporter passes this on to fit after the batch it is waiting in.
      stopRequested = training;
      break;
    case "predict":
      lastDrawing = message.pixels;
      postPrediction(message.pixels);
      break;
  }
}

const fail = (e: unknown): void => post({ type: "error", message: e instanceof Error ? e.message : String(e) });

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch(fail);
};

async function start(): Promise<void> {
  const [info, loaded] = await Promise.all([init(), loadDigits()]);
  digits = loaded;
  const preview = createModel(0);
  const summary = preview.summary({ explain: true, print: () => {} });
  preview.dispose();
  post({ type: "ready", engine: ENGINE, wasmFlavor: info.flavor, summary, digits: loaded.count, isolated: scope.crossOriginIsolated });
}

start().catch(fail);
