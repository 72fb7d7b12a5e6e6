/**
 * The image page's Web Worker: decodes the chosen folder with `datasets.imageFolderFromFiles`
 * (the platform's `createImageBitmap`, which workers have), trains the picked model on it,
 * classifies single images and writes the `.keras` file, so the page's main thread only
 * draws. The fit callback awaits a macrotask after every batch, so "stop" is handled
 * while training.
 */
import { datasets, init, optimizers, toKerasFile, type Callback, type CallbackModel, type Logs, type Model, type Tensor } from "simdnet";
import { IMAGE_MODELS } from "./images_models.js";
import type { FromImagesWorker, ToImagesWorker } from "./images_messages.js";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromImagesWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

/** Above this (a guess from the file count, before decoding), the training images are decoded per batch rather than held: 512 MiB. */
const PRELOAD_LIMIT_BYTES = 512 * 2 ** 20;

/** The extensions imageFolderFromFiles reads; other files in the folder are skipped, as Keras skips them. */
const IMAGE_FILE = /\.(png|jpe?g|bmp|gif)$/i;

/** What imageFolderFromFiles returns for one subset. */
type ImageFolderSource = Awaited<ReturnType<typeof datasets.imageFolderFromFiles>>;

interface Loaded {
  training: ImageFolderSource;
  validation: ImageFolderSource;
  /** The validation images as tensors, for fit's validationData. */
  validationData: [Tensor, Tensor];
  classNames: string[];
  imageSize: number;
}

let loaded: Loaded | null = null;
let model: Model | null = null;
/** The classes and image size the current model was trained for. */
let trainedFor: { classNames: string[]; imageSize: number } | null = null;
let training = false;
let stopRequested = false;

function counts(source: ImageFolderSource, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const label of source.labels) out[label]++;
  return out;
}

async function load(request: Extract<ToImagesWorker, { type: "load" }>): Promise<void> {
  if (training) throw new Error("a new folder cannot be loaded while training; stop first");
  const started = performance.now();
  const options = {
    imageSize: [request.imageSize, request.imageSize] as [number, number], validationSplit: request.validationSplit,
    seed: request.seed, batchSize: request.batchSize, labelMode: "int" as const, colorMode: "rgb" as const,
  };
  // The validation images are always held (fit's validationData is tensors); the training
  // ones too, unless that would take too much memory: then fit decodes them batch by batch.
  const bytes = request.files.length * request.imageSize * request.imageSize * 3 * 4;
  const perBatch = request.decode === "batches" || bytes > PRELOAD_LIMIT_BYTES;
  const trainSource = await datasets.imageFolderFromFiles(request.files, { ...options, subset: "training", preload: !perBatch });
  const validation = await datasets.imageFolderFromFiles(request.files, { ...options, subset: "validation" });
  const classNames = [...(trainSource.classNames ?? [])];
  if (classNames.length < 2) throw new Error(`the folder has one class (${classNames.join("")}); a classifier needs at least two class folders`);
  const { x, y } = validation.toTensors();
  loaded = { training: trainSource, validation, validationData: [x, y as Tensor], classNames, imageSize: request.imageSize };
  post({
    type: "loaded", classNames, trainingCounts: counts(trainSource, classNames.length), validationCounts: counts(validation, classNames.length),
    imageSize: request.imageSize, seconds: (performance.now() - started) / 1000, perBatch,
  });
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Reports fit's progress to the page and stops it on request, through the callback model, as a Keras callback would. */
class PageReporter implements Callback {
  private model: CallbackModel | null = null;
  private batchStarted = 0;
  private epochStarted = 0;
  private epoch = 0;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStarted = performance.now();
  }

  onBatchBegin(): void {
    this.batchStarted = performance.now();
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    const ms = performance.now() - this.batchStarted;
    post({ type: "batch", epoch: this.epoch, batch, loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN, size: logs.size ?? 1, ms });
    await nextTask(); // let "stop" in
    if (stopRequested && this.model) this.model.stopTraining = true;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const seconds = (performance.now() - this.epochStarted) / 1000;
    post({ type: "epoch", epoch, loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN, valLoss: logs.val_loss ?? NaN, valAccuracy: logs.val_accuracy ?? NaN, seconds });
  }
}

async function train(request: Extract<ToImagesWorker, { type: "train" }>): Promise<void> {
  if (!loaded) throw new Error("choose or drop a folder of images first");
  const entry = IMAGE_MODELS[request.model];
  if (!entry) throw new Error(`unknown model "${request.model}"; expected one of ${Object.keys(IMAGE_MODELS).join(", ")}`);
  if (loaded.imageSize < entry.minSize) throw new Error(`${entry.label} needs images of at least ${entry.minSize}x${entry.minSize}; pick a larger image size`);
  const data = loaded;
  if (request.augment && !entry.augments) throw new Error(`${entry.label} takes no augmentation layers; untick Augment or pick the small CNN`);
  const next = await entry.create(data.imageSize, data.classNames.length, request.seed, request.augment);
  next.compile({ optimizer: optimizers.adam({ learningRate: request.learningRate }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  model?.dispose(); // the previous run's weights live in wasm memory
  model = next;
  trainedFor = { classNames: data.classNames, imageSize: data.imageSize };
  training = true;
  stopRequested = false;
  const started = performance.now();
  post({
    type: "started", summary: next.summary({ print: () => {} }), params: next.countParams(), epochs: request.epochs,
    batchesPerEpoch: Math.ceil(data.training.length / data.training.batchSize), batchSize: data.training.batchSize,
    training: data.training.length, validation: data.validation.length,
  });
  try {
    await next.fit(data.training, { epochs: request.epochs, validationData: data.validationData, seed: request.seed, verbose: 0, callbacks: [new PageReporter()] });
  } finally {
    training = false;
  }
  post({ type: "done", stopped: stopRequested, seconds: (performance.now() - started) / 1000 });
}

async function classify(request: Extract<ToImagesWorker, { type: "classify" }>): Promise<void> {
  if (!model || !trainedFor) throw new Error("train a model first, then classify an image");
  if (!IMAGE_FILE.test(request.name)) throw new Error(`${request.name} is not a PNG, JPEG, BMP or GIF file (by its name); choose an image file`);
  const { imageSize, classNames } = trainedFor;
  // One image as its own folder without labels: decoded and resized exactly as the training images were.
  const source = await datasets.imageFolderFromFiles([{ file: request.file, path: `image/${request.name.replaceAll("/", "_")}` }], {
    imageSize: [imageSize, imageSize], labelMode: null, shuffle: false, colorMode: "rgb",
  });
  const { x } = source.toTensors();
  const probabilities = Array.from(model.predict(x).data);
  post({ type: "classified", name: request.name, probabilities, classNames, size: imageSize, pixels: Uint8ClampedArray.from(x.data) });
}

async function save(): Promise<void> {
  if (!model) throw new Error("train a model first, then save it");
  if (training) throw new Error("the model is saved between runs; stop training first");
  const bytes = await toKerasFile(model);
  post({ type: "saved", bytes, fileName: `${model.name}.keras` }, [bytes.buffer as ArrayBuffer]);
}

const fail = (during: Extract<FromImagesWorker, { type: "error" }>["during"]) => (e: unknown): void =>
  post({ type: "error", during, message: e instanceof Error ? e.message : String(e) });

scope.onmessage = (event: MessageEvent<ToImagesWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "load":
      load(message).catch(fail("load"));
      break;
    case "train":
      if (training) {
        fail("train")(new Error("already training; stop first"));
        break;
      }
      train(message).catch(fail("train"));
      break;
    case "stop":
      // The reporter passes this on to fit after the batch it is waiting in.
      stopRequested = training;
      break;
    case "classify":
      classify(message).catch(fail("classify"));
      break;
    case "save":
      save().catch(fail("save"));
      break;
  }
};

init()
  .then((info) => post({ type: "ready", wasmFlavor: info.flavor, models: Object.entries(IMAGE_MODELS).map(([id, m]) => ({ id, label: m.label, minSize: m.minSize, augments: m.augments })) }))
  .catch(fail("start"));
