/**
 * simdnet's side of the next-scale benchmark (bench/next_scale.ts): ResNet-20 and
 * MobileNetV2 from `applications.*` with the Keras weights of bench/peers/models.ts.
 *
 * Until `applications` is exported from ts/index.ts (the graph models and new layers of
 * issue 8 are merged) {@link simdnetNextScale} reports "pending" with the reason, found at
 * run time: no numbers are made up. Once it exists the same code runs for real.
 */
import * as lib from "../ts/index.js";
import type { Tensor } from "../ts/tensor.js";
import { getCore } from "../ts/wasm/loader.js";
import { measureInterleaved, type Timing } from "./util.js";
import { graphProfiler, type GraphLayerProfile, type ProfiledModel } from "./profile_graph.js";
import { relativeError, type BenchModel } from "./peers/models.js";

/** What the benchmark uses of a simdnet model (the SPEC's `Model`). */
interface SimdnetModel extends ProfiledModel {
  readonly layers: readonly { name: string }[];
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  predict(x: Tensor, options?: { batchSize?: number }): Tensor;
  activations?(x: Tensor, options?: { batchSize?: number }): Tensor[];
  compile(options: { optimizer: string; loss: string }): void;
  fit(x: Tensor, y: Tensor, options: Record<string, unknown>): Promise<unknown>;
  dispose(): void;
}
interface Applications {
  resnet20(options: { inputShape: number[]; classes: number }): SimdnetModel;
  mobileNetV2(options: { alpha: number; inputShape: number[]; classes: number }): SimdnetModel;
}

/** Steps per timed `fit` call at batch 64 (enough to amortize fit's start). */
export const FIT_STEPS = 4;

/** Peers' prepared inference calls, timed interleaved with simdnet's (same load). */
export interface PeerCalls {
  batch64: (() => unknown)[];
  batch1: (() => unknown)[];
}

/** simdnet's numbers for one network. */
export interface SimdnetResult {
  errProbs: number;
  errFeatures: number | null;
  inference64: number;
  latency1Ms: number;
  /** Interleaved peers' timings, in the order of {@link PeerCalls}. */
  peers64: Timing[];
  peers1: Timing[];
  train1: number;
  train2: number;
  /** Speedup of each interleaved round, workers 2 over 1. */
  workerRounds: number[];
  memory: { start: number; afterPredict: number; afterFit: number };
  profile: { train: { layers: GraphLayerProfile[]; lossMs: number; optimizerMs: number }; infer64: GraphLayerProfile[]; infer1: GraphLayerProfile[] } | string;
}

/** The model from `applications`, or why there is none yet. */
function build(net: BenchModel): SimdnetModel | string {
  const apps = (lib as Record<string, unknown>).applications as Partial<Applications> | undefined;
  if (!apps) return "pending: applications not merged";
  const [h, w, c] = net.inputShape;
  if (net.name === "resnet20") {
    if (typeof apps.resnet20 !== "function") return "pending: applications.resnet20 missing";
    return apps.resnet20({ inputShape: [h, w, c], classes: net.classes });
  }
  if (typeof apps.mobileNetV2 !== "function") return "pending: applications.mobileNetV2 missing";
  return apps.mobileNetV2({ alpha: 0.35, inputShape: [h, w, c], classes: net.classes });
}

/** The Keras weights, in Keras's get_weights order, checked against the model's own order. */
export function kerasWeights(net: BenchModel, model: SimdnetModel): Tensor[] {
  const ours = model.getWeights();
  const keras = net.layers.flatMap((l) => l.weights.map((w) => ({ path: `${l.name}/${w.name}`, shape: w.shape })));
  if (ours.length !== keras.length) throw new Error(`simdnetNextScale: ${net.name} has ${ours.length} weight arrays, Keras ${keras.length}`);
  return keras.map((k, i) => {
    const shape = ours[i]!.shape.join("x");
    if (shape !== k.shape.join("x")) throw new Error(`simdnetNextScale: ${net.name} weight ${i} is ${shape}, Keras's ${k.path} is ${k.shape.join("x")}`);
    return lib.tensor(net.weights.get(k.path)!, k.shape);
  });
}

/**
 * simdnet on `net`: checks its outputs against Keras's, times inference at batch 64 and 1
 * interleaved with `peers`, training at batch 64 (Adam, `fit`) with 1 and 2 workers
 * interleaved, wasm memory, and the per-layer profile. Returns a string saying why when
 * simdnet cannot build the network yet.
 */
export async function simdnetNextScale(net: BenchModel, x: Float32Array, y: Float32Array, peers: PeerCalls, runs: number): Promise<SimdnetResult | string> {
  const core = getCore();
  const memStart = core.memoryBytes;
  const model = build(net);
  if (typeof model === "string") return model;
  try {
    model.setWeights(kerasWeights(net, model));
    const shape = [...net.inputShape];
    const checkX = lib.tensor(net.check.x, [net.check.n, ...shape]);
    const errProbs = relativeError(model.predict(checkX).data, net.check.probs);
    let errFeatures: number | null = null;
    const dense = net.layers[net.layers.length - 1]!;
    const featureLayer = model.layers.findIndex((l) => l.name === dense.inbound[0]);
    if (model.activations && featureLayer >= 0) errFeatures = relativeError(model.activations(checkX)[featureLayer]!.data, net.check.features);

    const size = x.length / 64; // x holds 64 images
    const x64 = lib.tensor(x, [64, ...shape]);
    const x1 = lib.tensor(x.subarray(0, size), [1, ...shape]);
    const [ours64, ...peers64] = await measureInterleaved([() => model.predict(x64, { batchSize: 64 }), ...peers.batch64], { warmup: 2, runs });
    const [ours1, ...peers1] = await measureInterleaved([() => model.predict(x1), ...peers.batch1], { warmup: 10, runs, inner: 10 });
    const afterPredict = core.memoryBytes;

    // Training data: FIT_STEPS batches of 64 (the same 64 images repeated).
    const xs = new Float32Array(FIT_STEPS * 64 * size);
    const ys = new Float32Array(FIT_STEPS * 64 * net.classes);
    for (let s = 0; s < FIT_STEPS; s++) {
      xs.set(x, s * 64 * size);
      ys.set(y.subarray(0, 64 * net.classes), s * 64 * net.classes);
    }
    const tx = lib.tensor(xs, [FIT_STEPS * 64, ...shape]);
    const ty = lib.tensor(ys, [FIT_STEPS * 64, net.classes]);
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const fit = (workers: number) => () => model.fit(tx, ty, { batchSize: 64, epochs: 1, verbose: 0, seed: 1, workers });
    await fit(1)();
    // Wasm memory only grows: its size after a training fit is the peak of training.
    const afterFit = core.memoryBytes;
    const rounds: number[] = [];
    const t = await measureInterleaved([fit(1), fit(2)], { warmup: 1, runs });
    // measureInterleaved keeps medians only: one more short pass gives per-round ratios.
    for (let r = 0; r < 3; r++) {
      const a = performance.now();
      await fit(1)();
      const b = performance.now();
      await fit(2)();
      rounds.push((b - a) / (performance.now() - b));
    }
    const images = FIT_STEPS * 64;
    const profiler = await graphProfiler(core, model, net.layers);
    const profile =
      typeof profiler === "string"
        ? profiler
        : { train: profiler.training(64, 5), infer64: profiler.inference(64, 5), infer1: profiler.inference(1, 50, 10) };
    return {
      errProbs,
      errFeatures,
      inference64: (64 * 1000) / ours64!.median,
      latency1Ms: ours1!.median,
      peers64,
      peers1,
      train1: (images * 1000) / t[0]!.median,
      train2: (images * 1000) / t[1]!.median,
      workerRounds: rounds,
      memory: { start: memStart, afterPredict, afterFit },
      profile,
    };
  } finally {
    model.dispose();
  }
}
