/**
 * Entry module of a data-parallel worker (a Node worker thread or a browser module
 * Worker). It waits for an "init" message, builds a {@link Replica} on a fresh instance
 * of the main thread's compiled wasm module (sent in the message, so nothing is fetched
 * or compiled here), answers "ready", then runs one job per training step:
 * - shared mode: the job buffer is a SharedArrayBuffer; the worker blocks in
 *   Atomics.wait for the next job number and signals completion with Atomics.notify;
 * - message mode: each "job" message carries the buffer (transferred), and the worker
 *   sends it back in a "done" message.
 * When the fit ends the main thread parks it (pool.ts): shared mode H_STOP = 2, message
 * mode a "park" message; it answers "parked" and waits for the next "init", which may
 * keep its replica (spec null) or bring a new one (built on the same wasm instance).
 * Any error is reported as a "failed" message, after which the worker stops.
 */
import type { WasmCore } from "../wasm/core.js";
import { createCore } from "../wasm/loader.js";
import { H_DONE, H_SEQ, H_STEP, H_STOP, R_WOKE, STOP_EXIT, jobViews, wallClock } from "./job_buffer.js";
import type { FromWorker, ToWorker } from "./messages.js";
import { Replica } from "./replica.js";

interface Port {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: ToWorker) => void): void;
  /** Ends the worker. */
  close(): void;
}

async function parentPort(): Promise<Port> {
  if (typeof process !== "undefined" && typeof process.versions?.node === "string") {
    const { parentPort: port } = await import("node:worker_threads");
    if (!port) throw new Error("simdnet: replica_worker must run in a worker thread");
    return {
      post: (m, t) => port.postMessage(m, t ?? []),
      listen: (h) => port.on("message", h),
      close: () => port.close(),
    };
  }
  const scope = globalThis as unknown as DedicatedWorkerGlobalScope;
  return {
    post: (m, t) => scope.postMessage(m, t ?? []),
    listen: (h) => scope.addEventListener("message", (e) => h(e.data as ToWorker)),
    close: () => scope.close(),
  };
}

const port = await parentPort();
let core: WasmCore | null = null;
let replica: Replica | null = null;
let failAtStep = 0;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function runJob(buffer: ArrayBuffer | SharedArrayBuffer): void {
  const woke = wallClock();
  const job = jobViews(buffer, replica!.sizes);
  job.results[R_WOKE] = woke;
  if (failAtStep > 0 && job.header[H_STEP] === failAtStep) throw new Error(`simulated failure at step ${failAtStep}`);
  // Tests of the main thread's timeout: a worker that stops answering (blocks for good).
  if (failAtStep < 0 && job.header[H_STEP] === -failAtStep) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  replica!.run(job);
}

/** Shared mode: run each job the main thread posts until it asks to stop; returns H_STOP's value. */
function serveShared(buffer: SharedArrayBuffer): number {
  const header = jobViews(buffer, replica!.sizes).header;
  let seen = 0; // job numbers start at 1; the first may be posted before we get here
  for (;;) {
    Atomics.wait(header, H_SEQ, seen);
    const stop = Atomics.load(header, H_STOP);
    if (stop !== 0) return stop;
    const seq = Atomics.load(header, H_SEQ);
    if (seq === seen) continue;
    seen = seq;
    runJob(buffer);
    Atomics.store(header, H_DONE, seq);
    Atomics.notify(header, H_DONE);
  }
}

port.listen((message) => {
  try {
    if (message.type === "init") {
      failAtStep = message.failAtStep;
      // A parked worker keeps its wasm instance (pool.ts only hands it the same module).
      const ready = core ? Promise.resolve(core) : createCore(message.flavor, message.module);
      void ready.then((c) => {
        core = c;
        if (message.spec !== null) {
          replica?.dispose();
          replica = null;
          replica = new Replica(c, message.spec);
        } else if (!replica) {
          throw new Error("simdnet worker: asked to keep a replica it does not have");
        }
        port.post({ type: "ready" });
        if (message.buffer !== null) {
          if (serveShared(message.buffer) === STOP_EXIT) port.close();
          else port.post({ type: "parked" });
        }
      }).catch(fail);
    } else if (message.type === "park") {
      port.post({ type: "parked" });
    } else if (message.type === "job") {
      runJob(message.buffer);
      port.post({ type: "done", buffer: message.buffer }, [message.buffer]);
    }
  } catch (e) {
    fail(e);
  }
});

function fail(e: unknown): void {
  port.post({ type: "failed", message: describe(e) });
  port.close();
}
