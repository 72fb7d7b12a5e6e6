/**
 * The demo's Web Worker: loads the digits and the wasm kernels, trains a model and answers
 * predictions, so the page's main thread only draws. Its fit callback awaits a macrotask
 * after every batch, so "stop" and "predict" messages are handled while training.
 *
 * With 2 threads, fit({ workers: 2 }) starts one nested Web Worker (replica_worker.js,
 * built beside this file) that computes half of every batch's gradient; the two exchange
 * through shared memory when the page is cross-origin isolated (serve-demo.mjs sends the
 * headers), else through postMessage.
 */
import { init, Random, type Callback, type CallbackModel, type Logs, type Model, type Tensor } from "simdnet";
import { convViews } from "./map_sets.js";
import type { FromWorker, Mistake, ToWorker } from "./messages.js";
import { MODELS } from "./models.js";

const ENGINE = "simdnet, trained with Adam on sparse categorical cross-entropy";

function createModel(id: string, seed: number): Model {
  const entry = MODELS[id];
  if (!entry) throw new Error(`unknown model "${id}"; expected one of ${Object.keys(MODELS).join(", ")}`);
  const model = entry.create(seed);
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

/** digits.bin.gz, inflated here: any static server then sends the digits compressed (1.6 MB, not 7.5). */
async function loadDigits(): Promise<Digits> {
  const response = await fetch(new URL("digits.bin.gz", import.meta.url));
  if (!response.ok || !response.body) throw new Error(`loading digits.bin.gz failed: HTTP ${response.status}`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  const view = new DataView(bytes.buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const count = view.getUint32(4, true);
  if (magic !== "DGT1" || view.getUint32(8, true) !== 28 || view.getUint32(12, true) !== 28 || bytes.length !== 16 + count * 785) {
    throw new Error("digits.bin.gz is not a DGT1 file of 28x28 digits; rebuild the demo");
  }
  return { count, pixels: bytes.subarray(16, 16 + count * 784), labels: bytes.subarray(16 + count * 784) };
}

const digitPixels = (digits: Digits, i: number): Float32Array => Float32Array.from(digits.pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);

/** The digits of a run: `samples` drawn without replacement by a seeded shuffle; Keras validates on the last tenth. */
function pickDigits(digits: Digits, samples: number, seed: number): { x: Tensor; y: Tensor; order: number[] } {
  const order = new Random(seed).shuffle(Array.from({ length: digits.count }, (_, i) => i)).slice(0, samples);
  const x = new Float32Array(samples * 784);
  const y = new Float32Array(samples);
  order.forEach((i, k) => {
    x.set(digits.pixels.subarray(i * 784, (i + 1) * 784), k * 784);
    y[k] = digits.labels[i];
  });
  for (let i = 0; i < x.length; i++) x[i] /= 255;
  return { x: { data: x, shape: [samples, 28, 28, 1] }, y: { data: y, shape: [samples] }, order };
}

const VALIDATION_SPLIT = 0.1;
let digits: Digits | null = null;
let modelId = "lenet5";
let model: Model | null = null;
let training = false;
let stopRequested = false;
let lastDrawing: Float32Array | null = null;
/** Digits the current model never trained on (its validation split), for samples. */
let heldOut: number[] = [];
const sampleRandom = new Random(11);

function postPrediction(pixels: Float32Array): void {
  if (!model) return;
  post({ type: "prediction", probabilities: Array.from(model.predict({ data: pixels, shape: [1, 28, 28, 1] }).data) });
}

/** Filters and maps of every conv layer, for the drawing, or a held-out digit before there is one. */
function postViews(): void {
  if (!model || !digits) return;
  const pixels = lastDrawing ?? digitPixels(digits, heldOut[0] ?? 0);
  const outputs = model.activations({ data: pixels, shape: [1, 28, 28, 1] });
  post({ type: "views", views: convViews(model.layers, outputs), source: lastDrawing ? "your drawing" : "a held-out digit" });
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Reports fit's progress to the page and stops it on request, through the callback
 * model, as a Keras callback would. Keras logs running means over the epoch; the page also
 * gets each batch's own loss (from the change in the running sum), which its chart smooths
 * across epochs without the jump a running mean makes when it restarts.
 */
class PageReporter implements Callback {
  private model: CallbackModel | null = null;
  private epoch = 0;
  private seen = 0;
  private lossSum = 0;
  private correct = 0;
  private batchStarted = 0;
  private epochStarted = 0;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.seen = this.lossSum = this.correct = 0;
    this.epochStarted = performance.now();
  }

  onBatchBegin(): void {
    this.batchStarted = performance.now();
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    const ms = performance.now() - this.batchStarted;
    const size = logs.size ?? 1;
    const loss = logs.loss ?? NaN;
    const accuracy = logs.accuracy ?? NaN;
    const seen = this.seen + size;
    const batchLoss = (loss * seen - this.lossSum) / size;
    const batchAccuracy = (accuracy * seen - this.correct) / size;
    [this.seen, this.lossSum, this.correct] = [seen, loss * seen, accuracy * seen];
    post({ type: "batch", epoch: this.epoch, batch, loss, accuracy, batchLoss, batchAccuracy, size, ms });
    if (batch % 8 === 0) {
      postViews();
      if (lastDrawing) postPrediction(lastDrawing);
    }
    await nextTask(); // let "stop" and "predict" messages in
    if (stopRequested && this.model) this.model.stopTraining = true;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const seconds = (performance.now() - this.epochStarted) / 1000;
    post({ type: "epoch", epoch, loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN, valLoss: logs.val_loss ?? NaN, valAccuracy: logs.val_accuracy ?? NaN, seconds });
  }
}

/** The confusion matrix of `trained` on the validation digits, and the mistakes it was surest of. */
function evaluate(trained: Model, x: Tensor, y: Tensor): Extract<FromWorker, { type: "evaluation" }> {
  const probabilities = trained.predict(x, { batchSize: 256 }).data;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const mistakes: Mistake[] = [];
  const n = y.shape[0];
  for (let i = 0; i < n; i++) {
    const row = probabilities.subarray(i * 10, i * 10 + 10);
    let predicted = 0;
    for (let k = 1; k < 10; k++) if (row[k] > row[predicted]) predicted = k;
    const label = y.data[i];
    confusion[label][predicted]++;
    if (predicted !== label) mistakes.push({ pixels: x.data.slice(i * 784, (i + 1) * 784), label, predicted, confidence: row[predicted] });
  }
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return { type: "evaluation", confusion, mistakes: mistakes.slice(0, 16), count: n };
}

async function train(request: Extract<ToWorker, { type: "train" }>): Promise<void> {
  if (!digits) throw new Error("the digits are not loaded yet");
  const { samples, epochs, batchSize, seed, workers } = request;
  if (!Number.isInteger(samples) || samples < 100 || samples > digits.count) {
    throw new Error(`samples must be a whole number from 100 to ${digits.count}, received ${samples}`);
  }
  if (workers !== 1 && workers !== 2) throw new Error(`workers must be 1 or 2, received ${workers}`);
  const trained = createModel(request.model, seed);
  const { x, y, order } = pickDigits(digits, samples, seed);
  const validation = samples - Math.floor(samples * (1 - VALIDATION_SPLIT));
  model?.dispose(); // the previous run's weights live in wasm memory
  model = trained;
  modelId = request.model;
  heldOut = order.slice(samples - validation);
  training = true;
  stopRequested = false;
  const started = performance.now();
  const summary = trained.summary({ explain: true, print: () => {} });
  post({ type: "started", summary, samples, epochs, batchesPerEpoch: Math.ceil((samples - validation) / batchSize), workers, batchSize, validation });
  postViews();
  try {
    await trained.fit(x, y, { epochs, batchSize, validationSplit: VALIDATION_SPLIT, shuffle: true, seed, verbose: 0, workers, callbacks: [new PageReporter()] });
  } finally {
    training = false;
  }
  const seconds = (performance.now() - started) / 1000;
  postViews();
  if (lastDrawing) postPrediction(lastDrawing);
  post({ type: "done", stopped: stopRequested, seconds });
  const from = (samples - validation) * 784;
  post(evaluate(trained, { data: x.data.subarray(from), shape: [validation, 28, 28, 1] }, { data: y.data.subarray(samples - validation), shape: [validation] }));
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "train":
      if (training) throw new Error("already training; stop first");
      await train(message);
      break;
    case "pick": {
      if (training) throw new Error("the model cannot change while training; stop first");
      const picked = createModel(message.model, 1); // throws on an unknown id, before anything changes
      model?.dispose();
      model = picked;
      modelId = message.model;
      post({ type: "model", id: modelId, summary: picked.summary({ explain: true, print: () => {} }) });
      postViews();
      break;
    }
    case "stop":
      // The reporter passes this on to fit after the batch it is waiting in.
      stopRequested = training;
      break;
    case "predict":
      lastDrawing = message.pixels;
      postPrediction(message.pixels);
      postViews();
      break;
    case "compare": {
      if (training) throw new Error("TensorFlow.js is measured between runs; stop training first");
      if (!digits) return;
      // A separate file, fetched only now: esbuild leaves an import of a computed URL alone.
      const url = new URL("./tfjs_compare.js", import.meta.url).href;
      const { tfjsTrainingSpeed } = (await import(url)) as typeof import("./tfjs_compare.js");
      const { x, y } = pickDigits(digits, Math.min(digits.count, Math.max(message.batchSize, 100)), 2);
      const speed = await tfjsTrainingSpeed(x.data, y.data, message.batchSize, 3);
      post({ type: "tfjs", batchSize: message.batchSize, ...speed });
      break;
    }
    case "sample": {
      if (!digits) return;
      const i = heldOut.length > 0 ? heldOut[sampleRandom.int(heldOut.length)] : sampleRandom.int(digits.count);
      post({ type: "sample", pixels: digitPixels(digits, i), label: digits.labels[i] });
      break;
    }
  }
}

const fail = (e: unknown): void => post({ type: "error", message: e instanceof Error ? e.message : String(e) });

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch(fail);
};

async function start(): Promise<void> {
  const [info, loaded] = await Promise.all([init(), loadDigits()]);
  digits = loaded;
  // Before training, the untrained model (seed 1, as the first run) shows its random
  // filters and what they make of a digit that the first run holds out.
  model = createModel(modelId, 1);
  heldOut = new Random(1).shuffle(Array.from({ length: loaded.count }, (_, i) => i)).slice(1800, 2000); // pickDigits' order for 2,000 digits
  const summary = model.summary({ explain: true, print: () => {} });
  post({
    type: "ready", models: Object.entries(MODELS).map(([id, m]) => ({ id, label: m.label })), engine: ENGINE,
    wasmFlavor: info.flavor, summary, digits: loaded.count, isolated: scope.crossOriginIsolated, cores: navigator.hardwareConcurrency ?? 1,
  });
  postViews();
}

start().catch(fail);
