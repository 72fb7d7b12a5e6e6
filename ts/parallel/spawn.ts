/**
 * Starting a replica worker in Node (worker_threads) or a browser (module Worker), behind
 * one small interface.
 *
 * The entry module is `replica_worker` next to this file, with this file's own extension:
 * `.js` when running compiled (dist/, or a bundle that ships replica_worker.js beside
 * it), `.ts` when running from sources. Node cannot import TypeScript, so from sources
 * the worker first registers module hooks that compile `.ts` (ts_bootstrap.ts, loaded
 * only then, and left out of the browser bundles). Browsers running sources go through
 * a dev server (vite) that compiles `.ts` itself.
 */
import type { FromWorker, ToWorker } from "./messages.js";

/** A started worker, whatever the platform. */
export interface WorkerHandle {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  /** Messages from the worker (replaces the previous handler: a parked worker serves fit after fit). */
  onMessage(handler: (message: FromWorker) => void): void;
  /** An uncaught error in the worker, or its exit before {@link terminate} (replaces the previous handler). */
  onFailure(handler: (error: Error) => void): void;
  /**
   * Marks the worker parked between fit calls (true) or in use again (false). A parked
   * Node worker does not keep the process alive (unref).
   */
  park(parked: boolean): void;
  /** Stops the worker; resolves once it is gone. */
  terminate(): Promise<void>;
}

let live = 0;
let parkedCount = 0;
let spawned = 0;

/** @internal Workers started since the process began (tests check that parked ones are reused). */
export function spawnedWorkers(): number {
  return spawned;
}

/**
 * @internal Workers started, not yet exited and not parked between fit calls (see
 * pool.ts): tests check that fit leaves none running.
 */
export function liveWorkers(): number {
  return live - parkedCount;
}

/** @internal Workers parked between fit calls (they stop by themselves, see pool.ts). */
export function parkedWorkers(): number {
  return parkedCount;
}

function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

/** The worker entry's URL: replica_worker.ts or .js, beside this module. */
export function workerEntryUrl(): URL {
  const here = import.meta.url;
  const ext = /\.ts(\?.*)?$/.test(here) ? ".ts" : ".js";
  return new URL(`./replica_worker${ext}`, here);
}

/** Starts a replica worker (it then waits for its "init" message). */
export async function spawnWorker(): Promise<WorkerHandle> {
  spawned++;
  return isNode() ? spawnNode(workerEntryUrl()) : spawnBrowser(workerEntryUrl());
}

async function spawnNode(entry: URL): Promise<WorkerHandle> {
  const { Worker } = await import("node:worker_threads");
  let worker: InstanceType<typeof Worker>;
  if (entry.pathname.endsWith(".ts")) {
    const { typeScriptBootstrap } = await import("./ts_bootstrap.js");
    worker = new Worker(await typeScriptBootstrap(entry), { eval: true });
  } else {
    worker = new Worker(entry);
  }
  live++;
  let terminating = false;
  let parked = false;
  let failure: ((e: Error) => void) | null = null;
  let handler: ((m: FromWorker) => void) | null = null;
  const exited = new Promise<void>((resolve) => {
    worker.once("exit", (code) => {
      live--;
      if (parked) parkedCount--;
      parked = false;
      if (!terminating) failure?.(new Error(`the worker exited unexpectedly (code ${code})`));
      resolve();
    });
  });
  worker.on("error", (e) => failure?.(e instanceof Error ? e : new Error(String(e))));
  worker.on("message", (m: FromWorker) => handler?.(m));
  return {
    post: (m, t) => worker.postMessage(m, t ?? []),
    onMessage: (h) => {
      handler = h;
    },
    onFailure: (h) => {
      failure = h;
    },
    park: (p) => {
      if (p === parked) return;
      parked = p;
      parkedCount += p ? 1 : -1;
      if (p) worker.unref();
      else worker.ref();
    },
    terminate: async () => {
      terminating = true;
      await worker.terminate();
      await exited;
    },
  };
}

function spawnBrowser(entry: URL): WorkerHandle {
  const worker = new Worker(entry, { type: "module" });
  live++;
  let gone = false;
  let parked = false;
  let failure: ((e: Error) => void) | null = null;
  let handler: ((m: FromWorker) => void) | null = null;
  worker.addEventListener("error", (e) => {
    e.preventDefault();
    failure?.(new Error(e.message || `the worker failed to load ${entry.href}`));
  });
  worker.addEventListener("messageerror", () => failure?.(new Error("a message from the worker could not be read")));
  worker.addEventListener("message", (e: MessageEvent<FromWorker>) => handler?.(e.data));
  return {
    post: (m, t) => worker.postMessage(m, t ?? []),
    onMessage: (h) => {
      handler = h;
    },
    onFailure: (h) => {
      failure = h;
    },
    park: (p) => {
      if (p === parked) return;
      parked = p;
      parkedCount += p ? 1 : -1;
    },
    terminate: () => {
      // Browsers terminate synchronously and report no exit.
      worker.terminate();
      if (!gone) {
        live--;
        if (parked) parkedCount--;
      }
      parked = false;
      gone = true;
      return Promise.resolve();
    },
  };
}
