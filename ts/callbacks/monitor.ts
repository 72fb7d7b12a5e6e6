/**
 * What ReduceLROnPlateau and EarlyStopping share: checking their arguments, the
 * direction of the monitored metric and Keras's warning for a missing metric.
 */
import type { Logs } from "./callback.js";

/** Monitoring direction options shared by ReduceLROnPlateau and EarlyStopping. */
export type MonitorMode = "auto" | "min" | "max";

/**
 * True when `monitor` should grow: mode "max", or "auto" (as Keras) for names containing
 * "acc" (accuracy); losses and everything else should shrink.
 */
export function maximizes(mode: MonitorMode, monitor: string): boolean {
  return mode === "max" || (mode === "auto" && monitor.includes("acc"));
}

/** Accepts whole numbers >= 0 (patience, cooldown, epochs). */
export function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

/** Checks a numeric callback argument; `what` describes the accepted range for the message. */
export function checkNumberArg(owner: string, name: string, value: unknown, ok: (v: number) => boolean, what: string): number {
  if (typeof value !== "number" || Number.isNaN(value) || !ok(value)) {
    throw new Error(`${owner}: ${name} must be ${what}, received ${String(value)}`);
  }
  return value;
}

/** Checks the shared `monitor`, `mode` and `verbose` arguments. */
export function checkMonitorArgs(owner: string, monitor: unknown, mode: unknown, verbose: unknown): { monitor: string; mode: MonitorMode; verbose: number } {
  if (typeof monitor !== "string" || monitor.length === 0) {
    throw new Error(`${owner}: monitor must be a non-empty metric name such as "val_loss", received ${JSON.stringify(monitor)}`);
  }
  if (mode !== "auto" && mode !== "min" && mode !== "max") {
    throw new Error(`${owner}: mode must be "auto", "min" or "max", received ${JSON.stringify(mode)}`);
  }
  const v = checkNumberArg(owner, "verbose", verbose, (x) => x === 0 || x === 1, "0 or 1");
  return { monitor, mode, verbose: v };
}

/** Keras's message when the monitored key is missing from the logs. */
export function missingMetricWarning(what: string, monitor: string, logs: Logs | undefined): string {
  return `${what} is conditioned on metric \`${monitor}\` which is not available. Available metrics are: ${Object.keys(logs ?? {}).join(",")}`;
}
