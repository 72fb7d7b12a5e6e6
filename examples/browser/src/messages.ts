/** The messages between the demo page (main.ts) and its training worker (worker.ts). */

/** Page to worker. */
export type ToWorker =
  /** `model`: an id of models.ts's MODELS; `workers`: fit's option, 1 or 2 (this worker plus one nested worker). */
  | { type: "train"; model: string; samples: number; epochs: number; batchSize: number; seed: number; workers: number }
  | { type: "stop" }
  /** The model picker changed (between runs): show `model`'s summary and untrained filters. */
  | { type: "pick"; model: string }
  /** A 28x28 digit, row-major, 0 (background) to 1 (ink), like MNIST. */
  | { type: "predict"; pixels: Float32Array }
  /** Asks for a digit of the data set to put on the drawing pad. */
  | { type: "sample" }
  /** Measures TensorFlow.js training the same model on `batchSize` digits (loads tfjs_compare.js). */
  | { type: "compare"; batchSize: number };

/** A grid of small pictures for the page: `count` maps of `height` x `width`. */
export interface MapSet {
  title: string;
  count: number;
  height: number;
  width: number;
  /** Maps per row of the grid. */
  columns: number;
  /** Signed values lie in [-1, 1] (weights), unsigned in [0, 1] (relu outputs). */
  signed: boolean;
  /** count * height * width values, map after map, each map row-major. */
  values: Float32Array;
}

/** One convolution layer: its filters and the feature maps they make of one digit, filter k with map k. */
export interface ConvView {
  /** The layer's name and class, e.g. "conv2d_1 (Conv2D)". */
  layer: string;
  /** One picture per filter (summed over the input channels when there are several). */
  filters: MapSet;
  /** The layer's output for the digit shown, one map per filter. */
  maps: MapSet;
  /** Input channels each filter spans. */
  inputChannels: number;
  /** The filter whose map responds most strongly (largest mean activation). */
  strongest: number;
}

/** A validation digit the trained model got wrong. */
export interface Mistake {
  pixels: Float32Array;
  label: number;
  predicted: number;
  confidence: number;
}

/** Worker to page. */
export type FromWorker =
  /** `isolated`: the worker is cross-origin isolated, so fit's workers share memory. */
  | { type: "ready"; models: { id: string; label: string }[]; engine: string; wasmFlavor: string; summary: string; digits: number; isolated: boolean; cores: number }
  /** `summary`: the picked model's `summary({ explain: true })`. */
  | { type: "started"; summary: string; samples: number; epochs: number; batchesPerEpoch: number; workers: number; batchSize: number; validation: number }
  /** `loss`/`accuracy`: the epoch's running means (as Keras logs them); `batchLoss`/`batchAccuracy`: this batch alone; `ms`: its training step. */
  | { type: "batch"; epoch: number; batch: number; loss: number; accuracy: number; batchLoss: number; batchAccuracy: number; size: number; ms: number }
  | { type: "epoch"; epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number }
  /** The model now shown (picked, not yet trained): its `summary({ explain: true })`. */
  | { type: "model"; id: string; summary: string }
  /** Filters and maps of every convolution layer, for `source` ("your drawing" or "a sample digit"). */
  | { type: "views"; views: ConvView[]; source: string }
  | { type: "done"; stopped: boolean; seconds: number }
  | { type: "prediction"; probabilities: number[] }
  | { type: "sample"; pixels: Float32Array; label: number }
  /** The trained model on the validation digits: confusion[label][predicted], and some it got wrong. */
  | { type: "evaluation"; confusion: number[][]; mistakes: Mistake[]; count: number }
  /** TensorFlow.js's training step on the same model and batch size. */
  | { type: "tfjs"; msPerBatch: number; batchSize: number; version: string; backend: string }
  | { type: "error"; message: string };
