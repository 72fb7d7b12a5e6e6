/**
 * JavaScript garbage of a steady-state training step (and of one batch-1 predict), as
 * the extra heap bytes a longer `fit` leaves behind with the garbage collector kept out
 * of the way. Needs V8 flags, so bench/lenet.ts runs it as a child process:
 *
 *   node --expose-gc --min-semi-space-size=128 node_modules/.bin/vite-node bench/garbage.ts
 *
 * Prints one JSON line: { bytesPerStep, bytesPerPredict, wasmBytesConstant, gcDuring }.
 * The young generation (128 MiB) holds every byte allocated in a measured window, so a
 * window's heap growth is what it allocated; windows during which a GC ran are retried.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { lenet5 } from "../ts/models/lenet5.js";
import { getCore, init } from "../ts/wasm/loader.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("bench/garbage.ts: run node with --expose-gc (see the file's doc comment)");

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ["gc"] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Heap bytes `run` leaves behind, from a window with no garbage collection (min of 5). */
async function heapGrowth(run: () => Promise<unknown> | unknown): Promise<{ bytes: number; gcDuring: number }> {
  let best = Infinity;
  let gcDuring = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    gc!();
    await settle();
    const before = gcs;
    const h0 = process.memoryUsage().heapUsed;
    await run();
    const h1 = process.memoryUsage().heapUsed;
    await settle();
    if (gcs !== before) {
      gcDuring++;
      continue;
    }
    best = Math.min(best, h1 - h0);
  }
  return { bytes: best, gcDuring };
}

await init({ flavor: "simd" });
const batch = 64;
const [short, long] = [10, 110];
const n = batch * long;
const x = new Float32Array(n * 784).map((_, i) => (i % 255) / 255);
const y = new Float32Array(n * 10);
for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
const model = lenet5({ seed: 1 });
model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
const fitSteps = (steps: number) => {
  const m = batch * steps;
  return model.fit({ data: x.subarray(0, m * 784), shape: [m, 28, 28, 1] }, { data: y.subarray(0, m * 10), shape: [m, 10] }, { batchSize: batch, verbose: 0 });
};
await fitSteps(short); // warm-up: plans, JIT
const core = getCore();
const wasmBefore = core.memoryBytes;
const a = await heapGrowth(() => fitSteps(short));
const b = await heapGrowth(() => fitSteps(long));
const wasmBytesConstant = core.memoryBytes === wasmBefore;

const one = { data: x.subarray(0, 784), shape: [1, 28, 28, 1] };
for (let i = 0; i < 200; i++) model.predict(one);
const calls = 1000;
const p = await heapGrowth(() => {
  for (let i = 0; i < calls; i++) model.predict(one);
});
console.log(JSON.stringify({
  bytesPerStep: Math.round((b.bytes - a.bytes) / (long - short)),
  bytesPerPredict: Math.round(p.bytes / calls),
  wasmBytesConstant,
  gcDuring: a.gcDuring + b.gcDuring + p.gcDuring,
}));
