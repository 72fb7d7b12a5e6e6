/**
 * The upper limit of `fit`'s `workers`: the logical cores this machine runs at once, but
 * never below 4.
 *
 * Why a limit: each worker holds a whole replica of the model (its own wasm memory), so
 * `workers: 1000` would start a thousand threads and run out of memory long before it
 * ran faster. Why at least 4: beyond the core count workers only take turns, which costs
 * speed but not correctness, and 2-core machines (CI runners, small laptops) should still
 * run code and tests written for 3- or 4-way sharding.
 */

/** Logical cores: navigator.hardwareConcurrency (browsers, Node >= 21), else Node's os module; null when unknown. */
export function logicalCores(): number | null {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator;
  if (typeof nav?.hardwareConcurrency === "number" && nav.hardwareConcurrency >= 1) return nav.hardwareConcurrency;
  // Node 20.16+ offers builtins synchronously; older Node 20 releases leave the count unknown.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.();
  return typeof n === "number" && n >= 1 ? n : null;
}

/** The most workers `fit` accepts here: max(4, logical cores); 4 when the count is unknown. */
export function maxWorkers(): number {
  return Math.max(4, logicalCores() ?? 0);
}

/** Throws when `workers` (already a whole number >= 1) is above {@link maxWorkers}. */
export function checkWorkerCount(workers: number): void {
  const limit = maxWorkers();
  if (workers > limit) {
    const cores = logicalCores();
    throw new Error(`fit: workers is ${workers}, more than the ${limit} this machine runs at once (${cores === null ? "core count unknown" : `${cores} cores`}, at least 4 allowed)`);
  }
}
