/** The messages between the demo page (main.ts) and its training worker (worker.ts). */

/** Page to worker. */
export type ToWorker =
  /** `workers`: fit's option, 1 or 2 (the demo's worker plus one nested worker). */
  | { type: "train"; samples: number; epochs: number; batchSize: number; seed: number; workers: number }
  | { type: "stop" }
  /** A 28x28 digit, row-major, 0 (background) to 1 (ink), like MNIST. */
  | { type: "predict"; pixels: Float32Array };

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

/** Worker to page. */
export type FromWorker =
  /** `isolated`: the worker is cross-origin isolated, so fit's workers share memory. */
  | { type: "ready"; engine: string; wasmFlavor: string; summary: string; digits: number; isolated: boolean }
  | { type: "started"; samples: number; epochs: number; batchesPerEpoch: number; workers: number }
  | { type: "batch"; epoch: number; batch: number; loss: number; accuracy: number }
  | { type: "epoch"; epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }
  | { type: "filters"; sets: MapSet[] }
  | { type: "done"; stopped: boolean; seconds: number }
  | { type: "prediction"; probabilities: number[]; maps: MapSet[] }
  | { type: "error"; message: string };
