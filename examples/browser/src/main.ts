/**
 * The demo page: controls, live charts, the drawing pad, the pictures of the network and
 * what it gets wrong. All training and prediction happen in worker.ts; this thread only draws.
 *
 * URL parameters pre-fill the controls (e.g. `?samples=2000&epochs=1&batchSize=32&workers=2`).
 * `window.simdnetDemo` mirrors what the page shows, for the browser test.
 */
import { Smoother, TrainingCharts } from "./chart.js";
import { DrawPad } from "./draw_pad.js";
import { digitCanvas, renderConvView } from "./map_view.js";
import type { ConvView, FromWorker, ToWorker } from "./messages.js";

/** What the page knows, readable by tests as `window.simdnetDemo`. */
interface DemoState {
  phase: "loading" | "ready" | "training" | "trained" | "error";
  /** The id of the model shown (the picker's value once the worker has built it). */
  model: string;
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
  /** Smoothed speed of the training steps. */
  imagesPerSecond: number;
  msPerBatch: number;
  /** Conv layers drawn, and what their maps show. */
  views: string[];
  viewSource: string;
  /** TensorFlow.js's images per second on the same model and batch size, once measured. */
  tfjsImagesPerSecond: number;
  /** The last run's validation results. */
  evaluation: { count: number; matrixTotal: number; mistakes: number } | null;
  /** How many times the polite live region changed. */
  announcements: number;
  errors: string[];
}

const state: DemoState = {
  phase: "loading", model: "", engine: "", wasmFlavor: "", isolated: false, workers: 1, batches: 0, epochs: [], probabilities: null, predictions: 0,
  imagesPerSecond: 0, msPerBatch: 0, tfjsImagesPerSecond: 0, views: [], viewSource: "", evaluation: null, announcements: 0, errors: [],
};
(window as unknown as { simdnetDemo: DemoState }).simdnetDemo = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: the page has no #${id}`);
  return el as T;
};
const ui = {
  engine: $("engine"),
  platform: $("platform"),
  model: $<HTMLSelectElement>("model"),
  samples: $<HTMLSelectElement>("samples"),
  epochs: $<HTMLInputElement>("epochs"),
  batchSize: $<HTMLInputElement>("batch-size"),
  workers: $<HTMLSelectElement>("workers"),
  train: $<HTMLButtonElement>("train"),
  stop: $<HTMLButtonElement>("stop"),
  progress: $<HTMLProgressElement>("progress"),
  status: $("status"),
  announce: $("announce"),
  speedImages: $("speed-images"),
  speedBatch: $("speed-batch"),
  speedEpoch: $("speed-epoch"),
  compare: $<HTMLButtonElement>("compare"),
  compareResult: $("compare-result"),
  lossCanvas: $<HTMLCanvasElement>("loss-chart"),
  accuracyCanvas: $<HTMLCanvasElement>("accuracy-chart"),
  guess: $("guess"),
  bars: $("bars"),
  seen: $<HTMLCanvasElement>("seen"),
  views: $("views"),
  confusion: $<HTMLTableElement>("confusion"),
  mistakes: $("mistakes"),
  resultsNote: $("results-note"),
  summary: $("summary"),
};

const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
const number = (v: number): string => Math.round(v).toLocaleString("en-US");
const charts = new TrainingCharts(ui.lossCanvas, ui.accuracyCanvas, "training, smoothed");

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

/** Says `text` once to screen readers (a polite live region, changed only at milestones). */
function announce(text: string): void {
  ui.announce.textContent = text;
  state.announcements++;
}

// Train stays focusable while a run is on (aria-disabled, not disabled), so the keyboard
// focus is not thrown back to the top of the page when it is pressed.
const setTrainEnabled = (enabled: boolean): void => {
  ui.train.setAttribute("aria-disabled", String(!enabled));
  ui.compare.setAttribute("aria-disabled", String(!enabled));
};
const trainEnabled = (): boolean => ui.train.getAttribute("aria-disabled") !== "true";

let batchesPerEpoch = 1;
let totalBatches = 1;
let batchSize = 32;
/** The model id of the current or last run. */
let runModel = "";
let lossSmoother = new Smoother(10);
let accuracySmoother = new Smoother(10);
let speedSmoother = new Smoother(20);

ui.train.addEventListener("click", () => {
  if (!trainEnabled()) return;
  try {
    const request: ToWorker = {
      type: "train",
      model: ui.model.value,
      samples: readWhole(ui.samples, "Digits to learn from", 100, 10000),
      epochs: readWhole(ui.epochs, "Epochs", 1, 20),
      batchSize: readWhole(ui.batchSize, "Batch size", 1, 512),
      seed: 1,
      workers: readWhole(ui.workers, "Threads", 1, 2),
    };
    setTrainEnabled(false);
    ui.model.disabled = true; // the run's model stays on the page until it ends
    runModel = request.model;
    ui.stop.disabled = false;
    state.phase = "training";
    ui.status.textContent = "Starting…";
    send(request);
  } catch (e) {
    ui.status.textContent = (e as Error).message;
    announce((e as Error).message);
  }
});
// Picking a model shows its summary and untrained filters at once; Train trains it.
ui.model.addEventListener("change", () => send({ type: "pick", model: ui.model.value }));
ui.stop.addEventListener("click", () => {
  ui.stop.disabled = true;
  ui.status.textContent = "Stopping after this batch…";
  send({ type: "stop" });
  ui.train.focus(); // Stop is disabled now; keep the focus on the run's controls
});

// Drawing: predict while drawing; before training the maps still follow the drawing.
const clearDrawing = (): void => {
  showSeen(null);
  ui.guess.textContent = "Draw a digit in the black square.";
  renderBars(null);
};
const pad = new DrawPad($<HTMLCanvasElement>("pad"), () => {
  const pixels = pad.toMnist();
  showSeen(pixels);
  if (!pixels) return;
  if (state.batches === 0) ui.guess.textContent = "Train the network first (button above), then it will read your digit.";
  send({ type: "predict", pixels });
}, $("pad-cursor"), clearDrawing);
$("clear").addEventListener("click", () => {
  pad.clear();
  clearDrawing();
});
let sampleLabel: number | null = null;
$("sample").addEventListener("click", () => send({ type: "sample" }));
let comparing = false;
ui.compare.addEventListener("click", () => {
  if (ui.compare.getAttribute("aria-disabled") === "true") return;
  try {
    const size = readWhole(ui.batchSize, "Batch size", 1, 512);
    ui.compare.setAttribute("aria-disabled", "true");
    ui.compareResult.textContent = `Loading TensorFlow.js and training ${size}-digit batches…`;
    comparing = true;
    send({ type: "compare", batchSize: size });
  } catch (e) {
    ui.compareResult.textContent = (e as Error).message;
  }
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
  ui.seen.setAttribute("aria-label", pixels ? "The drawing as the network sees it, 28 by 28 pixels" : "The drawing as the network sees it: empty");
}

function renderBars(probabilities: number[] | null): void {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  ui.bars.replaceChildren(
    ...Array.from({ length: 10 }, (_, digit) => {
      const p = probabilities?.[digit] ?? 0;
      const item = Object.assign(document.createElement("div"), { role: "listitem" });
      item.setAttribute("role", "listitem");
      item.setAttribute("aria-label", probabilities ? `${digit}: ${percent(p)}${digit === best ? ", the guess" : ""}` : `${digit}: no prediction yet`);
      const label = Object.assign(document.createElement("span"), { textContent: String(digit) });
      const bar = Object.assign(document.createElement("div"), { className: digit === best ? "bar top" : "bar" });
      bar.style.width = `${p * 100}%`;
      const value = Object.assign(document.createElement("span"), { textContent: percent(p) });
      for (const part of [label, bar, value]) part.setAttribute("aria-hidden", "true");
      item.append(label, bar, value);
      return item;
    }),
  );
}
renderBars(null);

let lastViews: { views: ConvView[]; source: string } | null = null;
function renderViews(): void {
  if (!lastViews) return;
  const { views, source } = lastViews;
  while (ui.views.children.length > views.length) ui.views.lastElementChild?.remove();
  views.forEach((view, i) => {
    let box = ui.views.children[i] as HTMLElement | undefined;
    if (!box) {
      box = document.createElement("div");
      ui.views.append(box);
    }
    box.dataset.layer = view.layer;
    renderConvView(box, view, source, ui.views.clientWidth);
  });
  state.views = views.map((v) => `${v.layer}: ${v.filters.count} filters, ${v.maps.title}`);
  state.viewSource = source;
}
let viewsWidth = 0;
new ResizeObserver(() => {
  if (ui.views.clientWidth !== viewsWidth) {
    viewsWidth = ui.views.clientWidth;
    renderViews();
  }
}).observe(ui.views);

function renderEvaluation(message: Extract<FromWorker, { type: "evaluation" }>): void {
  const head = document.createElement("thead");
  head.innerHTML = `<tr><th scope="col"><span class="visually-hidden">true digit</span></th>${Array.from({ length: 10 }, (_, k) => `<th scope="col">${k}</th>`).join("")}</tr>`;
  const body = document.createElement("tbody");
  const max = Math.max(1, ...message.confusion.flat());
  message.confusion.forEach((row, label) => {
    const tr = document.createElement("tr");
    tr.innerHTML = `<th scope="row">${label}</th>`;
    row.forEach((n, predicted) => {
      const td = document.createElement("td");
      td.textContent = String(n);
      const strength = n / max;
      // Diagonal (right) in blue, mistakes in vermilion, darker for more.
      td.style.background = n === 0 ? "" : predicted === label ? `rgba(0, 114, 178, ${0.15 + 0.6 * strength})` : `rgba(213, 94, 0, ${0.25 + 0.75 * Math.min(1, strength * 8)})`;
      if (n > 0 && strength > 0.5) td.style.color = "#fff";
      td.title = `true ${label}, predicted ${predicted}: ${n}`;
      tr.append(td);
    });
    body.append(tr);
  });
  const caption = document.createElement("caption");
  caption.className = "visually-hidden";
  caption.textContent = "Confusion matrix: rows are the true digits, columns the predictions";
  ui.confusion.replaceChildren(caption, head, body);
  const right = message.confusion.reduce((sum, row, k) => sum + row[k], 0);
  ui.resultsNote.textContent = `${number(message.count)} validation digits, ${number(right)} read right (${percent(right / Math.max(1, message.count))}): true digit in rows, prediction in columns.`;
  ui.mistakes.replaceChildren(
    ...(message.mistakes.length === 0
      ? [Object.assign(document.createElement("p"), { className: "muted", textContent: "None: every validation digit was read right." })]
      : message.mistakes.map((m) => {
        const figure = document.createElement("figure");
        const text = `a ${m.label} read as ${m.predicted} (${percent(m.confidence)} sure)`;
        figure.append(digitCanvas(m.pixels, 56, text), Object.assign(document.createElement("figcaption"), { textContent: `${m.label} → ${m.predicted}` }));
        return figure;
      })),
  );
  state.evaluation = { count: message.count, matrixTotal: message.confusion.flat().reduce((a, b) => a + b, 0), mistakes: message.mistakes.length };
}

function describeCharts(): void {
  const last = state.epochs[state.epochs.length - 1];
  const epochs = totalBatches / batchesPerEpoch;
  if (!last) return;
  const after = `after epoch ${last.epoch + 1} of ${epochs}`;
  ui.lossCanvas.setAttribute("aria-label", `Loss chart, ${after}: training ${last.loss.toFixed(3)}, validation ${last.valLoss.toFixed(3)}${state.epochs.length > 1 ? ` (epoch 1: ${state.epochs[0].loss.toFixed(3)} and ${state.epochs[0].valLoss.toFixed(3)})` : ""}.`);
  ui.accuracyCanvas.setAttribute("aria-label", `Accuracy chart, ${after}: training ${percent(last.accuracy)}, validation ${percent(last.valAccuracy)}.`);
}

function onMessage(message: FromWorker): void {
  switch (message.type) {
    case "ready": {
      state.phase = "ready";
      state.engine = message.engine;
      state.wasmFlavor = message.wasmFlavor;
      state.isolated = message.isolated;
      ui.model.replaceChildren(...message.models.map((m) => new Option(m.label, m.id)));
      state.model = message.models[0]?.id ?? "";
      ui.engine.textContent = `${message.engine}. ${number(message.digits)} digits ready.`;
      const items = [
        `WebAssembly kernels: ${message.wasmFlavor === "simd" ? "SIMD (128-bit)" : "scalar (no SIMD in this browser)"}`,
        `Cross-origin isolated: ${message.isolated ? "yes, so 2 threads share memory" : "no, so 2 threads copy their buffers"}`,
        `CPU threads available: ${message.cores}`,
      ];
      ui.platform.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
      ui.summary.textContent = message.summary;
      ui.status.textContent = "Ready. Choose how long to train, then press Train.";
      setTrainEnabled(true);
      break;
    }
    case "model":
      state.model = message.id;
      ui.summary.textContent = message.summary;
      // A new, untrained model: its guesses are noise until it is trained.
      state.phase = "ready";
      state.batches = 0;
      state.probabilities = null;
      renderBars(null);
      ui.guess.textContent = pad.isEmpty ? "Draw a digit in the black square." : "Train the network first (button above), then it will read your digit.";
      ui.status.textContent = `${ui.model.selectedOptions[0]?.text ?? message.id} picked. Press Train to train it.`;
      break;
    case "started":
      ui.summary.textContent = message.summary;
      state.batches = 0;
      state.epochs = [];
      state.evaluation = null;
      state.workers = message.workers;
      batchesPerEpoch = message.batchesPerEpoch;
      batchSize = message.batchSize;
      totalBatches = message.epochs * batchesPerEpoch;
      lossSmoother = new Smoother(10);
      accuracySmoother = new Smoother(10);
      speedSmoother = new Smoother(20);
      charts.reset(totalBatches, batchesPerEpoch);
      ui.progress.max = totalBatches;
      ui.progress.value = 0;
      announce(`Training started on ${message.workers === 1 ? "1 thread" : `${message.workers} threads`}: ${message.epochs} epochs of ${batchesPerEpoch} batches, on ${number(message.samples - message.validation)} digits, ${number(message.validation)} held out.`);
      break;
    case "batch": {
      const step = message.epoch * batchesPerEpoch + message.batch + 1;
      state.batches = step;
      charts.addBatch(step, lossSmoother.add(message.batchLoss), accuracySmoother.add(message.batchAccuracy));
      ui.progress.value = step;
      const epochs = totalBatches / batchesPerEpoch;
      ui.status.textContent = `Training on ${state.workers === 1 ? "1 thread" : `${state.workers} threads`}: epoch ${message.epoch + 1} of ${epochs}, batch ${message.batch + 1} of ${batchesPerEpoch}. Loss ${message.loss.toFixed(3)}, accuracy ${percent(message.accuracy)}.`;
      const ms = speedSmoother.add(message.ms);
      state.msPerBatch = ms;
      state.imagesPerSecond = (batchSize / ms) * 1000;
      ui.speedImages.textContent = number(state.imagesPerSecond);
      ui.speedBatch.textContent = `${ms.toFixed(1)} (${batchSize} images)`;
      break;
    }
    case "epoch": {
      state.epochs.push({ epoch: message.epoch, loss: message.loss, accuracy: message.accuracy, valLoss: message.valLoss, valAccuracy: message.valAccuracy });
      const step = (message.epoch + 1) * batchesPerEpoch;
      charts.addEpoch(step, message);
      ui.speedEpoch.textContent = `${message.seconds.toFixed(1)} s`;
      describeCharts();
      announce(`Epoch ${message.epoch + 1} of ${totalBatches / batchesPerEpoch} done: validation accuracy ${percent(message.valAccuracy)}.`);
      break;
    }
    case "views":
      lastViews = { views: message.views, source: message.source };
      renderViews();
      break;
    case "done": {
      state.phase = "trained";
      setTrainEnabled(true);
      ui.model.disabled = false;
      ui.stop.disabled = true;
      const last = state.epochs[state.epochs.length - 1];
      const result = last ? ` Validation accuracy ${percent(last.valAccuracy)}.` : "";
      ui.status.textContent = `${message.stopped ? "Stopped" : "Trained"} after ${message.seconds.toFixed(1)} s.${result} Now draw a digit below.`;
      announce(ui.status.textContent);
      if (pad.isEmpty) ui.guess.textContent = "Draw a digit in the black square.";
      break;
    }
    case "evaluation":
      renderEvaluation(message);
      break;
    case "tfjs": {
      comparing = false;
      const theirs = (message.batchSize / message.msPerBatch) * 1000;
      state.tfjsImagesPerSecond = theirs;
      ui.compare.setAttribute("aria-disabled", String(state.phase === "training"));
      // TF.js trains LeNet-5: simdnet's speed stands beside it only for a LeNet-5 run of that batch size.
      const ours = state.msPerBatch > 0 && batchSize === message.batchSize && runModel === "lenet5" ? state.imagesPerSecond : 0;
      const versus = ours > 0 ? ` simdnet: ${number(ours)} images/s, ${(ours / theirs).toFixed(0)}x as fast in this browser.` : " Train LeNet-5 with the same batch size to see simdnet's beside it.";
      ui.compareResult.textContent = `TensorFlow.js ${message.version} (${message.backend} backend): ${number(theirs)} images/s, ${message.msPerBatch.toFixed(0)} ms per batch of ${message.batchSize}.${versus}`;
      announce(ui.compareResult.textContent);
      break;
    }
    case "sample":
      sampleLabel = message.label;
      pad.clear();
      pad.setDigit(message.pixels);
      break;
    case "prediction": {
      state.probabilities = message.probabilities;
      state.predictions++;
      if (state.batches === 0) break; // an untrained guess is noise; the maps still update
      const p = message.probabilities;
      const best = p.indexOf(Math.max(...p));
      const of = sampleLabel === null ? "" : ` (the held-out digit is ${sampleLabel === 8 ? "an" : "a"} ${sampleLabel})`;
      ui.guess.textContent = `It looks like ${best === 8 ? "an" : "a"} ${best} (${percent(p[best])} sure).${of}`;
      renderBars(p);
      break;
    }
    case "error": {
      const neverReady = state.phase === "loading" || (state.phase === "error" && !state.engine);
      state.errors.push(message.message);
      if (state.phase === "loading" || state.phase === "training") state.phase = "error";
      ui.status.textContent = `Something went wrong: ${message.message}`;
      if (comparing) ui.compareResult.textContent = `TensorFlow.js could not be measured: ${message.message}`;
      comparing = false;
      announce(ui.status.textContent);
      setTrainEnabled(!neverReady);
      ui.model.disabled = false;
      ui.stop.disabled = true;
      break;
    }
  }
}

// A drawing replaces the held-out sample's label.
$("pad").addEventListener("pointerdown", () => (sampleLabel = null));
$("pad").addEventListener("keydown", () => (sampleLabel = null));

worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
worker.onerror = (event: ErrorEvent) => onMessage({ type: "error", message: `the training worker failed: ${event.message}` });
