/**
 * onnxruntime-web inference with N threads in a process of its own (the thread count is
 * fixed per process: see bench/peers/onnx.ts), for bench/next_scale.ts:
 *
 *   npx vite-node bench/peers/onnx_threads.ts -- --threads 2 [--runs 5]
 *
 * Prints one JSON line last: per network, the agreement with Keras, images/s at batch 64,
 * batch-1 milliseconds and the number of OS threads the process had while running.
 */
import { readdirSync } from "node:fs";
import { measure } from "../util.js";
import { ensureBenchModels, loadBenchModel, NETWORKS, randomImages, relativeError } from "./models.js";
import { ortPredict, ortRun, ortSession, useOrtThreads } from "./onnx.js";

/** Result of one network in the child. */
export interface OrtThreadsResult {
  name: string;
  threads: number;
  /** OS threads of the process before the runtime started, and while it ran. */
  osThreadsBefore: number;
  osThreads: number;
  errProbs: number;
  errFeatures: number;
  batch64: number;
  batch1Ms: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`onnx_threads: ${name} must be a whole number >= 1, received ${process.argv[i + 1]}`);
  return v;
}

/** Threads of this process now (Linux), to show the pool really started; 0 elsewhere. */
function osThreads(): number {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const threads = arg("--threads", 1);
  const runs = Math.max(5, arg("--runs", 5));
  ensureBenchModels();
  const before = osThreads();
  useOrtThreads(threads);
  const out: OrtThreadsResult[] = [];
  for (const name of NETWORKS) {
    const net = await loadBenchModel(name);
    const session = await ortSession(net);
    const check = await ortRun(session, net.check.x, net.check.n, net.inputShape);
    const x = randomImages(64, net.inputShape);
    const b64 = await measure(ortPredict(session, x, 64, net.inputShape), { warmup: 2, runs });
    const b1 = await measure(ortPredict(session, x, 1, net.inputShape), { warmup: 20, runs, inner: 20 });
    out.push({
      name,
      threads,
      osThreadsBefore: before,
      osThreads: osThreads(),
      errProbs: relativeError(check.probs, net.check.probs),
      errFeatures: relativeError(check.features, net.check.features),
      batch64: (64 * 1000) / b64.median,
      batch1Ms: b1.median,
    });
    await session.release();
  }
  console.log(JSON.stringify(out));
  // The runtime's pthread workers keep the event loop alive.
  process.exit(0);
}

await main();
