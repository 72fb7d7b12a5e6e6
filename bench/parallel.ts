/**
 * Data-parallel training, `fit({ workers: 1 })` against `fit({ workers: 2 })`, alternating
 * fit calls in one process so that both see the same machine load:
 * - LeNet-5 (the course's Keras layout, Adam) at batch 128, MNIST-shaped data;
 * - ResNet-20 (32x32x3) and MobileNetV2 alpha 0.35 (96x96x3) at batch 64, built with
 *   `applications` and given the cached bench weights (bench/peers/models.ts).
 *
 * Per network: the median steady-state step (per-batch times from a callback, the first
 * batches of each fit dropped as warm-up), images/s and the speedup, the per-round
 * speedups, the fit start-up (cold: workers started, replicas built; warm: taking back the
 * workers the fit before parked, ts/parallel/pool.ts), and where a two-worker
 * step's time goes on each thread (ts/parallel/data_parallel.ts's step trace: the main
 * thread writing the job, computing its own shard, waiting, combining, and the rest of
 * fit's step; the worker waking, loading the job, computing, writing back). Writes the
 * "## Data-parallel training" section of bench/RESULTS.md with --write.
 *
 *   npx vite-node bench/parallel.ts [--net lenet5,resnet20,mobilenetv2] [--rounds 5] [--steps N] [--write]
 */
import { loadavg } from "node:os";
import { applications } from "../ts/applications/index.js";
import { lenet5 } from "../ts/models/lenet5.js";
import type { Model } from "../ts/model/model.js";
import { parallelTrace, type StepTrace } from "../ts/parallel/data_parallel.js";
import { releaseWorkers } from "../ts/parallel/pool.js";
import { tensor } from "../ts/tensor.js";
import { init } from "../ts/wasm/loader.js";
import { kerasWeights } from "./next_scale_simdnet.js";
import { ensureBenchModels, loadBenchModel, oneHot, randomImages, type NetworkName } from "./peers/models.js";
import { machineLine, markdownTable, median, writeResultsSection } from "./util.js";

const argv = process.argv.slice(2);
function option(name: string): string | null {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] ?? null : null;
}
function count(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === null) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench/parallel.ts: --${name} must be a whole number >= 1, received ${raw}`);
  return v;
}

const NETS = { lenet5: { batch: 128, steps: 12, warmup: 2 }, resnet20: { batch: 64, steps: 8, warmup: 2 }, mobilenetv2: { batch: 64, steps: 8, warmup: 2 } } as const;
type Net = keyof typeof NETS;
const BENCH_NAME: Record<Exclude<Net, "lenet5">, NetworkName> = { resnet20: "resnet20", mobilenetv2: "mobilenetv2_0.35_96" };
const TITLE: Record<Net, string> = { lenet5: "LeNet-5 (Keras layout)", resnet20: "ResNet-20, 32x32x3", mobilenetv2: "MobileNetV2 alpha 0.35, 96x96x3" };


interface Workload {
  net: Net;
  batch: number;
  params: number;
  make(): Promise<Model>;
  x: ReturnType<typeof tensor>;
  y: ReturnType<typeof tensor>;
  loss: string;
}

async function workload(net: Net, steps: number): Promise<Workload> {
  const { batch } = NETS[net];
  const n = batch * steps;
  if (net === "lenet5") {
    const x = new Float32Array(n * 784);
    for (let i = 0; i < x.length; i++) x[i] = Math.random();
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = i % 10;
    const make = async () => lenet5({ seed: 1 }) as unknown as Model;
    return { net, batch, params: (await make()).countParams(), make, x: tensor(x, [n, 28, 28, 1]), y: tensor(y, [n]), loss: "sparseCategoricalCrossentropy" };
  }
  ensureBenchModels();
  const bench = await loadBenchModel(BENCH_NAME[net]);
  const [h, w, c] = bench.inputShape;
  const make = async (): Promise<Model> => {
    const model = net === "resnet20"
      ? applications.resnet20({ inputShape: [h, w, c], classes: bench.classes })
      : applications.mobileNetV2({ alpha: 0.35, inputShape: [h, w, c], classes: bench.classes });
    model.setWeights(kerasWeights(bench, model));
    return model;
  };
  return {
    net, batch, params: bench.params, make,
    x: tensor(randomImages(n, bench.inputShape), [n, h, w, c]),
    y: tensor(oneHot(n, bench.classes), [n, bench.classes]),
    loss: "categoricalCrossentropy",
  };
}

/** One fit call: its per-step times after warm-up, the time before the first batch, and the traces of its steady steps. */
async function run(w: Workload, workers: number): Promise<{ stepMs: number[]; startMs: number; traces: { trace: StepTrace; stepMs: number }[] }> {
  const model = await w.make();
  model.compile({ optimizer: "adam", loss: w.loss, metrics: ["accuracy"] });
  const warmup = NETS[w.net].warmup;
  const stepMs: number[] = [];
  const traces: { trace: StepTrace; stepMs: number }[] = [];
  const began = performance.now();
  let startMs = 0;
  let last = 0;
  parallelTrace.steps = [];
  try {
    await model.fit(w.x, w.y, {
      batchSize: w.batch, epochs: 1, shuffle: true, seed: 1, workers, verbose: 0,
      callbacks: [{
        onTrainBegin: () => {
          startMs = performance.now() - began;
          last = performance.now();
        },
        onBatchEnd: (b: number) => {
          const now = performance.now();
          if (b >= warmup) {
            stepMs.push(now - last);
            const trace = parallelTrace.steps![b];
            if (trace) traces.push({ trace, stepMs: now - last });
          }
          last = now;
        },
      }],
    });
  } finally {
    parallelTrace.steps = null;
    model.dispose();
  }
  return { stepMs, startMs, traces };
}

/** Median milliseconds of each phase of the traced two-worker steps. */
function phases(traces: { trace: StepTrace; stepMs: number }[]): string[][] {
  const m = (f: (t: StepTrace, stepMs: number) => number) => median(traces.map(({ trace, stepMs }) => f(trace, stepMs))).toFixed(1);
  const w = (t: StepTrace) => t.workers[0]!;
  return [
    ["main", "outside the gradient (batch fill, optimizer, callbacks)", m((t, s) => s - (t.combined - t.began))],
    ["main", "write the job (weights, shard, seeds) and post it", m((t) => t.posted - t.began)],
    ["main", "own shard: forward, loss, backward", m((t) => t.ownDone - t.posted)],
    ["main", "wait for the worker", m((t) => t.joined - t.ownDone)],
    ["main", "combine gradients, average statistics", m((t) => t.combined - t.joined)],
    ["worker", "wake after its job is posted", m((t) => w(t).woke - w(t).posted)],
    ["worker", "load the job into its wasm memory", m((t) => w(t).loaded - w(t).woke)],
    ["worker", "its shard: forward, loss, backward", m((t) => w(t).computed - w(t).loaded)],
    ["worker", "write gradients and statistics back", m((t) => w(t).stored - w(t).computed)],
    ["worker", "done before the main thread's own shard (negative: after)", m((t) => t.ownDone - w(t).stored)],
    ["main", "sees the last of both done (notify latency)", m((t) => t.joined - Math.max(w(t).stored, t.ownDone))],
    ["worker", "idle while the main thread finishes the step", m((t, s) => s - (w(t).stored - w(t).woke))],
  ];
}

async function bench(net: Net, rounds: number): Promise<string> {
  const steps = count("steps", NETS[net].steps);
  const w = await workload(net, steps);
  const loadBefore = loadavg()[0]!;
  const times: Record<number, number[]> = { 1: [], 2: [] };
  const starts: Record<number, number[]> = { 1: [], 2: [] };
  const warmStarts: number[] = [];
  const traces: { trace: StepTrace; stepMs: number }[] = [];
  const roundSpeedups: number[] = [];
  await run(w, 1); // warm-up: compiles everything once
  for (let r = 0; r < rounds; r++) {
    const medians: Record<number, number> = {};
    for (const workers of [1, 2]) {
      // Every timed two-worker fit starts its worker cold.
      if (workers === 2) await releaseWorkers();
      const result = await run(w, workers);
      times[workers]!.push(...result.stepMs);
      starts[workers]!.push(result.startMs);
      if (workers === 2) traces.push(...result.traces);
      medians[workers] = median(result.stepMs);
      console.log(`${net} round ${r + 1}/${rounds}, workers ${workers}: median step ${medians[workers]!.toFixed(1)} ms, start-up ${result.startMs.toFixed(0)} ms`);
    }
    roundSpeedups.push(medians[1]! / medians[2]!);
    // A second two-worker fit at once: it takes back the parked worker.
    const warm = await run(w, 2);
    warmStarts.push(warm.startMs);
    times[2]!.push(...warm.stepMs);
    traces.push(...warm.traces);
  }
  await releaseWorkers();
  const loadAfter = loadavg()[0]!;
  const step1 = median(times[1]!);
  const step2 = median(times[2]!);
  const ips = (ms: number) => Math.round((w.batch * 1000) / ms);
  const rows = [
    ["1 (main thread only)", step1.toFixed(1), ips(step1), "1.00x", median(starts[1]!).toFixed(0)],
    ["2 (main + 1 worker)", step2.toFixed(1), ips(step2), `${(step1 / step2).toFixed(2)}x`, `${median(starts[2]!).toFixed(0)} cold, ${median(warmStarts).toFixed(0)} warm`],
  ];
  return [
    `### ${TITLE[net]}`,
    "",
    `${w.params.toLocaleString("en-US")} parameters, Adam, batch ${w.batch}. Median steady step of ${rounds} rounds (a one-worker fit, a two-worker fit started cold, one more taking back its parked worker), ${steps - NETS[net].warmup} steady steps per fit (the first ${NETS[net].warmup} dropped). ` +
      `One-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
    "",
    markdownTable(["workers", "ms / step", "images / s", "speedup", "fit start-up (ms)"], rows),
    "",
    `Speedup of each round (the one-worker fit's median step over the cold two-worker fit's): ${roundSpeedups.map((v) => `${v.toFixed(2)}x`).join(", ")}; median ${median(roundSpeedups).toFixed(2)}x.`,
    "",
    `Where a two-worker step goes (median ms over ${traces.length} traced steps):`,
    "",
    markdownTable(["thread", "phase", "ms"], phases(traces)),
  ].join("\n");
}

async function main(): Promise<void> {
  const rounds = count("rounds", 5);
  const nets = (option("net") ?? "lenet5,resnet20,mobilenetv2").split(",");
  for (const n of nets) if (!(n in NETS)) throw new Error(`bench/parallel.ts: --net takes ${Object.keys(NETS).join(", ")} (comma-separated), received ${n}`);
  await init();
  const parts: string[] = [];
  for (const net of nets as Net[]) {
    const part = await bench(net, rounds);
    console.log(`\n${part}\n`);
    parts.push(part);
  }
  const body = [
    `${machineLine()}. Each network: one-worker and two-worker fit calls alternating in one process (same machine load); two workers only help while both cores are free.`,
    "The start-up column is the time from fit() to the first batch: cold, the worker thread started, wasm instantiated and the replica built (from TypeScript sources this includes compiling the worker's modules with esbuild, which dist/ does not need); warm, the worker the fit before parked taken back with its replica.",
    "",
    ...parts.flatMap((p) => [p, ""]),
  ].join("\n");
  if (argv.includes("--write")) await writeResultsSection("Data-parallel training", body);
}

await main();
