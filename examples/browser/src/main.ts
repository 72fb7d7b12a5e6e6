/**
 * The demo page: controls, live charts, the drawing pad and the pictures of the
 * network. All training and prediction happen in worker.ts; this thread only draws.
 *
 * URL parameters pre-fill the controls (e.g. `?samples=2000&epochs=1&batchSize=32&workers=2`).
 * `window.simdnetDemo` mirrors what the page shows, for the browser test.
 */
import { LineChart } from "./chart.js";
import { DrawPad } from "./draw_pad.js";
import { renderMapSet } from "./map_view.js";
import type { FromWorker, ToWorker } from "./messages.js";

/** What the page knows, readable by tests as `window.simdnetDemo`. */
interface DemoState {
  phase: "loading" | "ready" | "training" | "trained" | "error";
  engine: string;
  wasmFlavor: string;
  /** Whether the training worker is cross-origin isolated (shared-memory exchange for `workers`). */
  isolated: boolean;
  /** The `workers` of the current or last run. */
  workers: number;
  batches: number;
  epochs: { epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }[];
  probabilities: number[] | null;
  predictions: number;
  errors: string[];
}

const state: DemoState = { phase: "loading", engine: "", wasmFlavor: "", isolated: false, workers: 1, batches: 0, epochs: [], probabilities: null, predictions: 0, errors: [] };
(window as unknown as { simdnetDemo: DemoState }).simdnetDemo = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: the page has no #${id}`);
  return el as T;
};
const ui = {
  engine: $("engine"),
  samples: $<HTMLSelectElement>("samples"),
  epochs: $<HTMLInputElement>("epochs"),
  batchSize: $<HTMLInputElement>("batch-size"),
  workers: $<HTMLSelectElement>("workers"),
  train: $<HTMLButtonElement>("train"),
  stop: $<HTMLButtonElement>("stop"),
  progress: $<HTMLProgressElement>("progress"),
  status: $("status"),
  guess: $("guess"),
  bars: $("bars"),
  seen: $<HTMLCanvasElement>("seen"),
  summary: $("summary"),
};

const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
const lossChart = new LineChart($<HTMLCanvasElement>("loss-chart"), {
  series: [{ name: "training (running)", color: "#1f6feb" }, { name: "epoch: training", color: "#0b3d91", dots: true }, { name: "epoch: validation", color: "#e36209", dots: true }],
  format: (y) => y.toFixed(2),
});
const accuracyChart = new LineChart($<HTMLCanvasElement>("accuracy-chart"), {
  series: [{ name: "training (running)", color: "#1f6feb" }, { name: "epoch: training", color: "#0b3d91", dots: true }, { name: "epoch: validation", color: "#e36209", dots: true }],
  yMax: 1,
  format: (y) => `${Math.round(y * 100)}%`,
});

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const send = (message: ToWorker): void => worker.postMessage(message);

// Controls: URL parameters first, so a link can ask for a short run.
const params = new URLSearchParams(location.search);
const samplesParam = params.get("samples");
if (samplesParam && !Array.from(ui.samples.options).some((o) => o.value === samplesParam)) {
  ui.samples.add(new Option(`${samplesParam} (from the URL)`, samplesParam));
}
if (samplesParam) ui.samples.value = samplesParam;
if (params.get("epochs")) ui.epochs.value = params.get("epochs") as string;
if (params.get("batchSize")) ui.batchSize.value = params.get("batchSize") as string;
if (params.get("workers")) ui.workers.value = params.get("workers") as string;

function readWhole(input: HTMLInputElement | HTMLSelectElement, name: string, min: number, max: number): number {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}; it is "${input.value}"`);
  }
  return value;
}

let batchesPerEpoch = 1;
let totalBatches = 1;

ui.train.addEventListener("click", () => {
  try {
    const request: ToWorker = {
      type: "train",
      samples: readWhole(ui.samples, "Digits to learn from", 100, 10000),
      epochs: readWhole(ui.epochs, "Epochs", 1, 20),
      batchSize: readWhole(ui.batchSize, "Batch size", 1, 512),
      seed: 1,
      workers: readWhole(ui.workers, "Threads", 1, 2),
    };
    ui.train.disabled = true;
    ui.stop.disabled = false;
    state.phase = "training";
    ui.status.textContent = "Starting…";
    send(request);
  } catch (e) {
    ui.status.textContent = (e as Error).message;
  }
});
ui.stop.addEventListener("click", () => {
  ui.stop.disabled = true;
  ui.status.textContent = "Stopping after this batch…";
  send({ type: "stop" });
});

// Drawing: predict while drawing, once the network has trained at least one batch.
const pad = new DrawPad($<HTMLCanvasElement>("pad"), () => {
  const pixels = pad.toMnist();
  showSeen(pixels);
  if (!pixels) return;
  if (state.batches === 0) {
    ui.guess.textContent = "Train the network first (button above), then it will read your digit.";
    return;
  }
  send({ type: "predict", pixels });
});
$("clear").addEventListener("click", () => {
  pad.clear();
  showSeen(null);
  ui.guess.textContent = "Draw a digit in the black square.";
  renderBars(null);
});

function showSeen(pixels: Float32Array | null): void {
  const ctx = ui.seen.getContext("2d");
  if (!ctx) return;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round((pixels?.[i] ?? 0) * 255);
    image.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

function renderBars(probabilities: number[] | null): void {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  ui.bars.replaceChildren(
    ...Array.from({ length: 10 }, (_, digit) => {
      const p = probabilities?.[digit] ?? 0;
      const label = Object.assign(document.createElement("span"), { textContent: String(digit) });
      const bar = Object.assign(document.createElement("div"), { className: digit === best ? "bar top" : "bar" });
      bar.style.width = `${p * 100}%`;
      const value = Object.assign(document.createElement("span"), { textContent: percent(p) });
      return [label, bar, value];
    }).flat(),
  );
}
renderBars(null);

function onMessage(message: FromWorker): void {
  switch (message.type) {
    case "ready":
      state.phase = "ready";
      state.engine = message.engine;
      state.wasmFlavor = message.wasmFlavor;
      state.isolated = message.isolated;
      ui.engine.textContent = `Model: ${message.engine}. WebAssembly kernels loaded: ${message.wasmFlavor}. ${message.digits.toLocaleString("en-US")} digits ready.`;
      ui.summary.textContent = message.summary;
      ui.status.textContent = "Ready. Choose how long to train, then press Train.";
      ui.train.disabled = false;
      break;
    case "started":
      state.batches = 0;
      state.epochs = [];
      state.workers = message.workers;
      batchesPerEpoch = message.batchesPerEpoch;
      totalBatches = message.epochs * batchesPerEpoch;
      lossChart.reset(totalBatches);
      accuracyChart.reset(totalBatches);
      ui.progress.max = totalBatches;
      ui.progress.value = 0;
      break;
    case "batch": {
      const step = message.epoch * batchesPerEpoch + message.batch + 1;
      state.batches = step;
      lossChart.add(0, step, message.loss);
      accuracyChart.add(0, step, message.accuracy);
      ui.progress.value = step;
      const epochs = totalBatches / batchesPerEpoch;
      ui.status.textContent = `Training: epoch ${message.epoch + 1} of ${epochs}, batch ${message.batch + 1} of ${batchesPerEpoch}. Loss ${message.loss.toFixed(3)}, accuracy ${percent(message.accuracy)}.`;
      break;
    }
    case "epoch": {
      state.epochs.push({ epoch: message.epoch, loss: message.loss, accuracy: message.accuracy, valLoss: message.valLoss, valAccuracy: message.valAccuracy });
      const step = (message.epoch + 1) * batchesPerEpoch;
      lossChart.add(1, step, message.loss);
      lossChart.add(2, step, message.valLoss);
      accuracyChart.add(1, step, message.accuracy);
      accuracyChart.add(2, step, message.valAccuracy);
      break;
    }
    case "filters":
      renderMapSet($("conv1-filters"), message.sets[0], 12);
      renderMapSet($("conv2-filters"), message.sets[1], 4);
      break;
    case "done": {
      state.phase = "trained";
      ui.train.disabled = false;
      ui.stop.disabled = true;
      const last = state.epochs[state.epochs.length - 1];
      const result = last ? ` Validation accuracy ${percent(last.valAccuracy)}.` : "";
      ui.status.textContent = `${message.stopped ? "Stopped" : "Trained"} after ${message.seconds.toFixed(1)} s.${result} Now draw a digit below.`;
      if (pad.isEmpty) ui.guess.textContent = "Draw a digit in the black square.";
      break;
    }
    case "prediction": {
      state.probabilities = message.probabilities;
      state.predictions++;
      const p = message.probabilities;
      const best = p.indexOf(Math.max(...p));
      ui.guess.textContent = `It looks like a ${best} (${percent(p[best])} sure).`;
      renderBars(p);
      renderMapSet($("conv1-maps"), message.maps[0], 2);
      renderMapSet($("conv2-maps"), message.maps[1], 4);
      break;
    }
    case "error":
    {
      const neverReady = state.phase === "loading" || (state.phase === "error" && !state.engine);
      state.errors.push(message.message);
      if (state.phase === "loading" || state.phase === "training") state.phase = "error";
      ui.status.textContent = `Something went wrong: ${message.message}`;
      ui.train.disabled = neverReady;
      ui.stop.disabled = true;
    }
      break;
  }
}

worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
worker.onerror = (event: ErrorEvent) => onMessage({ type: "error", message: `the training worker failed: ${event.message}` });
