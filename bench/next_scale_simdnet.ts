/**
 * simdnet's side of the next-scale benchmark (bench/next_scale.ts): ResNet-20 and
 * MobileNetV2 from `applications.*` with the Keras weights of bench/peers/models.ts.
 *
 * Training is timed per step (a callback's batch-end times), in fit calls of
 * {@link FIT_STEPS} steps alternating between 1 and 2 workers: the steady-state step
 * (each fit's first step dropped: the workers' replicas touch their memory for the first
 * time there) gives the images/s, and each two-worker fit's start-up (worker threads
 * started, replicas built: before the first batch) is reported beside it, since a short
 * fit pays it once. Every timed two-worker fit starts cold (parked workers released
 * first); a fit right after another one takes its parked workers back (ts/parallel/pool.ts),
 * whose start-up is reported too.
 */
import * as lib from "../ts/index.js";
import type { Tensor } from "../ts/tensor.js";
import { releaseWorkers } from "../ts/parallel/pool.js";
import { getCore } from "../ts/wasm/loader.js";
import { measureInterleaved, median, type Timing } from "./util.js";
import { graphProfiler, type GraphLayerProfile } from "./profile_graph.js";
import { relativeError, type BenchModel } from "./peers/models.js";

type SimdnetModel = lib.Model;

/** Steps per timed `fit` call at batch 64 (the first of each is not counted). */
export const FIT_STEPS = 6;

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
  /** Images/s of the median steady-state step, 1 and 2 workers. */
  train1: number;
  train2: number;
  /** Speedup of each interleaved round (median steps), workers 2 over 1. */
  workerRounds: number[];
  /** Median time from a two-worker fit() call to its first batch: cold (workers started, replicas built), and with the workers parked by the fit before. */
  startup2Ms: number;
  startupWarmMs: number;
  /** Whole fit calls of FIT_STEPS steps, start-up included: median ms, 1 and 2 workers. */
  fitCallMs: [number, number];
  profile: { train: { layers: GraphLayerProfile[]; lossMs: number; optimizerMs: number }; infer64: GraphLayerProfile[]; infer1: GraphLayerProfile[] };
}

/** The network from `applications`. */
function build(net: BenchModel): SimdnetModel {
  const [h, w, c] = net.inputShape;
  if (net.name === "resnet20") return lib.applications.resnet20({ inputShape: [h, w, c], classes: net.classes });
  return lib.applications.mobileNetV2({ alpha: 0.35, inputShape: [h, w, c], classes: net.classes });
}

/** One fit call's steady-state step times (first step dropped), its start-up and its whole time. */
async function timedFit(model: SimdnetModel, x: Tensor, y: Tensor, workers: number): Promise<{ steps: number[]; startMs: number; totalMs: number }> {
  const steps: number[] = [];
  const began = performance.now();
  let startMs = 0;
  let last = 0;
  await model.fit(x, y, {
    batchSize: 64, epochs: 1, verbose: 0, seed: 1, workers,
    callbacks: [{
      onTrainBegin: () => {
        last = performance.now();
        startMs = last - began;
      },
      onBatchEnd: (b: number) => {
        const now = performance.now();
        if (b > 0) steps.push(now - last);
        last = now;
      },
    }],
  });
  return { steps, startMs, totalMs: performance.now() - began };
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
 * interleaved (see the module doc), and the per-layer profile.
 */
export async function simdnetNextScale(net: BenchModel, x: Float32Array, y: Float32Array, peers: PeerCalls, runs: number): Promise<SimdnetResult> {
  const core = getCore();
  const model = build(net);
  try {
    model.setWeights(kerasWeights(net, model));
    const shape = [...net.inputShape];
    const checkX = lib.tensor(net.check.x, [net.check.n, ...shape]);
    const errProbs = relativeError(model.predict(checkX).data, net.check.probs);
    let errFeatures: number | null = null;
    const dense = net.layers[net.layers.length - 1]!;
    const featureLayer = model.layers.findIndex((l) => l.name === dense.inbound[0]);
    if (featureLayer >= 0) errFeatures = relativeError(model.activations(checkX)[featureLayer]!.data, net.check.features);

    const size = x.length / 64; // x holds 64 images
    const x64 = lib.tensor(x, [64, ...shape]);
    const x1 = lib.tensor(x.subarray(0, size), [1, ...shape]);
    const [ours64, ...peers64] = await measureInterleaved([() => model.predict(x64, { batchSize: 64 }), ...peers.batch64], { warmup: 2, runs });
    const [ours1, ...peers1] = await measureInterleaved([() => model.predict(x1), ...peers.batch1], { warmup: 10, runs, inner: 10 });

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
    await timedFit(model, tx, ty, 1);
    await timedFit(model, tx, ty, 2);
    const steps: [number[], number[]] = [[], []];
    const totals: [number[], number[]] = [[], []];
    const starts: number[] = [];
    const rounds: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < runs; r++) {
      const one = await timedFit(model, tx, ty, 1);
      await releaseWorkers();
      const two = await timedFit(model, tx, ty, 2);
      warm.push((await timedFit(model, tx, ty, 2)).startMs);
      steps[0].push(...one.steps);
      steps[1].push(...two.steps);
      totals[0].push(one.totalMs);
      totals[1].push(two.totalMs);
      starts.push(two.startMs);
      rounds.push(median(one.steps) / median(two.steps));
    }
    const profiler = graphProfiler(core, model, net.layers);
    const profile = { train: profiler.training(64, 5), infer64: profiler.inference(64, 5), infer1: profiler.inference(1, 50, 10) };
    return {
      errProbs,
      errFeatures,
      inference64: (64 * 1000) / ours64!.median,
      latency1Ms: ours1!.median,
      peers64,
      peers1,
      train1: (64 * 1000) / median(steps[0]),
      train2: (64 * 1000) / median(steps[1]),
      workerRounds: rounds,
      startup2Ms: median(starts),
      startupWarmMs: median(warm),
      fitCallMs: [median(totals[0]), median(totals[1])],
      profile,
    };
  } finally {
    model.dispose();
  }
}
