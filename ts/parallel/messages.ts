/** The messages between the main thread and a data-parallel worker (replica_worker.ts). */
import type { WasmFlavor } from "../wasm/loader.js";
import type { ReplicaSpec } from "./replica.js";

/** Main thread to worker. */
export type ToWorker =
  | {
      type: "init";
      /** The model to rebuild; null: keep the replica this (parked) worker already holds. */
      spec: ReplicaSpec | null;
      /** The build the main thread's model runs, so that both compute alike. */
      flavor: WasmFlavor;
      /**
       * That build, already compiled: the worker instantiates it rather than fetching and
       * compiling the .wasm file again (which `simdnet/inline` users do not even ship).
       */
      module: WebAssembly.Module;
      /** The job buffer: shared (kept by both sides) or, in message mode, sent per job. */
      buffer: SharedArrayBuffer | null;
      /** @internal Tests only: the worker throws on this step (0: never; -n: stops answering at step n). */
      failAtStep: number;
    }
  | { type: "job"; buffer: ArrayBuffer }
  /** Message mode: the fit is over; answer "parked" and wait for the next "init". */
  | { type: "park" };

/** Worker to main thread. */
export type FromWorker =
  | { type: "ready" }
  /** Stopped serving the last fit's jobs; waits for the next "init". */
  | { type: "parked" }
  | { type: "done"; buffer: ArrayBuffer }
  | { type: "failed"; message: string };
