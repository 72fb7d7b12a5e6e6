/**
 * Optimizers and learning-rate schedules against real Keras 3.15
 * (test/golden/optimizers/*.json, written by scripts/keras/make_optimizer_goldens.py):
 * the same variable, the same gradients, the same configs, several steps, both modules.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { optimizerFromConfig, type Optimizer } from "../../ts/optimizers/index.js";
import { scheduleFromConfig } from "../../ts/optimizers/schedules.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";

interface ScheduleCase { name: string; serialized: unknown; steps: number[]; values: number[] }
interface OptimizerCase {
  name: string; class_name: string; config: Record<string, unknown>;
  initial: number[]; grads: number[][]; params: number[][]; learning_rates: number[];
}

function golden<T>(file: string): T[] {
  return (JSON.parse(readFileSync(new URL(`../golden/optimizers/${file}`, import.meta.url), "utf8")) as { cases: T[] }).cases;
}

const scheduleCases = golden<ScheduleCase>("schedules.json");
const optimizerCases = golden<OptimizerCase>("optimizers.json");

describe("learning-rate schedules against Keras", () => {
  it.each(scheduleCases.map((c) => [c.name, c] as const))("%s: the rate at every step", (_, c) => {
    const schedule = scheduleFromConfig("test", c.serialized);
    const ours = c.steps.map((s) => schedule.at(s));
    // float32 formulas; cos and pow may differ from TensorFlow's by an ulp.
    expectClose(ours, c.values, `${c.name} rates`, 2e-7, 1e-12);
  });

  it.each(scheduleCases.map((c) => [c.name, c] as const))("%s: serializes as Keras does", (_, c) => {
    const schedule = scheduleFromConfig("test", c.serialized);
    const again = optimizerFromConfig("SGD", { learning_rate: c.serialized }).getConfig().learning_rate;
    expect(again).toEqual(c.serialized);
    expect(schedule.className).toBe((c.serialized as { class_name: string }).class_name);
  });
});

function run(core: WasmCore, opt: Optimizer, c: OptimizerCase): { params: number[][]; rates: number[] } {
  const n = c.initial.length;
  const params = core.alloc(n);
  const grads = core.alloc(n);
  const state = opt.stateSlots() > 0 ? core.alloc(opt.stateSlots() * n) : null;
  core.write(params, c.initial);
  const out = { params: [] as number[][], rates: [] as number[] };
  try {
    c.grads.forEach((g, t) => {
      core.write(grads, g);
      opt.apply(core, n, params, grads, state, t + 1);
      out.params.push(Array.from(core.read(params)));
      out.rates.push(opt.learningRate);
    });
  } finally {
    core.free(params);
    core.free(grads);
    if (state) core.free(state);
  }
  return out;
}

describeEachCore("optimizers against Keras", (getCore) => {
  it.each(optimizerCases.map((c) => [c.name, c] as const))("%s: params after each step", (_, c) => {
    const opt = optimizerFromConfig(c.class_name, c.config);
    const { params, rates } = run(getCore(), opt, c);
    c.params.forEach((want, t) => expectClose(params[t]!, want, `${c.name} step ${t + 1}`, 1e-5, 1e-7));
    // optimizer.learningRate after a step reads the schedule at the new step count.
    expectClose(rates, c.learning_rates, `${c.name} learning_rate`, 2e-7, 1e-12);
  });
});
