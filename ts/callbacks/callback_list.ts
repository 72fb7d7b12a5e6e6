/**
 * Dispatches each training event to a list of callbacks, in order.
 *
 * A hook that returns a promise is awaited before the next callback runs. When no
 * callback returns one, a dispatch returns `undefined` synchronously, so the per-batch
 * path costs a loop and no microtask: callers write `const p = list.onBatchEnd(b, logs);
 * if (p) await p;`.
 */
import type { Callback, CallbackModel, Logs } from "./callback.js";

type Hook = "onTrainBegin" | "onTrainEnd" | "onEpochBegin" | "onEpochEnd" | "onBatchBegin" | "onBatchEnd";

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/** An ordered list of callbacks, itself usable as one callback. */
export class CallbackList implements Callback {
  /** The callbacks, in dispatch order. */
  readonly callbacks: Callback[];

  /** Copies `callbacks` (each must be an object); hooks run in this order. */
  constructor(callbacks: readonly Callback[] = []) {
    callbacks.forEach((cb, i) => {
      if (cb === null || typeof cb !== "object") {
        throw new Error(`CallbackList: callbacks[${i}] must be an object with hooks such as onEpochEnd, received ${String(cb)}`);
      }
    });
    this.callbacks = [...callbacks];
  }

  /** Adds a callback at the end. */
  append(callback: Callback): void {
    this.callbacks.push(callback);
  }

  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel?.(model);
  }

  setParams(params: Record<string, unknown>): void {
    for (const cb of this.callbacks) cb.setParams?.(params);
  }

  onTrainBegin(logs?: Logs): void | Promise<void> {
    return this.dispatch("onTrainBegin", logs, undefined);
  }

  onTrainEnd(logs?: Logs): void | Promise<void> {
    return this.dispatch("onTrainEnd", logs, undefined);
  }

  onEpochBegin(epoch: number, logs?: Logs): void | Promise<void> {
    return this.dispatch("onEpochBegin", epoch, logs);
  }

  onEpochEnd(epoch: number, logs: Logs): void | Promise<void> {
    return this.dispatch("onEpochEnd", epoch, logs);
  }

  onBatchBegin(batch: number, logs?: Logs): void | Promise<void> {
    return this.dispatch("onBatchBegin", batch, logs);
  }

  onBatchEnd(batch: number, logs: Logs): void | Promise<void> {
    return this.dispatch("onBatchEnd", batch, logs);
  }

  /** Calls `hook` on each callback from `from` on; switches to async at the first promise. */
  private dispatch(hook: Hook, a: unknown, b: unknown, from = 0): void | Promise<void> {
    const list = this.callbacks;
    for (let i = from; i < list.length; i++) {
      const cb = list[i]!;
      const fn = cb[hook] as ((x: unknown, y: unknown) => unknown) | undefined;
      if (fn === undefined) continue;
      const result = fn.call(cb, a, b);
      if (isPromiseLike(result)) return this.resume(result, hook, a, b, i + 1);
    }
    return undefined;
  }

  private async resume(pending: PromiseLike<void>, hook: Hook, a: unknown, b: unknown, from: number): Promise<void> {
    await pending;
    const rest = this.dispatch(hook, a, b, from);
    if (rest) await rest;
  }
}
