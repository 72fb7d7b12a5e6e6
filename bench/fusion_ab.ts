/**
 * Interleaved A/B of inference fusion (ts/model/fuse.ts) on the next-scale networks
 * (ResNet-20 32x32x3 and MobileNetV2 alpha 0.35 96x96x3, the Keras weights cached in
 * bench/.cache/models/), in one process, runs alternating so that all see the same load:
 *
 *   npx vite-node bench/fusion_ab.ts [--runs 9] [--only resnet20|mobilenetv2_0.35_96|lenet5] [--no-ort] [--cpu]
 *
 * `--cpu` times each call by the process's CPU time instead of the wall clock: on a machine
 * busy with other jobs the wall clock mostly measures waiting for a core, the CPU time
 * much less so (all calls here run on the calling thread).
 *
 * LeNet-5 (its Conv2D and Dense layers with their own ReLU fuse; seed-1 weights, no peer)
 * comes last, to check that fusion does not slow the small network down.
 *
 * Per network and batch (64, 1):
 * - A: `Runner.forward` on an unfused inference plan (the model's own graph), B: on a fused
 *   one (the input already in the plan: the layers' work and their JavaScript only);
 * - `model.predict` (fused; everything a call costs: checks, copies in and out, chunking);
 * - onnxruntime-web on 1 thread, the issue's yardstick (omit with --no-ort).
 * Prints medians (ms per call), B / A (of the medians, and of the fastest runs, steadier on
 * a busy machine), and predict against onnxruntime. Before timing it
 * checks the fused outputs against the unfused plan's and Keras's probabilities.
 */
import * as lib from "../ts/index.js";
import { planBuffers, releasePlan, type Plan } from "../ts/model/plan.js";
import { Runner } from "../ts/model/runner.js";
import type { Model } from "../ts/model/model.js";
import type { Tensor } from "../ts/tensor.js";
import { getCore, init } from "../ts/wasm/loader.js";
import { lenet5 } from "../ts/models/lenet5.js";
import { ortPredict, ortSession, useOrtThreads } from "./peers/onnx.js";
import { ensureBenchModels, loadBenchModel, NETWORKS, randomImages, relativeError, type BenchModel } from "./peers/models.js";
import { machineLine, markdownTable, measureInterleaved, type Timing } from "./util.js";

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(option("--runs") ?? 9);
const only = option("--only");
const withOrt = !argv.includes("--no-ort");
const cpu = argv.includes("--cpu");

/** Milliseconds of this process's CPU time (user and system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** {@link measureInterleaved} by CPU time: the same interleaving, warm-up and medians. */
async function measureCpu(fns: (() => unknown)[], options: { warmup: number; runs: number; inner: number }): Promise<Timing[]> {
  for (const fn of fns) for (let i = 0; i < options.warmup; i++) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < options.runs; r++) {
    for (let f = 0; f < fns.length; f++) {
      const t0 = cpuMs();
      for (let i = 0; i < options.inner; i++) await fns[f]!();
      samples[f]!.push((cpuMs() - t0) / options.inner);
    }
  }
  return samples.map((x) => {
    x.sort((a, b) => a - b);
    return { median: x[Math.floor(x.length / 2)]!, min: x[0]!, runs: options.runs };
  });
}
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`fusion_ab: --runs must be a whole number >= 1, received ${option("--runs")}`);
const NAMES = [...NETWORKS, "lenet5"] as const;
if (only !== undefined && !(NAMES as readonly string[]).includes(only)) throw new Error(`fusion_ab: --only must be one of ${NAMES.join(", ")}, received ${only}`);

/** The application with the Keras weights (Keras's get_weights order is the model's). */
function build(net: BenchModel): Model {
  const [h, w, c] = net.inputShape;
  const model = net.name === "resnet20"
    ? lib.applications.resnet20({ inputShape: [h, w, c], classes: net.classes })
    : lib.applications.mobileNetV2({ alpha: 0.35, inputShape: [h, w, c], classes: net.classes });
  const weights = net.layers.flatMap((l) => l.weights.map((wt) => lib.tensor(net.weights.get(`${l.name}/${wt.name}`)!, wt.shape)));
  model.setWeights(weights);
  return model;
}

/** A plan and runner for `batch` samples of `x`, fused or not, its input filled. */
function planned(model: Model, batch: number, fuse: boolean, x: Float32Array): { plan: Plan; runner: Runner } {
  const core = getCore();
  const graph = model.graph();
  const plan = planBuffers(core, graph, batch, false, fuse);
  core.write(plan.input, x.subarray(0, plan.input.length));
  return { plan, runner: new Runner(core, graph, plan, null) };
}

async function main(): Promise<void> {
  await init();
  ensureBenchModels();
  if (withOrt) useOrtThreads(1);
  console.log(machineLine());
  for (const name of NAMES) {
    if (only && name !== only) continue;
    const net = name === "lenet5" ? null : await loadBenchModel(name);
    const model: Model = net ? build(net) : lenet5({ seed: 1 });
    const core = getCore();
    const shape = [...model.inputShape!];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = randomImages(64, shape);
    // Correctness first: Keras's check inputs through predict (fused), and both plans agree.
    const check: Tensor | null = net ? lib.tensor(net.check.x, [net.check.n, ...shape]) : null;
    const errKeras = net && check ? relativeError(model.predict(check).data, net.check.probs) : NaN;
    const session = withOrt && net ? await ortSession(net) : null;
    if (!net) model.predict(lib.tensor(x.subarray(0, size), [1, ...shape])); // places the seed's weights
    const rows: (string | number)[][] = [];
    for (const batch of [64, 1]) {
      const a = planned(model, batch, false, x);
      const b = planned(model, batch, true, x);
      a.runner.forward(batch, false, 0, false);
      b.runner.forward(batch, false, 0, false);
      const errPlans = relativeError(core.read(b.plan.output), core.read(a.plan.output));
      const xb = lib.tensor(x.subarray(0, batch * size), [batch, ...shape]);
      const calls: (() => unknown)[] = [
        () => a.runner.forward(batch, false, 0, false),
        () => b.runner.forward(batch, false, 0, false),
        () => model.predict(xb, { batchSize: batch }),
      ];
      if (session) calls.push(ortPredict(session, x, batch, shape));
      const inner = batch === 1 ? 20 : 1;
      const options = { warmup: batch === 1 ? 20 : 2, runs, inner };
      const t = cpu ? await measureCpu(calls, options) : await measureInterleaved(calls, options);
      const ms = (i: number) => t[i]!.median.toFixed(3);
      rows.push([
        batch, ms(0), ms(1), (t[1]!.median / t[0]!.median).toFixed(3), (t[1]!.min / t[0]!.min).toFixed(3), ms(2),
        session ? ms(3) : "-", session ? (t[3]!.median / t[2]!.median).toFixed(2) : "-", errPlans.toExponential(1),
      ]);
      for (const p of [a.plan, b.plan]) releasePlan(core, p);
    }
    const steps = planBuffers(core, model.graph(), 1, false, true);
    const vsKeras = Number.isNaN(errKeras) ? "" : `; predict vs Keras ${errKeras.toExponential(1)}`;
    console.log(`\n### ${name}: ${model.layers.length} layers, ${steps.run.layers.length} fused steps${vsKeras}\n`);
    releasePlan(core, steps);
    console.log(markdownTable(
      ["batch", "A unfused forward ms", "B fused forward ms", "B / A", "B / A (fastest runs)", "predict ms", "onnxruntime 1 thread ms", "ort / predict", "B vs A max rel. err"],
      rows,
    ));
    model.dispose();
  }
  console.log(`\nMedians of ${runs} interleaved runs (batch 1: 20 calls per run), ${cpu ? "process CPU time" : "wall clock"}.`);
}

await main();
