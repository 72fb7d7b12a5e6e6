/**
 * The next scale (issue 14): ResNet-20 (32x32x3) and MobileNetV2 alpha 0.35 (96x96x3),
 * 10 classes, one set of Keras weights (bench/peers/models.ts), in simdnet, TensorFlow.js
 * 4.22 (wasm and cpu backends) and onnxruntime-web 1.30 (1 and 2 threads).
 *
 *   npm run bench:next                    print the report
 *   npm run bench:next -- --write         also store it in bench/RESULTS.md ("## Next scale") and
 *                                         README.md's speed tables (scripts/doc-numbers.mjs)
 *   npm run bench:next -- --no-cpu        skip TF.js cpu training (minutes per step)
 *   npm run bench:next -- --cpu-steps N   TF.js cpu training steps to time (default 1)
 *   npm run bench:next -- --runs N        timed runs per figure (default 7, at least 5)
 *   npm run bench:next -- --only NAME     one network (resnet20 or mobilenetv2_0.35_96)
 *
 * Training memory is measured in a child process per network (bench/next_scale_memory.ts),
 * so that each figure is that network's alone: wasm memory only grows.
 *
 * Everything runs in this process except onnxruntime-web with 2 threads (its thread pool
 * is fixed per process: a child process, bench/peers/onnx_threads.ts). Inference of
 * simdnet, TF.js wasm and onnxruntime-web 1 thread is timed in interleaved runs (same
 * load); each figure is a median after warm-up. Every engine's outputs on Keras's check
 * inputs are compared with Keras's before anything is timed.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { init } from "../ts/wasm/loader.js";
import { FIT_STEPS, simdnetNextScale, type SimdnetResult } from "./next_scale_simdnet.js";
import type { MemoryReport } from "./next_scale_memory.js";
// @ts-expect-error: a plain .mjs script without declarations
import { writeReadme } from "../scripts/doc-numbers.mjs";
import { byLayerType, type GraphLayerProfile } from "./profile_graph.js";
import { ensureBenchModels, loadBenchModel, NETWORKS, oneHot, randomImages, relativeError, type BenchModel, type NetworkName } from "./peers/models.js";
import { ortPredict, ortRun, ortSession, useOrtThreads } from "./peers/onnx.js";
import type { OrtThreadsResult } from "./peers/onnx_threads.js";
import { useBackend } from "./peers/tfjs.js";
import { tfjsGraphPredict, tfjsGraphTrainStep, tfjsNetwork, tfjsRun } from "./peers/tfjs_graph.js";
import { machineLine, markdownTable, measure, writeResultsSection } from "./util.js";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
function numberArg(name: string, fallback: number, min: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < min) throw new Error(`bench/next_scale.ts: ${name} must be a whole number >= ${min}, received ${argv[i + 1]}`);
  return v;
}
const write = flag("--write");
const runs = numberArg("--runs", 7, 5);
const cpuSteps = flag("--no-cpu") ? 0 : numberArg("--cpu-steps", 1, 1);
const onlyAt = argv.indexOf("--only");
const only = onlyAt < 0 ? null : argv[onlyAt + 1];
if (only !== null && !(NETWORKS as readonly string[]).includes(only)) throw new Error(`bench/next_scale.ts: --only takes ${NETWORKS.join(" or ")}, received ${only}`);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TITLES: Record<NetworkName, string> = { resnet20: "ResNet-20, 32x32x3", "mobilenetv2_0.35_96": "MobileNetV2 alpha 0.35, 96x96x3" };
/** issue 14's targets: inference batch 64 vs ort 1 thread, latency vs ort, training images/s. */
const TARGETS: Record<NetworkName, { train: number }> = { resnet20: { train: 150 }, "mobilenetv2_0.35_96": { train: 120 } };

/** An installed package's version (read from its folder: not every package exports package.json). */
function version(pkg: string): string {
  const main = createRequire(import.meta.url).resolve(pkg);
  const dir = main.slice(0, main.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}/`.length);
  return (JSON.parse(readFileSync(`${dir}package.json`, "utf8")) as { version: string }).version;
}

interface NetResult {
  net: BenchModel;
  gflopPerImage: number;
  tfjsErr: [number, number];
  ortErr: [number, number];
  wasm64: number;
  wasm1Ms: number;
  wasmTrainError: string;
  cpuTrain: number | null;
  cpuErr: [number, number] | null;
  ort64: number;
  ort1Ms: number;
  simdnet: SimdnetResult;
  memory: MemoryReport | string;
}

/** Forward GFLOP per image from the spec (conv, depthwise and dense multiply-adds x 2). */
function forwardGflop(net: BenchModel): number {
  let macs = 0;
  const byName = new Map(net.layers.map((l) => [l.name, l]));
  for (const l of net.layers) {
    const out = l.output_shape.slice(1) as number[];
    const inC = (byName.get(l.inbound[0] ?? "")?.output_shape.at(-1) ?? 0) as number;
    const k = (l.config.kernel_size as number[] | undefined) ?? [1, 1];
    if (l.class_name === "Conv2D") macs += out[0]! * out[1]! * out[2]! * k[0]! * k[1]! * inC;
    if (l.class_name === "DepthwiseConv2D") macs += out[0]! * out[1]! * out[2]! * k[0]! * k[1]!;
    if (l.class_name === "Dense") macs += inC * out[0]!;
  }
  return (2 * macs) / 1e9;
}

async function oneNetwork(name: NetworkName): Promise<NetResult> {
  const net = await loadBenchModel(name);
  const shape = net.inputShape;
  const x = randomImages(64, shape);
  const y = oneHot(64, net.classes);
  console.log(`${name}: checking the peers against Keras ...`);

  const session = await ortSession(net);
  const ortCheck = await ortRun(session, net.check.x, net.check.n, shape);
  const ortErr: [number, number] = [relativeError(ortCheck.probs, net.check.probs), relativeError(ortCheck.features, net.check.features)];

  await useBackend("wasm");
  const wasm = tfjsNetwork(net);
  const tfjsErr: [number, number] = [
    relativeError(tfjsRun(wasm.model, net.check.x, net.check.n, shape), net.check.probs),
    relativeError(tfjsRun(wasm.features, net.check.x, net.check.n, shape), net.check.features),
  ];
  for (const [engine, err] of [["TF.js", tfjsErr], ["onnxruntime-web", ortErr]] as const) {
    if (Math.max(...err) > 1e-4) throw new Error(`${name}: ${engine} disagrees with Keras (relative error ${err.map((e) => e.toExponential(1)).join(", ")})`);
  }
  let wasmTrainError = "trained (unexpected)";
  try {
    await tfjsGraphTrainStep(wasm.model, x, y, 64, shape, net.classes)();
  } catch (e) {
    wasmTrainError = (e as Error).message.split("\n")[0]!;
  }

  console.log(`${name}: inference ...`);
  const peers = {
    batch64: [tfjsGraphPredict(wasm.model, x, 64, shape), ortPredict(session, x, 64, shape)],
    batch1: [tfjsGraphPredict(wasm.model, x, 1, shape), ortPredict(session, x, 1, shape)],
  };
  const simdnet = await simdnetNextScale(net, x, y, peers, runs);
  const [w64, o64] = simdnet.peers64;
  const [w1, o1] = simdnet.peers1;
  await session.release();

  let cpuTrain: number | null = null;
  let cpuErr: [number, number] | null = null;
  if (cpuSteps > 0) {
    console.log(`${name}: TF.js cpu training, ${cpuSteps} step(s) of 64 (minutes each) ...`);
    await useBackend("cpu");
    const cpu = tfjsNetwork(net);
    cpuErr = [
      relativeError(tfjsRun(cpu.model, net.check.x, net.check.n, shape), net.check.probs),
      relativeError(tfjsRun(cpu.features, net.check.x, net.check.n, shape), net.check.features),
    ];
    if (Math.max(...cpuErr) > 1e-4) throw new Error(`${name}: TF.js cpu disagrees with Keras (relative error ${cpuErr.map((e) => e.toExponential(1)).join(", ")})`);
    // No warm-up and as few runs as asked: one step takes minutes on this backend.
    const t = await measure(tfjsGraphTrainStep(cpu.model, x, y, 64, shape, net.classes), { warmup: 0, runs: cpuSteps });
    cpuTrain = (64 * 1000) / t.median;
    cpu.model.dispose();
  }
  wasm.model.dispose();
  return {
    net,
    gflopPerImage: forwardGflop(net),
    tfjsErr,
    ortErr,
    wasm64: (64 * 1000) / w64!.median,
    wasm1Ms: w1!.median,
    wasmTrainError,
    cpuTrain,
    cpuErr,
    ort64: (64 * 1000) / o64!.median,
    ort1Ms: o1!.median,
    simdnet,
    memory: trainingMemory(name),
  };
}

/** Peak wasm memory of training `name` at batch 64 and its accounting, in a child process of its own. */
function trainingMemory(name: NetworkName): MemoryReport | string {
  console.log(`${name}: training memory (child process) ...`);
  try {
    const out = execFileSync(process.execPath, ["node_modules/.bin/vite-node", "bench/next_scale_memory.ts", "--", "--net", name], { cwd: ROOT, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop()!) as MemoryReport;
  } catch (e) {
    return `not measured: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** onnxruntime-web with 2 threads, in a child process. */
function ortTwoThreads(): OrtThreadsResult[] {
  const out = execFileSync(process.execPath, ["node_modules/.bin/vite-node", "bench/peers/onnx_threads.ts", "--", "--threads", "2", "--runs", String(runs)], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as OrtThreadsResult[];
}

const fmt = (v: number, digits = 0) => v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const err = (e: readonly number[]) => e.map((v) => v.toExponential(0)).join(" / ");
const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function networkTable(r: NetResult, two: OrtThreadsResult | undefined): string {
  const s = r.simdnet;
  const ours = ["simdnet (1 thread; training: 1 / 2 workers)", err(s.errFeatures === null ? [s.errProbs] : [s.errProbs, s.errFeatures]), fmt(s.inference64), s.latency1Ms.toFixed(2), `${fmt(s.train1)} / ${fmt(s.train2)}`];
  const rows: string[][] = [
    ours,
    [`TF.js ${version("@tensorflow/tfjs-core")} wasm (1 thread)`, err(r.tfjsErr), fmt(r.wasm64), r.wasm1Ms.toFixed(2), `cannot train: \`${r.wasmTrainError}\``],
    [`TF.js ${version("@tensorflow/tfjs-core")} cpu`, r.cpuErr ? err(r.cpuErr) : "not run", "-", "-", r.cpuTrain === null ? "not run" : fmt(r.cpuTrain, 2)],
    [`onnxruntime-web ${version("onnxruntime-web")}, 1 thread`, err(r.ortErr), fmt(r.ort64), r.ort1Ms.toFixed(2), "no training"],
    two
      ? [`onnxruntime-web ${version("onnxruntime-web")}, 2 threads (child process; OS threads ${two.osThreadsBefore} before the runtime, ${two.osThreads} running)`, err([two.errProbs, two.errFeatures]), fmt(two.batch64), two.batch1Ms.toFixed(2), "no training"]
      : ["onnxruntime-web, 2 threads", "not run", "-", "-", "-"],
  ];
  return markdownTable(["engine", "vs Keras (probs / features, max rel. error)", "inference, batch 64 (img/s)", "latency, batch 1 (ms)", "training, batch 64, Adam (img/s)"], rows);
}

function targetsTable(r: NetResult): string {
  const s = r.simdnet;
  const t = TARGETS[r.net.name];
  const row = (target: string, measured: string, met: boolean) => [target, measured, met ? "yes" : "no"];
  const rows = [
    row("inference, batch 64 >= 1.5x onnxruntime-web 1 thread", `${(s.inference64 / r.ort64).toFixed(2)}x`, s.inference64 >= 1.5 * r.ort64),
    row("latency, batch 1 <= 0.7x onnxruntime-web 1 thread", `${(s.latency1Ms / r.ort1Ms).toFixed(2)}x`, s.latency1Ms <= 0.7 * r.ort1Ms),
    row(`training, batch 64 >= ${t.train} img/s`, fmt(s.train1), s.train1 >= t.train),
  ];
  if (r.net.name === "resnet20") {
    const speedup = s.train2 / s.train1;
    rows.push(row("fit({ workers: 2 }) >= 1.8x one worker (idle cores)", `${speedup.toFixed(2)}x`, speedup >= 1.8));
  }
  return markdownTable(["target (issue 14)", "measured", "met"], rows);
}

/** Where training's wasm memory goes (bench/next_scale_memory.ts's report). */
function memoryLines(m: MemoryReport | string): string[] {
  if (typeof m === "string") return [`Training memory: ${m}.`];
  const w = m.weights;
  const head = `Training memory at batch ${m.batch}, this network alone in a process (bench/next_scale_memory.ts): peak wasm memory **${MB(m.memoryPeak)}** ` +
    `(${MB(m.memoryBuilt)} once built and compiled). Weights ${MB(w.params)}, their gradients ${MB(w.grads)}, Adam's state ${MB(w.optimizer)}; ` +
    `the training plan's arena ${MB(m.plan.arena)} (\`planSize\` ${MB(m.plan.planSize)}; every buffer apart it would be ${MB(m.plan.unpacked)}; an inference plan at batch ${m.batch} takes ${MB(m.plan.inferencePlanSize)}).`;
  if (typeof m.peak === "string") return [head, `Its busiest moment could not be rebuilt: ${m.peak}.`];
  const live = m.peak.live;
  const by = Object.entries(m.peak.activationsBy).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${MB(v)}`).join(", ");
  return [
    head,
    `At the step's busiest moment (${m.peak.moment}) the arena holds activations kept for backward ${MB(live.activations)}, activation gradients ${MB(live.gradients)}, ` +
      `layer workspaces ${MB(live.workspaces)}, shared scratch ${MB(live.scratch)}, loss buffers ${MB(live.loss)}; the activations kept, by the layer that wrote them: ${by}.`,
  ];
}

/** Time per layer type (with share and GFLOP/s), then every layer folded away; `note` between them. */
function profileTables(rows: GraphLayerProfile[], note = ""): string {
  const gf = (flops: number, ms: number) => (flops > 0 && ms > 0 ? (flops / (ms * 1e6)).toFixed(1) : "-");
  const types = markdownTable(
    ["layer type", "layers", "ms per step", "share", "GFLOP/s"],
    byLayerType(rows).map((g) => [g.className, g.layers, g.ms.toFixed(2), `${(100 * g.share).toFixed(1)}%`, Number.isNaN(g.gflops) ? "-" : g.gflops.toFixed(1)]),
  );
  const layers = markdownTable(
    ["layer", "forward ms", "backward ms", "forward GFLOP/s", "backward GFLOP/s"],
    rows.map((r) => [`${r.name} (${r.className})`, r.forwardMs.toFixed(3), r.backwardMs.toFixed(3), gf(r.forwardFlops, r.forwardMs), gf(r.backwardFlops, r.backwardMs)]),
  );
  return `${types}\n\n${note ? `${note}\n\n` : ""}<details><summary>per layer</summary>\n\n${layers}\n\n</details>`;
}

function simdnetDetails(r: NetResult): string {
  const s = r.simdnet;
  const p = s.profile;
  return [
    `Training (simdnet): images/s of the median steady step (${FIT_STEPS} steps per fit call, the first of each not counted), one-worker and two-worker fit calls alternating. ` +
      `Two workers over one, per round: ${s.workerRounds.map((v) => `${v.toFixed(2)}x`).join(", ")}. ` +
      `A two-worker fit first starts its worker and builds the replica: ${fmt(s.startup2Ms)} ms from \`fit()\` to the first batch (from TypeScript sources, which the worker compiles with esbuild; less from dist/), ` +
      `${fmt(s.startupWarmMs)} ms when it takes back the worker a fit just before parked; ` +
      `whole fit calls of ${FIT_STEPS} steps took ${fmt(s.fitCallMs[0])} ms with one worker and ${fmt(s.fitCallMs[1])} ms with two started cold (${(s.fitCallMs[0] / s.fitCallMs[1]).toFixed(2)}x).`,
    ...memoryLines(r.memory),
    `Training at batch 64: ${(3 * r.gflopPerImage * s.train1).toFixed(1)} GFLOP/s (3x the forward work); inference at batch 64: ${(r.gflopPerImage * s.inference64).toFixed(1)} GFLOP/s. ` +
      "GFLOP/s here and in the profiles count the multiply-adds of each layer's definition; 3x3 stride-1 convolutions with 8-256 channels run Winograd F(2x2, 3x3), " +
      "which does 2.25 times fewer, so their figures can exceed the GEMM's peak.",
    "",
    "Training step, batch 64 (instrumented runner, mean of 5 steps):",
    "",
    profileTables(p.train.layers, `Loss ${p.train.lossMs.toFixed(3)} ms, Adam update ${p.train.optimizerMs.toFixed(3)} ms per step.`),
    "",
    "Inference, batch 64:",
    "",
    profileTables(p.infer64),
    "",
    "Inference, batch 1:",
    "",
    profileTables(p.infer1),
  ].join("\n");
}

async function main(): Promise<void> {
  ensureBenchModels();
  const loadStart = loadavg()[0]!;
  await init({ flavor: "simd" });
  useOrtThreads(1);
  const results: NetResult[] = [];
  for (const name of NETWORKS) if (only === null || name === only) results.push(await oneNetwork(name));
  console.log("onnxruntime-web, 2 threads (child process) ...");
  const two = ortTwoThreads();
  const loadEnd = loadavg()[0]!;
  // Only the start tells of other jobs: by the end the load average counts this benchmark's
  // own threads (two workers training, onnxruntime's two threads).
  const busy = loadStart > 0.5 * cpus().length;
  const load = `${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end (this benchmark's own threads included)${busy ? ": **the machine was busy with other jobs, so these figures are far below an idle machine's; rerun on a quiet machine before quoting them**" : ""}`;
  const sections = results.map((r) => {
    const twoR = two.find((t) => t.name === r.net.name);
    if (twoR && Math.max(twoR.errProbs, twoR.errFeatures) > 1e-4) throw new Error(`${r.net.name}: onnxruntime-web 2 threads disagrees with Keras`);
    return [
      `### ${TITLES[r.net.name]} (${fmt(r.net.params)} parameters, ${(r.gflopPerImage * 1000).toFixed(0)} MFLOP forward per image)`,
      "",
      networkTable(r, twoR),
      "",
      targetsTable(r),
      "",
      simdnetDetails(r),
    ].join("\n");
  });
  const body = [
    `Measured ${machineLine()}, by \`npm run bench:next -- --write\`; one-minute load average ${load}.`,
    `Weights: scripts/keras/make_bench_models.py (Keras 3.15.1, seed 14, batch-norm statistics randomized near their inputs' real ones), one set for every engine; each engine's outputs on 4 check inputs are compared with Keras's (max error relative to the largest value: the softmax output / the final Dense layer's input).`,
    `Medians of ${runs} runs after warm-up; inference of simdnet, TF.js wasm and onnxruntime-web 1 thread interleaved in one process; onnxruntime-web 2 threads in a child process (its thread pool is fixed per process). Training: simdnet \`fit\` (Adam, batch 64, steady-state steps: see below), TF.js \`trainOnBatch\` on one batch of 64 (cpu: ${cpuSteps > 0 ? `${cpuSteps} step(s), no warm-up: minutes per step` : "not run"}). Random uniform images, one-hot labels.`,
    "onnxruntime-web's OS threads (Linux): the 2-thread child shows how many threads the process had before the runtime started and while it ran; a 1-thread process has the same count in both, a 2-thread one its pthread worker (a `worker_threads` Worker) more.",
    "",
    ...sections.flatMap((s) => [s, ""]),
  ].join("\n");
  console.log(body);
  if (write) {
    await writeResultsSection("Next scale", body);
    await writeReadme();
    console.log("bench/RESULTS.md's \"Next scale\" and README.md's speed tables rewritten");
  }
  // onnxruntime-web's runtime keeps the event loop alive.
  process.exit(0);
}

await main();
