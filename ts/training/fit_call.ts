/**
 * One `fit` call around the training loop (fit.ts): first every argument is checked and
 * turned into settings, feeders and callbacks, before the model changes at all; then the
 * loop runs, its batch gradients computed on this thread or, with `workers` > 1, shared
 * with worker threads (ts/parallel/).
 */
import { CallbackList } from "../callbacks/callback_list.js";
import { History } from "../callbacks/history.js";
import { isBatchSource, type BatchSource } from "../data/batch_source.js";
import type { LayerDescriptor } from "../io/topology.js";
import { startDataParallel, type DataParallel } from "../parallel/data_parallel.js";
import { Random, randomSeed } from "../random.js";
import type { Tensor } from "../tensor.js";
import { fitFeeders, type Feeder } from "./data.js";
import { fitSettings, trainLoop, type FitArgs, type FitSettings, type Trainee } from "./fit.js";
import type { Loss } from "./losses.js";

/** A checked `fit` call. */
export interface PreparedFit {
  settings: FitSettings;
  train: Feeder;
  validation: Feeder | null;
  /** The user's callbacks, then {@link history}. */
  callbacks: CallbackList;
  history: History;
}

/** The model being trained, as the data-parallel workers rebuild it. */
export interface FitModel {
  layers: readonly LayerDescriptor[];
  /** Per layer, the values it reads (the model's graph, see ../model/graph.ts). */
  inbound: readonly (readonly number[])[];
  /** Per layer, whether it is trainable (fixes the replicas' weight layout). */
  trainable: readonly boolean[];
  inputShape: readonly number[];
  loss: Loss;
}

/**
 * Checks `fit(x, y, options)` or `fit(source, options)` for a model with `inputShape`
 * and `outputShape` trained on `loss`; throws before anything changes.
 */
export function prepareFit(
  x: Tensor | BatchSource, y: Tensor | FitArgs | undefined, options: FitArgs | undefined,
  loss: Loss, inputShape: readonly number[], outputShape: readonly number[],
): PreparedFit {
  const source = isBatchSource(x) ? x : null;
  const args = source ? (y as FitArgs | undefined) : options;
  // fit(generator.flow(x, y), y, options) is a natural slip coming from fit(x, y, options).
  if (source && (options !== undefined || (typeof y === "object" && y !== null && "data" in y && "shape" in y))) {
    throw new Error("fit: x is a BatchSource (e.g. generator.flow(x, y)), which carries its own labels; call fit(source, options) without y");
  }
  if (source && args?.shuffle !== undefined) {
    throw new Error("fit: shuffle does not apply to a BatchSource, which decides its own order (pass shuffle to flow() or arraySource())");
  }
  const settings = fitSettings(args, source ? source.batchSize : 32);
  const { train, validation } = fitFeeders(source ?? (x as Tensor), source ? null : (y as Tensor), settings, loss, inputShape, outputShape);
  const callbacks = new CallbackList(settings.callbacks);
  const history = new History();
  callbacks.append(history);
  return { settings, train, validation, callbacks, history };
}

/**
 * Trains `trainee` as `fit` prepared; resolves with the History. Worker threads, if
 * any, are closed whether training succeeds or throws; undoing a failed run's updates
 * is the caller's (it owns the weights).
 */
export async function runFit(trainee: Trainee, fit: PreparedFit, model: FitModel): Promise<History> {
  const s = fit.settings;
  const { runner } = trainee;
  const random = new Random(s.seed ?? randomSeed());
  for (let i = 0; i < runner.seeds.length; i++) runner.seeds[i] = random.seed();
  let parallel: DataParallel | null = null;
  try {
    if (s.workers > 1) {
      parallel = await startDataParallel({
        workers: s.workers, layers: model.layers, inbound: model.inbound, trainable: model.trainable, layout: [...trainee.store.trainable],
        inputShape: model.inputShape, loss: model.loss, batch: s.batchSize,
        core: trainee.core, runner, store: trainee.store,
      });
    }
    await trainLoop({ ...trainee, parallel }, fit.train, fit.validation, s, random, fit.callbacks, (line) => console.log(line));
  } finally {
    await parallel?.close();
  }
  return fit.history;
}
