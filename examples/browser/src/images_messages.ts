/** The messages between the image page (images_main.ts) and its worker (images_worker.ts). */

/** A file of the chosen folder and its path inside it, "class/name.jpg" (File objects cross to the worker by structured clone). */
export interface FolderFile {
  file: File;
  path: string;
}

/** Page to worker. */
export type ToImagesWorker =
  /**
   * Decodes and resizes the folder's images (one subfolder per class) into training and
   * validation sets. `decode`: "auto" decodes the training images batch by batch only when
   * holding them all would take more than PRELOAD_LIMIT_BYTES; "batches" always does.
   */
  | { type: "load"; files: FolderFile[]; imageSize: number; validationSplit: number; batchSize: number; seed: number; decode: "auto" | "batches" }
  /** `model`: an id of images_models.ts's IMAGE_MODELS; `augment`: random flips and rotations while training (models that take them). */
  | { type: "train"; model: string; epochs: number; learningRate: number; seed: number; augment: boolean }
  | { type: "stop" }
  /** Classifies one image file with the trained model. */
  | { type: "classify"; file: File; name: string }
  /** Asks for the trained model as a `.keras` file. */
  | { type: "save" };

/** Worker to page. */
export type FromImagesWorker =
  | { type: "ready"; wasmFlavor: string; models: { id: string; label: string; minSize: number; augments: boolean }[] }
  /** The folder is decoded: its classes (Keras's order: sorted folder names), images per class in each subset. */
  /** `perBatch`: the training images are decoded batch by batch while training, not held. */
  | { type: "loaded"; classNames: string[]; trainingCounts: number[]; validationCounts: number[]; imageSize: number; seconds: number; perBatch: boolean }
  | { type: "started"; summary: string; params: number; epochs: number; batchesPerEpoch: number; batchSize: number; training: number; validation: number }
  /** `loss`/`accuracy`: the epoch's running means (as Keras logs them); `ms`: this batch's training step. */
  | { type: "batch"; epoch: number; batch: number; loss: number; accuracy: number; size: number; ms: number }
  | { type: "epoch"; epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number }
  | { type: "done"; stopped: boolean; seconds: number }
  /**
   * One image classified: the probability of each class (in classNames' order) and the
   * image as the network sees it (`size` x `size` RGB, 0..255), for the page to show.
   */
  | { type: "classified"; name: string; probabilities: number[]; classNames: string[]; size: number; pixels: Uint8ClampedArray }
  | { type: "saved"; bytes: Uint8Array; fileName: string }
  /** `during`: what the worker was doing, so the page knows which controls to free. */
  | { type: "error"; during: "start" | "load" | "train" | "classify" | "save"; message: string };
