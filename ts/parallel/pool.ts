/**
 * Workers parked between fit calls. Starting a worker takes hundreds of milliseconds,
 * far more than a training step of a small model: a thread, its modules, a wasm
 * instance, and the replica (a model copy whose plan's memory is touched for the first
 * time). Measured on ResNet-20 (2 cores, busy): about 0.8-1 s from dist/, against
 * 10-30 ms to take a parked worker back. Code that calls `fit` again and again (an epoch per call, a benchmark, a UI
 * that trains in slices) would pay it every call. So a fit that ends normally parks its
 * workers here, their replicas kept, for {@link WORKER_LINGER_MS}; the next fit with
 * workers takes them back (reusing the replica when it trains the same model with the
 * same batch, else rebuilding it in the same wasm instance). Unclaimed, a parked worker
 * is stopped when its time is up, releasing its memory. A parked Node worker does not
 * keep the process alive. Workers of a fit that failed are stopped, never parked.
 */
import { spawnWorker, type WorkerHandle } from "./spawn.js";

/** How long a parked worker waits for the next fit before it is stopped: 5 s. */
export const WORKER_LINGER_MS = 5_000;

/** @internal Test switch: how long workers stay parked (null: {@link WORKER_LINGER_MS}; 0: not parked at all). */
export const poolTesting: { lingerMs: number | null } = { lingerMs: null };

interface Parked {
  handle: WorkerHandle;
  /** The compiled wasm module its instance runs. */
  module: WebAssembly.Module;
  /** The replica spec it holds (JSON), so that an identical one is not rebuilt. */
  spec: string;
  timer: ReturnType<typeof setTimeout>;
}

const parked: Parked[] = [];

/** How long workers stay parked now. */
export function lingerMs(): number {
  return poolTesting.lingerMs ?? WORKER_LINGER_MS;
}

/**
 * A worker running `module`: a parked one (preferably holding the replica `spec`
 * describes, which it then keeps) or a new one. `spec` is null for a new worker or a
 * parked one that must rebuild.
 */
export async function takeWorker(module: WebAssembly.Module, spec: string): Promise<{ handle: WorkerHandle; reuse: boolean }> {
  let at = parked.findIndex((p) => p.module === module && p.spec === spec);
  if (at < 0) at = parked.findIndex((p) => p.module === module);
  if (at < 0) return { handle: await spawnWorker(), reuse: false };
  const [p] = parked.splice(at, 1);
  clearTimeout(p!.timer);
  p!.handle.park(false);
  return { handle: p!.handle, reuse: p!.spec === spec };
}

/** Parks an idle worker (its replica built from `spec`) until the next fit or its time is up. */
export function parkWorker(handle: WorkerHandle, module: WebAssembly.Module, spec: string): void {
  handle.park(true);
  const entry: Parked = {
    handle, module, spec,
    timer: setTimeout(() => {
      const at = parked.indexOf(entry);
      if (at >= 0) parked.splice(at, 1);
      void handle.terminate();
    }, lingerMs()),
  };
  // A parked worker's timer must not keep a Node process alive either.
  (entry.timer as { unref?: () => void }).unref?.();
  // A failure while parked (the thread died): forget it.
  handle.onFailure(() => {
    const at = parked.indexOf(entry);
    if (at >= 0) parked.splice(at, 1);
    clearTimeout(entry.timer);
  });
  parked.push(entry);
}

/** Stops every parked worker now (tests; a page about to free memory). */
export async function releaseWorkers(): Promise<void> {
  const all = parked.splice(0);
  await Promise.all(all.map((p) => {
    clearTimeout(p.timer);
    return p.handle.terminate();
  }));
}
