/**
 * The image page: a folder of class folders is chosen (`<input webkitdirectory>`) or
 * dropped (walked with `datasets.filesFromEntries`), decoded and trained on in
 * images_worker.ts, then single pictures are classified and the model saved as a `.keras`
 * download. This thread only draws and walks dropped folders (FileSystemEntry objects
 * cannot be sent to a worker; File objects can).
 *
 * URL parameters pre-fill the controls (`?imageSize=32&epochs=3&batchSize=16&model=cnn`);
 * `?decode=batches` decodes the training images batch by batch even for a small folder.
 * `window.simdnetImages` mirrors what the page shows, for the browser test.
 */
import { Smoother, TrainingCharts } from "./chart.js";
import { connectClassByClass, connectFolderInputs, dropZone } from "./images_inputs.js";
import type { FolderFile, FromImagesWorker, ToImagesWorker } from "./images_messages.js";
import { download, number, percent, renderBars, renderClasses, showSeen } from "./images_view.js";

/** What the page knows, readable by tests as `window.simdnetImages`. */
interface ImagesState {
  phase: "starting" | "ready" | "decoding" | "loaded" | "training" | "trained" | "error";
  wasmFlavor: string;
  /** Whether the training images are decoded batch by batch (a large folder, or `?decode=batches`). */
  perBatch: boolean;
  /** Files given by the last choice or drop (all of them, images or not). */
  files: number;
  classNames: string[];
  trainingCounts: number[];
  validationCounts: number[];
  batches: number;
  epochs: { epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }[];
  imagesPerSecond: number;
  /** The last picture classified, its class probabilities and the best class. */
  classified: { name: string; probabilities: number[]; best: string } | null;
  classifications: number;
  saved: { fileName: string; bytes: number } | null;
  announcements: number;
  /** Folders and pictures refused (bad input, said on the page), oldest first. */
  refusals: string[];
  /** Answers to folders given: loaded or refused. */
  folderAnswers: number;
  /** Failures that are not the visitor's input (training, saving, starting). */
  errors: string[];
}

const state: ImagesState = {
  phase: "starting", wasmFlavor: "", perBatch: false, files: 0, classNames: [], trainingCounts: [], validationCounts: [], batches: 0, epochs: [],
  imagesPerSecond: 0, classified: null, classifications: 0, saved: null, announcements: 0, refusals: [], folderAnswers: 0, errors: [],
};
(window as unknown as { simdnetImages: ImagesState }).simdnetImages = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`image page: no #${id}`);
  return el as T;
};
const ui = {
  engine: $("engine"),
  folder: $<HTMLInputElement>("folder"),
  folderDrop: $("folder-drop"),
  imageSize: $<HTMLSelectElement>("image-size"),
  validation: $<HTMLSelectElement>("validation"),
  batchSize: $<HTMLInputElement>("batch-size"),
  loadStatus: $("load-status"),
  classes: $<HTMLTableElement>("classes"),
  model: $<HTMLSelectElement>("model"),
  epochs: $<HTMLInputElement>("epochs"),
  learningRate: $<HTMLSelectElement>("learning-rate"),
  augment: $<HTMLInputElement>("augment"),
  train: $<HTMLButtonElement>("train"),
  stop: $<HTMLButtonElement>("stop"),
  progress: $<HTMLProgressElement>("progress"),
  status: $("status"),
  announce: $("announce"),
  speedImages: $("speed-images"),
  speedBatch: $("speed-batch"),
  speedEpoch: $("speed-epoch"),
  lossCanvas: $<HTMLCanvasElement>("loss-chart"),
  accuracyCanvas: $<HTMLCanvasElement>("accuracy-chart"),
  image: $<HTMLInputElement>("image"),
  imageDrop: $("image-drop"),
  seen: $<HTMLCanvasElement>("seen"),
  guess: $("guess"),
  bars: $("bars"),
  save: $<HTMLButtonElement>("save"),
  saveStatus: $("save-status"),
  summary: $("summary"),
};

const charts = new TrainingCharts(ui.lossCanvas, ui.accuracyCanvas, "training, running mean");

const worker = new Worker(new URL("./images_worker.js", import.meta.url), { type: "module" });
const send = (message: ToImagesWorker): void => worker.postMessage(message);

const params = new URLSearchParams(location.search);
for (const [param, control] of [["imageSize", ui.imageSize], ["epochs", ui.epochs], ["batchSize", ui.batchSize], ["learningRate", ui.learningRate]] as const) {
  const value = params.get(param);
  if (value === null) continue;
  if (control instanceof HTMLSelectElement && !Array.from(control.options).some((o) => o.value === value)) control.add(new Option(`${value} (from the URL)`, value));
  control.value = value;
}

function readWhole(input: HTMLInputElement | HTMLSelectElement, name: string, min: number, max: number): number {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}; it is "${input.value}"`);
  return value;
}

/** Says `text` once to screen readers (a polite live region, changed only at milestones). */
function announce(text: string): void {
  ui.announce.textContent = text;
  state.announcements++;
}

// Buttons stay focusable while unavailable (aria-disabled), so pressing one does not throw
// the keyboard focus back to the top of the page.
const setEnabled = (button: HTMLButtonElement, enabled: boolean): void => button.setAttribute("aria-disabled", String(!enabled));
const enabled = (button: HTMLButtonElement): boolean => button.getAttribute("aria-disabled") !== "true";
const refreshButtons = (): void => {
  setEnabled(ui.train, state.phase === "loaded" || state.phase === "trained");
  setEnabled(ui.save, state.phase === "trained");
};

// ---- 1. The folder: chosen or dropped, then decoded in the worker ----

/** The files of the last folder, kept so that a new image size or split decodes them again. */
let folderFiles: FolderFile[] = [];

function loadFolder(files: FolderFile[]): void {
  if (state.phase === "training") {
    ui.loadStatus.textContent = "Stop training before choosing another folder.";
    return;
  }
  folderFiles = files;
  state.files = files.length;
  state.classNames = [];
  ui.classes.hidden = true;
  if (files.length === 0) {
    ui.loadStatus.textContent = "That folder holds no files. Choose a folder with one subfolder per class, each holding that class's pictures.";
    state.phase = state.wasmFlavor ? "ready" : "starting";
    refreshButtons();
    return;
  }
  try {
    const request: ToImagesWorker = {
      type: "load", files, imageSize: readWhole(ui.imageSize, "Image size", 8, 512),
      validationSplit: Number(ui.validation.value), batchSize: readWhole(ui.batchSize, "Batch size", 1, 256), seed: 1,
      decode: params.get("decode") === "batches" ? "batches" : "auto",
    };
    state.phase = "decoding";
    refreshButtons();
    ui.loadStatus.textContent = `Reading ${number(files.length)} files…`;
    send(request);
  } catch (e) {
    ui.loadStatus.textContent = (e as Error).message;
  }
}

connectFolderInputs({ folder: ui.folder, drop: ui.folderDrop, onFiles: loadFolder, say: (text) => (ui.loadStatus.textContent = text) });
connectClassByClass({
  name: $<HTMLInputElement>("class-name"), files: $<HTMLInputElement>("class-files"), add: $<HTMLButtonElement>("add-class"),
  clear: $<HTMLButtonElement>("clear-classes"), status: $("by-class-status"),
  onFiles: (files) => {
    ui.folder.value = ""; // the classes replace a chosen folder
    loadFolder(files);
  },
});

// A new size or split decodes the same files again.
for (const control of [ui.imageSize, ui.validation, ui.batchSize]) {
  control.addEventListener("change", () => {
    if (folderFiles.length > 0 && state.phase !== "training" && state.phase !== "decoding") loadFolder(folderFiles);
  });
}

// ---- 2. Training ----

let batchesPerEpoch = 1;
let totalBatches = 1;
let batchSize = 16;
/** Milliseconds per full batch, averaged over about the last 10 (chart.ts's Smoother, as the digits page). */
let speed = new Smoother(19);

ui.train.addEventListener("click", () => {
  if (!enabled(ui.train)) return;
  try {
    const request: ToImagesWorker = {
      type: "train", model: ui.model.value, epochs: readWhole(ui.epochs, "Epochs", 1, 100), learningRate: Number(ui.learningRate.value), seed: 1,
      augment: ui.augment.checked && !ui.augment.disabled,
    };
    state.phase = "training";
    refreshButtons();
    ui.stop.disabled = false;
    for (const control of [ui.model, ui.augment, ui.folder, ui.imageSize, ui.validation, ui.batchSize]) control.disabled = true;
    ui.status.textContent = "Building the model…";
    send(request);
  } catch (e) {
    ui.status.textContent = (e as Error).message;
    announce((e as Error).message);
  }
});
ui.stop.addEventListener("click", () => {
  ui.stop.disabled = true;
  ui.status.textContent = "Stopping after this batch…";
  send({ type: "stop" });
  ui.train.focus(); // Stop is disabled now; keep the focus on the run's controls
});

/** Models that take the augmentation layers (from the worker's list). */
let augmenting = new Set<string>();
/** Augment is offered only for models that take it. */
function refreshAugment(): void {
  ui.augment.disabled = !augmenting.has(ui.model.value);
  ui.augment.title = ui.augment.disabled ? "This model takes no augmentation layers" : "";
}
ui.model.addEventListener("change", refreshAugment);
if (params.get("augment") === "1") ui.augment.checked = true;

function endRun(): void {
  ui.stop.disabled = true;
  for (const control of [ui.model, ui.folder, ui.imageSize, ui.validation, ui.batchSize]) control.disabled = false;
  refreshAugment();
  refreshButtons();
}

function describeCharts(): void {
  const last = state.epochs[state.epochs.length - 1];
  if (!last) return;
  const after = `after epoch ${last.epoch + 1} of ${totalBatches / batchesPerEpoch}`;
  ui.lossCanvas.setAttribute("aria-label", `Loss chart, ${after}: training ${last.loss.toFixed(3)}, validation ${last.valLoss.toFixed(3)}.`);
  ui.accuracyCanvas.setAttribute("aria-label", `Accuracy chart, ${after}: training ${percent(last.accuracy)}, validation ${percent(last.valAccuracy)}.`);
}

// ---- 3. Classifying a picture ----

function classify(file: File | undefined): void {
  if (!file) return;
  if (state.phase !== "trained") {
    ui.guess.textContent = state.phase === "training" ? "Wait for training to finish, then give it the picture again." : "Train the network first, then give it a picture.";
    return;
  }
  ui.guess.textContent = `Reading ${file.name}…`;
  send({ type: "classify", file, name: file.name });
}
ui.image.addEventListener("change", () => {
  classify(ui.image.files?.[0]);
  ui.image.value = ""; // so that choosing the same picture again (after training more) classifies it again
});
dropZone(ui.imageDrop, (data) => {
  if (data.files.length !== 1) {
    ui.guess.textContent = `Drop one picture at a time (${data.files.length} were dropped).`;
    return;
  }
  classify(data.files[0]);
});

// ---- 4. Saving ----

ui.save.addEventListener("click", () => {
  if (!enabled(ui.save)) return;
  setEnabled(ui.save, false);
  ui.saveStatus.textContent = "Writing the file…";
  send({ type: "save" });
});

// ---- The worker's answers ----

function onMessage(message: FromImagesWorker): void {
  switch (message.type) {
    case "ready":
      state.phase = "ready";
      state.wasmFlavor = message.wasmFlavor;
      ui.model.replaceChildren(...message.models.map((m) => new Option(m.label, m.id)));
      if (params.get("model")) ui.model.value = params.get("model") as string;
      augmenting = new Set(message.models.filter((m) => m.augments).map((m) => m.id));
      refreshAugment();
      ui.engine.textContent = `Ready: simdnet's ${message.wasmFlavor === "simd" ? "SIMD" : "scalar (no SIMD in this browser)"} WebAssembly kernels, in a background thread.`;
      break;
    case "loaded": {
      state.phase = "loaded";
      state.folderAnswers++;
      state.classNames = message.classNames;
      state.trainingCounts = message.trainingCounts;
      state.validationCounts = message.validationCounts;
      state.perBatch = message.perBatch;
      renderClasses(ui.classes, message.classNames, message.trainingCounts, message.validationCounts);
      const training = message.trainingCounts.reduce((a, b) => a + b, 0);
      const validation = message.validationCounts.reduce((a, b) => a + b, 0);
      ui.loadStatus.textContent = `${message.classNames.length} classes, ${number(training + validation)} images (${number(training)} to train on, ${number(validation)} held out), ${message.perBatch ? `read in ${message.seconds.toFixed(1)} s; the training images will be decoded batch by batch as they train (too many to hold at ${message.imageSize}x${message.imageSize})` : `decoded at ${message.imageSize}x${message.imageSize} in ${message.seconds.toFixed(1)} s`}.`;
      ui.status.textContent = "Ready to train: press Train.";
      refreshButtons();
      break;
    }
    case "started":
      state.batches = 0;
      state.epochs = [];
      batchesPerEpoch = message.batchesPerEpoch;
      batchSize = message.batchSize;
      totalBatches = message.epochs * batchesPerEpoch;
      speed = new Smoother(19);
      charts.reset(totalBatches, batchesPerEpoch);
      ui.progress.max = totalBatches;
      ui.progress.value = 0;
      ui.summary.textContent = message.summary;
      announce(`Training started: ${message.epochs} epochs of ${batchesPerEpoch} batches, a model of ${number(message.params)} parameters, on ${number(message.training)} images, ${number(message.validation)} held out.`);
      break;
    case "batch": {
      const step = message.epoch * batchesPerEpoch + message.batch + 1;
      state.batches = step;
      charts.addBatch(step, message.loss, message.accuracy);
      ui.progress.value = step;
      ui.status.textContent = `Epoch ${message.epoch + 1} of ${totalBatches / batchesPerEpoch}, batch ${message.batch + 1} of ${batchesPerEpoch}. Loss ${message.loss.toFixed(3)}, accuracy ${percent(message.accuracy)}.`;
      // Full batches only: the last one of an epoch may be short.
      if (message.size === batchSize) {
        const ms = speed.add(message.ms);
        state.imagesPerSecond = (batchSize / ms) * 1000;
        ui.speedImages.textContent = number(state.imagesPerSecond);
        ui.speedBatch.textContent = `${ms.toFixed(1)} (${batchSize} images)`;
      }
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
    case "done": {
      state.phase = "trained";
      endRun();
      const last = state.epochs[state.epochs.length - 1];
      const result = last ? ` Validation accuracy ${percent(last.valAccuracy)}.` : "";
      ui.status.textContent = `${message.stopped ? "Stopped" : "Trained"} after ${message.seconds.toFixed(1)} s.${result} Now give it a picture below.`;
      announce(ui.status.textContent);
      ui.saveStatus.textContent = "";
      ui.guess.textContent = "Drop or choose a picture to classify.";
      break;
    }
    case "classified": {
      const best = message.probabilities.indexOf(Math.max(...message.probabilities));
      state.classified = { name: message.name, probabilities: message.probabilities, best: message.classNames[best]! };
      state.classifications++;
      showSeen(ui.seen, message.size, message.pixels, message.name);
      ui.guess.textContent = `${message.name} looks like ${message.classNames[best]} (${percent(message.probabilities[best]!)} sure).`;
      renderBars(ui.bars, message.classNames, message.probabilities);
      break;
    }
    case "saved":
      state.saved = { fileName: message.fileName, bytes: message.bytes.length };
      download(message.bytes, message.fileName);
      ui.saveStatus.textContent = `Saved ${message.fileName} (${number(message.bytes.length / 1024)} KB) to your downloads.`;
      refreshButtons();
      break;
    case "error": {
      if (message.during === "load" || message.during === "classify") state.refusals.push(message.message);
      else state.errors.push(message.message);
      const text = `Something went wrong: ${message.message}`;
      if (message.during === "load") {
        // The folder was refused (no subfolders, an empty class, an undecodable file): say which, and wait for another.
        state.phase = "ready";
        state.folderAnswers++;
        ui.loadStatus.textContent = `This folder cannot be used: ${message.message}`;
        announce(ui.loadStatus.textContent);
      } else if (message.during === "classify") {
        ui.guess.textContent = `That picture cannot be classified: ${message.message}`;
      } else if (message.during === "save") {
        ui.saveStatus.textContent = `The model could not be saved: ${message.message}`;
      } else if (message.during === "train") {
        state.phase = state.classNames.length > 0 ? "loaded" : "ready";
        ui.status.textContent = text;
        announce(text);
        endRun();
      } else {
        state.phase = "error";
        ui.engine.textContent = `The WebAssembly kernels could not start: ${message.message}`;
      }
      refreshButtons();
      break;
    }
  }
}

worker.onmessage = (event: MessageEvent<FromImagesWorker>) => onMessage(event.data);
worker.onerror = (event: ErrorEvent) => onMessage({ type: "error", during: "start", message: `the worker failed: ${event.message}` });
