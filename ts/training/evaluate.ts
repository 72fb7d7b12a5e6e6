/**
 * Loss and accuracy of a model over every sample of a feeder, in chunks of the plan's
 * batch size, without training (dropout off).
 */
import type { Runner } from "../model/runner.js";
import type { Logs } from "../callbacks/callback.js";
import type { WasmCore } from "../wasm/core.js";
import type { Feeder } from "./data.js";
import { meanLogs, type MetricName } from "./metrics.js";

/** Sample-weighted mean loss (and accuracy when asked) over all of `feeder`. */
export function evaluateFeeder(core: WasmCore, runner: Runner, feeder: Feeder, batchSize: number, metrics: readonly MetricName[]): Logs {
  const chunk = Math.min(batchSize, runner.plan.batch);
  const n = feeder.length;
  feeder.startEpoch(0, null);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    feeder.fill(core, runner.plan, start, count);
    runner.forward(count, false, 0, true);
    lossSum += runner.lossAndGradient(count) * count;
    if (metrics.length > 0) correct += runner.correct(count);
  }
  return meanLogs(lossSum, correct, n, metrics);
}
