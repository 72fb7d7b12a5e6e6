/**
 * Metric names accepted by `compile`. simdnet computes one metric, accuracy: the share
 * of samples whose highest output matches the label's class (the argmax of one-hot rows).
 */
import type { Logs } from "../callbacks/callback.js";

/** The metrics simdnet reports (logged under these keys, and "val_" + key). */
export type MetricName = "accuracy";

const ALIASES: Readonly<Record<string, MetricName>> = {
  accuracy: "accuracy",
  acc: "accuracy",
  categoricalAccuracy: "accuracy",
  categorical_accuracy: "accuracy",
  sparseCategoricalAccuracy: "accuracy",
  sparse_categorical_accuracy: "accuracy",
};

/** Resolves `compile`'s `metrics` option (undefined, a name, or a list of names). */
export function getMetrics(ids: unknown): MetricName[] {
  if (ids === undefined || ids === null) return [];
  const list = Array.isArray(ids) ? ids : [ids];
  const out: MetricName[] = [];
  for (const id of list) {
    const name = typeof id === "string" ? ALIASES[id] : undefined;
    if (!name) {
      throw new Error(`compile: unknown metric ${typeof id === "string" ? JSON.stringify(id) : String(id)}; expected "accuracy" (or "acc")`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * The logs of `n` samples: their mean loss from `lossSum` (the per-sample losses summed)
 * and, when compiled with it, accuracy from `correct` of them.
 */
export function meanLogs(lossSum: number, correct: number, n: number, metrics: readonly MetricName[]): Logs {
  const logs: Logs = { loss: lossSum / n };
  if (metrics.includes("accuracy")) logs.accuracy = correct / n;
  return logs;
}
