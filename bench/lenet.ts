/**
 * LeNet-5 (28x28x1, the course's Keras model) on one core: simdnet against TensorFlow.js
 * 4.22 (cpu and wasm backends) in the same process.
 *
 *   npx vite-node bench/lenet.ts           print the report
 *   npx vite-node bench/lenet.ts --write   also store it in bench/RESULTS.md ("## LeNet-5")
 *   npx vite-node bench/lenet.ts --quick   skip TF.js cpu training at batch 128 (the slowest part)
 *
 * Training: images/s of `fit` (Adam, categorical cross-entropy, accuracy) at batch 32, 64
 * and 128; TF.js: `trainOnBatch` on one fixed batch. Inference: `predict` on 256 images,
 * and one image. Every figure is the median of >= 5 runs after warm-up. The per-layer
 * table comes from instrumenting simdnet's runner (bench/profile.ts).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lenet5 } from "../ts/models/lenet5.js";
import type { Sequential } from "../ts/model/sequential.js";
import { gemm } from "../ts/kernels/gemm.js";
import { getCore, init } from "../ts/wasm/loader.js";
import { profileInference, profileTraining, type LayerProfile } from "./profile.js";
import { machineLine, markdownTable, measure, measureInterleaved, median, type Timing, writeResultsSection } from "./util.js";
import { tfjsLenet5, tfjsPredict, tfjsTrainStep, useBackend } from "./peers/tfjs.js";

const TRAIN_BATCHES = [32, 64, 128];
const INFER_BATCH = 256;
/** Steps per timed `fit` run: long enough to amortise fit's setup, as real training does. */
const FIT_STEPS = 16;

const write = process.argv.includes("--write");
const quick = process.argv.includes("--quick");

function randomData(n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * 784);
  let s = 7;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296;
  }
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
  return { x, y };
}

const fmt = (v: number, digits = 0) => v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}x` : "-");

/** Images per second from a per-call timing of `images` images. */
const rate = (t: Timing, images: number) => (images * 1000) / t.median;

async function ours(x: Float32Array, y: Float32Array): Promise<{ train: Map<number, number>; model: Sequential }> {
  const model = lenet5({ seed: 1 });
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const train = new Map<number, number>();
  for (const b of TRAIN_BATCHES) {
    const n = b * FIT_STEPS;
    const xs = { data: x.subarray(0, n * 784), shape: [n, 28, 28, 1] };
    const ys = { data: y.subarray(0, n * 10), shape: [n, 10] };
    const t = await measure(() => model.fit(xs, ys, { batchSize: b, epochs: 1, verbose: 0, seed: 1 }), { warmup: 2, runs: 7 });
    train.set(b, rate(t, n));
  }
  return { train, model };
}

/**
 * Inference at batch 256 and for one image: simdnet and TF.js wasm timed in interleaved
 * runs, so that both see the same load on a shared machine (the ratio is the target).
 */
async function inferenceAgainstWasm(model: Sequential, x: Float32Array): Promise<{ ours: [number, number]; wasm: [number, number] }> {
  await useBackend("wasm");
  const peer = tfjsLenet5(1);
  const xi = { data: x.subarray(0, INFER_BATCH * 784), shape: [INFER_BATCH, 28, 28, 1] };
  const x1 = { data: x.subarray(0, 784), shape: [1, 28, 28, 1] };
  const [a, b] = await measureInterleaved([() => model.predict(xi, { batchSize: INFER_BATCH }), tfjsPredict(peer, x, INFER_BATCH)], { warmup: 5, runs: 15, inner: 4 });
  const [c, d] = await measureInterleaved([() => model.predict(x1), tfjsPredict(peer, x, 1)], { warmup: 300, runs: 15, inner: 200 });
  return { ours: [rate(a!, INFER_BATCH), c!.median], wasm: [rate(b!, INFER_BATCH), d!.median] };
}

interface Peer {
  train: Map<number, number>;
  trainError: string | null;
  infer: number;
  latencyMs: number;
}

/** Training (or its error) with `backend`; inference too for cpu (wasm's is interleaved with ours). */
async function tfjs(backend: "cpu" | "wasm", x: Float32Array, y: Float32Array): Promise<Peer> {
  await useBackend(backend);
  const model = tfjsLenet5(1);
  const train = new Map<number, number>();
  let trainError: string | null = null;
  for (const b of TRAIN_BATCHES) {
    if (backend === "cpu" && quick && b > 64) continue;
    const step = tfjsTrainStep(model, x, y, b);
    try {
      // The cpu backend takes seconds per step: fewer, but still >= 5, timed runs.
      train.set(b, rate(await measure(step, { warmup: 1, runs: 5 }), b));
    } catch (e) {
      trainError = (e as Error).message.split("\n")[0]!;
      break;
    }
  }
  if (backend === "wasm") return { train, trainError, infer: NaN, latencyMs: NaN };
  const infer = rate(await measure(tfjsPredict(model, x, INFER_BATCH), { warmup: 3, runs: 5 }), INFER_BATCH);
  const latencyMs = (await measure(tfjsPredict(model, x, 1), { warmup: 50, runs: 9, inner: 10 })).median;
  return { train, trainError, infer, latencyMs };
}

/** GFLOP/s of the SIMD GEMM on a 256x256x256 product in this process: the peak we compare with. */
async function gemmPeak(): Promise<number> {
  const core = getCore();
  const d = 256;
  const [a, b, c] = [core.alloc(d * d), core.alloc(d * d), core.alloc(d * d)];
  try {
    core.f32(a).fill(0.5);
    core.f32(b).fill(0.25);
    const t = await measure(() => gemm(core, { m: d, n: d, k: d }, a, b, c), { warmup: 20, runs: 9, inner: 20 });
    return (2 * d * d * d) / (t.median * 1e6);
  } finally {
    for (const buf of [a, b, c]) core.free(buf);
  }
}


/** Per layer and field, the median over several profiles of the same model. */
function medianRows(profiles: LayerProfile[][]): LayerProfile[] {
  return profiles[0]!.map((row, i) => ({
    ...row,
    forwardMs: median(profiles.map((p) => p[i]!.forwardMs)),
    backwardMs: median(profiles.map((p) => p[i]!.backwardMs)),
  }));
}

function layerTable(rows: LayerProfile[], withBackward: boolean): string {
  const gf = (flops: number, ms: number) => (flops > 0 && ms > 0 ? (flops / (ms * 1e6)).toFixed(1) : "-");
  const header = withBackward
    ? ["layer", "forward ms", "backward ms", "forward GFLOP/s", "backward GFLOP/s"]
    : ["layer", "forward ms", "GFLOP/s"];
  const body = rows.map((r) =>
    withBackward
      ? [r.name, r.forwardMs.toFixed(3), r.backwardMs.toFixed(3), gf(r.forwardFlops, r.forwardMs), gf(r.backwardFlops, r.backwardMs)]
      : [r.name, r.forwardMs.toFixed(3), gf(r.forwardFlops, r.forwardMs)],
  );
  return markdownTable(header, body);
}

interface Garbage {
  bytesPerStep: number;
  bytesPerPredict: number;
  wasmBytesConstant: boolean;
  gcDuring: number;
}

/** Runs bench/garbage.ts in a child process (it needs V8 flags) and returns its numbers. */
function garbage(): Garbage {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", "--min-semi-space-size=128", "node_modules/.bin/vite-node", "bench/garbage.ts"], { cwd: root, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as Garbage;
}

async function main(): Promise<void> {
  await init({ flavor: "simd" });
  const { x, y } = randomData(128 * FIT_STEPS);
  console.log("simdnet ...");
  const trained = await ours(x, y);
  const junk = garbage();
  console.log("TF.js wasm ...");
  const wasm = await tfjs("wasm", x, y);
  const inference = await inferenceAgainstWasm(trained.model, x);
  const us = { ...trained, infer: inference.ours[0], latencyMs: inference.ours[1] };
  [wasm.infer, wasm.latencyMs] = inference.wasm;
  console.log("TF.js cpu ...");
  const cpu = await tfjs("cpu", x, y);
  const core = getCore();
  const peak = await gemmPeak();
  // Other processes share the machine: each profile is the per-entry median of 5 repeats.
  const repeats = <T>(f: () => T): T[] => Array.from({ length: 5 }, f);
  const steps = repeats(() => profileTraining(core, us.model, 64, 20));
  const step = { ...steps[0]!, layers: medianRows(steps.map((p) => p.layers)), lossMs: median(steps.map((p) => p.lossMs)), optimizerMs: median(steps.map((p) => p.optimizerMs)) };
  const inferRows = medianRows(repeats(() => profileInference(core, us.model, INFER_BATCH, 10)));
  const oneRows = medianRows(repeats(() => profileInference(core, us.model, 1, 1000, 200)));

  const sum = (rows: LayerProfile[], key: "forwardFlops" | "backwardFlops") => rows.reduce((s, r) => s + r[key], 0);
  const trainFlopsPerImage = (sum(step.layers, "forwardFlops") + sum(step.layers, "backwardFlops")) / 64;
  const inferFlopsPerImage = sum(inferRows, "forwardFlops") / INFER_BATCH;
  const gflops = (perImage: number, imagesPerS: number) => (perImage * imagesPerS) / 1e9;

  const trainRows = TRAIN_BATCHES.map((b) => {
    const r = us.train.get(b)!;
    const c = cpu.train.get(b) ?? NaN;
    const w = wasm.train.get(b) ?? NaN;
    return [`train, batch ${b} (images/s)`, fmt(r), Number.isNaN(c) ? "not run" : fmt(c, 1), Number.isNaN(w) ? "cannot train" : fmt(w), ratio(r, c), ratio(r, w)];
  });
  const table = markdownTable(
    ["", "simdnet", "TF.js cpu", "TF.js wasm", "vs cpu", "vs wasm"],
    [
      ...trainRows,
      [`inference, batch ${INFER_BATCH} (images/s)`, fmt(us.infer), fmt(cpu.infer), fmt(wasm.infer), ratio(us.infer, cpu.infer), ratio(us.infer, wasm.infer)],
      ["latency, 1 image (ms)", us.latencyMs.toFixed(3), cpu.latencyMs.toFixed(3), wasm.latencyMs.toFixed(3), ratio(cpu.latencyMs, us.latencyMs), ratio(wasm.latencyMs, us.latencyMs)],
    ],
  );
  const train64 = us.train.get(64)!;
  const targets = markdownTable(
    ["target", "measured", "met"],
    [
      ["training, batch 64 >= 4,000 images/s", fmt(train64), train64 >= 4000 ? "yes" : `no (${((1 - train64 / 4000) * 100).toFixed(0)}% short)`],
      [`inference, batch ${INFER_BATCH} >= 1.2x TF.js wasm`, ratio(us.infer, wasm.infer), us.infer >= 1.2 * wasm.infer ? "yes" : `no (${((1 - us.infer / (1.2 * wasm.infer)) * 100).toFixed(0)}% short)`],
      ["latency, 1 image <= 0.10 ms", `${us.latencyMs.toFixed(3)} ms`, us.latencyMs <= 0.1 ? "yes" : `no (${((us.latencyMs / 0.1 - 1) * 100).toFixed(0)}% over)`],
    ],
  );
  const stepMs = step.layers.reduce((s, r) => s + r.forwardMs + r.backwardMs, 0) + step.lossMs + step.optimizerMs;
  const body = [
    `Measured ${machineLine()}, one core, by \`npx vite-node bench/lenet.ts --write\`.`,
    `Medians of >= 5 runs after warm-up, all in one process; simdnet and TF.js wasm inference in interleaved runs (same load).`,
    `simdnet trains with \`fit\` (${FIT_STEPS} steps per run, shuffling on);`,
    "TF.js with `trainOnBatch` on one fixed batch (no data pipeline). Random 28x28x1 images, one-hot labels.",
    "",
    table,
    "",
    wasm.trainError ? `TF.js wasm training fails: \`${wasm.trainError}\`` : "TF.js wasm training ran.",
    "",
    "### Targets",
    "",
    targets,
    "",
    "### Arithmetic",
    "",
    `SIMD GEMM peak in this run (256x256x256): ${peak.toFixed(1)} GFLOP/s. A training image costs ${(trainFlopsPerImage / 1e6).toFixed(2)} MFLOP`,
    `(conv and dense layers, forward and backward), an inference image ${(inferFlopsPerImage / 1e6).toFixed(2)} MFLOP.`,
    `Training at batch 64 achieves ${gflops(trainFlopsPerImage, train64).toFixed(1)} GFLOP/s (${((100 * gflops(trainFlopsPerImage, train64)) / peak).toFixed(0)}% of the GEMM peak);`,
    `inference at batch ${INFER_BATCH} ${gflops(inferFlopsPerImage, us.infer).toFixed(1)} GFLOP/s (${((100 * gflops(inferFlopsPerImage, us.infer)) / peak).toFixed(0)}%).`,
    "",
    "### Memory",
    "",
    `Wasm memory across \`fit\` calls: ${junk.wasmBytesConstant ? "constant (no growth after the first fit)" : "GREW"}. JavaScript garbage of a`,
    `steady-state training step (batch 64, Adam, accuracy; the extra heap a 110-step \`fit\` leaves over a 10-step one,`,
    `no GC in the measured windows${junk.gcDuring ? `, ${junk.gcDuring} windows retried` : ""}): ${fmt(junk.bytesPerStep)} bytes per step; one batch-1 \`predict\`: ${fmt(junk.bytesPerPredict)} bytes`,
    "(bench/garbage.ts; a step's figure is a difference of two fits, so it swings by a few KB between runs and",
    "can come out negative). The checked kernel wrappers allocate nothing once V8 has optimized them (test/kernels/garbage.test.ts);",
    "before that change (2026-11-28) they made about 90% of 21 KB per step and 12 KB per predict. A V8 sampling heap",
    "profile of `fit` (2026-11-28, collected objects included) found about 1.3 KB per step in all, nearly all of it in",
    "the fit loop (per-batch logs and iterators, the views that copy a batch in); since then each batch-end logs object is",
    "built in one step (no intermediate object and spread), a little of that; a predict's remainder is its result",
    "tensor and the input checks in ts/model/sequential.ts.",
    "",
    "### Where the time goes: training step, batch 64",
    "",
    `From the instrumented runner (median of 5 repeats of 20 steps, measured after the peers): ${stepMs.toFixed(2)} ms per step`,
    `in layers, loss (${step.lossMs.toFixed(3)} ms) and Adam update (${step.optimizerMs.toFixed(3)} ms), against ${(64000 / train64).toFixed(2)} ms per \`fit\` step above`,
    "(which adds copying the batch in, callbacks and logs; the two come from different moments of a shared machine).",
    "",
    layerTable(step.layers, true),
    "",
    `### Where the time goes: inference, batch ${INFER_BATCH} and 1 image`,
    "",
    layerTable(inferRows, false),
    "",
    layerTable(oneRows, false),
  ].join("\n");
  console.log(body);
  if (write) await writeResultsSection("LeNet-5", body);
}

await main();
