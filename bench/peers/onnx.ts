/**
 * onnxruntime-web 1.30 (its wasm backend, SIMD, from the npm package: no download) running
 * the next-scale networks' ONNX graphs (written by scripts/keras/make_bench_models.py from
 * the Keras weights), in Node.
 *
 * Threads: `ort.env.wasm.numThreads` is read once, when the runtime first starts, and
 * session options cannot change the pool size later (the wasm API takes no per-session
 * intra-op thread count), so one process runs one thread count. In Node the threaded
 * build starts its pthreads as `worker_threads` from ort-wasm-simd-threaded.mjs next to
 * the .wasm in the package's dist/ (found through `env.wasm.wasmPaths`); no
 * cross-origin isolation is needed there. bench/next_scale.ts runs 1 thread in its own
 * process and 2 threads in a child (`vite-node bench/peers/onnx.ts --threads 2`).
 */
import * as ort from "onnxruntime-web";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { readFile } from "node:fs/promises";
import type { BenchModel } from "./models.js";

let started: number | null = null;

/** Starts the runtime with `threads` threads (once per process). */
export function useOrtThreads(threads: number): void {
  if (started !== null && started !== threads) {
    throw new Error(`useOrtThreads: onnxruntime-web already runs ${started} thread(s) in this process; it cannot switch to ${threads}`);
  }
  const require = createRequire(import.meta.url);
  // The package's "node" export resolves to dist/ort.node.min.*; the wasm and its .mjs sit beside it.
  ort.env.wasm.wasmPaths = `${dirname(require.resolve("onnxruntime-web"))}/`;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = "error";
  started = threads;
}

/** An inference session over the network's ONNX graph (all graph optimizations on). */
export async function ortSession(net: BenchModel): Promise<ort.InferenceSession> {
  if (started === null) throw new Error("ortSession: call useOrtThreads first");
  const bytes = await readFile(net.onnxPath);
  return ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
}

/** Runs the session on `n` images and returns both outputs. */
export async function ortRun(session: ort.InferenceSession, x: Float32Array, n: number, shape: readonly number[]): Promise<{ probs: Float32Array; features: Float32Array }> {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = await session.run({ x: new ort.Tensor("float32", x.slice(0, n * size), [n, ...shape]) });
  return { probs: out.probs!.data as Float32Array, features: out.features!.data as Float32Array };
}

/** A prepared inference call on a fixed batch that waits for the probabilities. */
export function ortPredict(session: ort.InferenceSession, x: Float32Array, n: number, shape: readonly number[]): () => Promise<void> {
  const size = shape.reduce((a, b) => a * b, 1);
  const feeds = { x: new ort.Tensor("float32", x.slice(0, n * size), [n, ...shape]) };
  return async () => {
    const out = await session.run(feeds, ["probs"]);
    out.probs!.dispose();
  };
}
