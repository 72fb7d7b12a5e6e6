/**
 * Data-parallel training: LeNet-5 (the course's Keras layout, Adam) at batch 128 with
 * `fit({ workers: 1 })` and `fit({ workers: 2 })`, alternating in one process so that
 * both see the same machine load. Reports the median steady-state step (per-batch times
 * from a callback, the first batches of each fit dropped as warm-up), the images/s and
 * the speedup; the worker start-up per fit call; and what the exchange costs the main
 * thread per step. Writes the "## Data-parallel training" section of bench/RESULTS.md.
 *
 *   npx vite-node bench/parallel.ts [--rounds 5] [--steps 12]
 */
import { loadavg } from "node:os";
import { lenet5 } from "../ts/models/lenet5.js";
import { combine } from "../ts/parallel/data_parallel.js";
import { jobBytes, jobViews } from "../ts/parallel/job_buffer.js";
import { init } from "../ts/wasm/loader.js";
import { machineLine, markdownTable, measure, writeResultsSection } from "./util.js";

const BATCH = 128;
const WARMUP_STEPS = 2;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** MNIST-shaped random data (speed does not depend on the values). */
function data(n: number): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % 10;
  return { x: { data: x, shape: [n, 28, 28, 1] }, y: { data: y, shape: [n] } };
}

/** One fit call: its per-step times after warm-up, and the time before the first batch. */
async function run(workers: number, d: ReturnType<typeof data>): Promise<{ stepMs: number[]; startMs: number }> {
  const model = lenet5({ seed: 1 });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const stepMs: number[] = [];
  const began = performance.now();
  let startMs = 0;
  let last = 0;
  await model.fit(d.x, d.y, {
    batchSize: BATCH, epochs: 1, shuffle: true, seed: 1, workers, verbose: 0,
    callbacks: [{
      onTrainBegin: () => {
        startMs = performance.now() - began;
        last = performance.now();
      },
      onBatchEnd: (b) => {
        const now = performance.now();
        if (b >= WARMUP_STEPS) stepMs.push(now - last);
        last = now;
      },
    }],
  });
  model.dispose();
  return { stepMs, startMs };
}

/**
 * Main-thread cost of one step's exchange with one worker, on a real (shared) job
 * buffer: writing the weights and a shard into it, and combining the gradients.
 */
async function exchangeCost(params: number): Promise<{ copyMs: number; combineMs: number }> {
  const shard = BATCH / 2;
  const sizes = { params, layers: 8, shard, inSize: 784, outSize: 10 };
  const job = jobViews(new SharedArrayBuffer(jobBytes(sizes)), sizes);
  const weights = new Float32Array(params).fill(0.5);
  const inputs = new Float32Array(shard * 784).fill(0.5);
  const labels = new Float32Array(shard * 10).fill(0.5);
  const copy = await measure(() => {
    job.params.set(weights);
    job.inputs.set(inputs);
    job.labels.set(labels);
  }, { runs: 15, inner: 50 });
  const g = new Float32Array(params).fill(0.1);
  job.grads.fill(0.2);
  const merged = await measure(() => combine(g, shard, [{ grads: job.grads, count: shard }], BATCH), { runs: 15, inner: 50 });
  return { copyMs: copy.median, combineMs: merged.median };
}

async function main(): Promise<void> {
  const rounds = option("rounds", 5);
  const steps = option("steps", 12);
  await init();
  const d = data(BATCH * steps);
  const params = lenet5().countParams();
  const loadBefore = loadavg()[0]!;
  const times: Record<number, number[]> = { 1: [], 2: [] };
  const starts: Record<number, number[]> = { 1: [], 2: [] };
  const roundSpeedups: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const medians: Record<number, number> = {};
    for (const workers of [1, 2]) {
      const { stepMs, startMs } = await run(workers, d);
      times[workers]!.push(...stepMs);
      starts[workers]!.push(startMs);
      medians[workers] = median(stepMs);
      console.log(`round ${r + 1}/${rounds}, workers ${workers}: median step ${medians[workers]!.toFixed(1)} ms`);
    }
    roundSpeedups.push(medians[1]! / medians[2]!);
  }
  const step1 = median(times[1]!);
  const step2 = median(times[2]!);
  const cost = await exchangeCost(params);
  const ips = (ms: number) => Math.round((BATCH * 1000) / ms);
  const rows = [
    ["1 (main thread only)", step1.toFixed(1), ips(step1), "1.00x", median(starts[1]!).toFixed(0)],
    ["2 (main + 1 worker)", step2.toFixed(1), ips(step2), `${(step1 / step2).toFixed(2)}x`, median(starts[2]!).toFixed(0)],
  ];
  const body = [
    `LeNet-5 (Keras layout, ${params} parameters), Adam, batch ${BATCH}, MNIST-shaped data; ${machineLine()}.`,
    `Median of ${rounds} alternating fit calls x ${steps - WARMUP_STEPS} steady steps each (first ${WARMUP_STEPS} steps of each fit dropped).`,
    `One-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after: the machine is shared, and two workers only help while both cores are free.`,
    "",
    markdownTable(["workers", "ms / step", "images / s", "speedup", "fit start-up (ms)"], rows),
    "",
    `Speedup of each round (a one-worker fit, then a two-worker fit): ${roundSpeedups.map((v) => `${v.toFixed(2)}x`).join(", ")}; median ${median(roundSpeedups).toFixed(2)}x.`,
    "",
    `Main-thread exchange cost per step with one worker: copying the weights and a ${BATCH / 2}-sample shard into the job buffer ` +
      `${(cost.copyMs * 1000).toFixed(0)} us, combining the gradients ${(cost.combineMs * 1000).toFixed(0)} us. ` +
      "The start-up column is the time from fit() to the first batch (worker threads started, wasm compiled, replica built); " +
      "from TypeScript sources it includes compiling the worker's modules with esbuild, which dist/ does not need.",
  ].join("\n");
  console.log(body);
  await writeResultsSection("Data-parallel training", body);
}

await main();
