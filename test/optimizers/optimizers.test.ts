import { describe, expect, it } from "vitest";
import { getOptimizer, optimizerFromConfig, optimizers, type Optimizer } from "../../ts/optimizers/index.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";

/**
 * Runs `steps` updates of `opt` over `p0` with gradient `grads[t]` at step t + 1, in a
 * fresh wasm buffer set; returns the parameters after each step and the final state.
 */
function run(core: WasmCore, opt: Optimizer, p0: number[], grads: number[][], lrs?: number[]): { params: number[][]; state: number[] } {
  const n = p0.length;
  const params = core.alloc(n);
  const g = core.alloc(n);
  const slots = opt.stateSlots();
  const state = slots > 0 ? core.alloc(slots * n) : null;
  core.write(params, p0);
  const history: number[][] = [];
  grads.forEach((gt, t) => {
    if (lrs) opt.learningRate = lrs[t]!;
    core.write(g, gt);
    opt.apply(core, n, params, g, state, t + 1);
    history.push(Array.from(core.read(params)));
  });
  const finalState = state ? Array.from(core.read(state)) : [];
  core.free(params);
  core.free(g);
  if (state) core.free(state);
  return { params: history, state: finalState };
}

const close = (actual: number[], expected: number[], what: string): void => expectClose(actual, expected, what, 1e-5, 1e-6);

describeEachCore("optimizers", (getCore) => {
  it("SGD without momentum: p -= lr g", () => {
    const { params } = run(getCore(), optimizers.sgd({ learningRate: 0.1 }), [1, -2, 0.5], [[0.5, 1, -3], [1, 1, 1]]);
    close(params[0]!, [0.95, -2.1, 0.8], "step 1");
    close(params[1]!, [0.85, -2.2, 0.7], "step 2");
  });

  it("SGD with momentum keeps a velocity in its one slot", () => {
    const opt = optimizers.sgd({ learningRate: 0.1, momentum: 0.9 });
    expect(opt.stateSlots()).toBe(1);
    const { params, state } = run(getCore(), opt, [1, -2], [[0.5, 1], [0.5, 1]]);
    // vel = 0.9 vel - 0.1 g: -0.05, then -0.045 - 0.05 = -0.095 (first param).
    close(params[0]!, [0.95, -2.1], "step 1");
    close(params[1]!, [0.855, -2.29], "step 2");
    close(state, [-0.095, -0.19], "velocity");
  });

  it("SGD with Nesterov momentum: p += momentum vel - lr g", () => {
    const { params } = run(getCore(), optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [1], [[0.5], [0.5]]);
    // step 1: vel -0.05, p += -0.045 - 0.05; step 2: vel -0.095, p += -0.0855 - 0.05.
    close(params[0]!, [0.905], "step 1");
    close(params[1]!, [0.7695], "step 2");
  });

  it("Adam: bias-corrected moments in slots m then v", () => {
    const opt = optimizers.adam({ learningRate: 0.1 });
    const { params, state } = run(getCore(), opt, [1, -1], [[0.5, -2], [0.25, 1]]);
    // Step 1 moves each parameter by about lr against the gradient's sign:
    // m = 0.1 g, v = 0.001 g^2, alpha = 0.1 sqrt(0.001) / 0.1, so the step is
    // 0.1 |g| sqrt(0.001) / (|g| sqrt(0.001) + 1e-7).
    const step1 = (g: number): number => (0.1 * g * Math.sqrt(0.001)) / (Math.abs(g) * Math.sqrt(0.001) + 1e-7);
    close(params[0]!, [1 - step1(0.5), -1 - step1(-2)], "step 1");
    // Step 2 by hand: m = 0.9 m1 + 0.1 g2, v = 0.999 v1 + 0.001 g2^2,
    // alpha = 0.1 sqrt(1 - 0.999^2) / (1 - 0.9^2).
    const m2 = [0.9 * 0.05 + 0.1 * 0.25, 0.9 * -0.2 + 0.1 * 1];
    const v2 = [0.999 * 0.00025 + 0.001 * 0.0625, 0.999 * 0.004 + 0.001 * 1];
    const alpha2 = (0.1 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    const p2 = [0, 1].map((i) => params[0]![i]! - (alpha2 * m2[i]!) / (Math.sqrt(v2[i]!) + 1e-7));
    close(params[1]!, p2, "step 2");
    close(state, [...m2, ...v2], "m then v");
  });

  it("RMSprop without momentum: one slot, the mean square", () => {
    const opt = optimizers.rmsprop({ learningRate: 0.01 });
    expect(opt.stateSlots()).toBe(1);
    const { params, state } = run(getCore(), opt, [1], [[0.5], [-1]]);
    // ms = 0.1 * 0.25 = 0.025; p = 1 - 0.01 * 0.5 / sqrt(0.025 + 1e-7).
    const p1 = 1 - (0.01 * 0.5) / Math.sqrt(0.025 + 1e-7);
    const ms2 = 0.9 * 0.025 + 0.1 * 1;
    close(params[0]!, [p1], "step 1");
    close(params[1]!, [p1 + 0.01 / Math.sqrt(ms2 + 1e-7)], "step 2");
    close(state, [ms2], "mean square");
  });

  it("RMSprop with momentum: slots mean square then velocity", () => {
    const opt = optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, rho: 0.8 });
    expect(opt.stateSlots()).toBe(2);
    const { params, state } = run(getCore(), opt, [2], [[1], [1]]);
    const inc1 = 0.01 / Math.sqrt(0.2 + 1e-7);
    const ms2 = 0.8 * 0.2 + 0.2;
    const vel2 = 0.5 * inc1 + 0.01 / Math.sqrt(ms2 + 1e-7);
    close(params[0]!, [2 - inc1], "step 1");
    close(params[1]!, [2 - inc1 - vel2], "step 2");
    close(state, [ms2, vel2], "mean square then velocity");
  });

  it("uses the learning rate set between steps", () => {
    const { params } = run(getCore(), optimizers.sgd({ learningRate: 0.1 }), [1], [[1], [1]], [0.1, 0.5]);
    close(params[1]!, [0.4], "after lr 0.1 then 0.5");
  });

  it("reports a missing or short state buffer in its own terms, changing nothing", () => {
    const core = getCore();
    const p = core.alloc(3);
    const g = core.alloc(3);
    const short = core.alloc(5);
    core.write(p, [1, 2, 3]);
    core.write(g, [1, 1, 1]);
    expect(() => optimizers.adam().apply(core, 3, p, g, null, 1)).toThrow("Adam.apply: state must hold 2 * 3 = 6 floats, received null");
    expect(() => optimizers.adam().apply(core, 3, p, g, short, 1)).toThrow("Adam.apply: state must hold 2 * 3 = 6 floats, received 5");
    expect(() => optimizers.sgd({ momentum: 0.5 }).apply(core, 3, p, g, null, 1)).toThrow("SGD.apply: state must hold 1 * 3 = 3 floats, received null");
    const state = core.alloc(6);
    expect(() => optimizers.adam().apply(core, 3, p, g, state, 0)).toThrow(/step must be a whole number/);
    expect(Array.from(core.read(p))).toEqual([1, 2, 3]);
    for (const buf of [p, g, short, state]) core.free(buf);
  });
});

describe("optimizer settings", () => {
  it("use Keras's defaults", () => {
    expect(optimizers.sgd().getConfig()).toEqual({ learning_rate: 0.01, momentum: 0, nesterov: false });
    expect(optimizers.adam().getConfig()).toEqual({ learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(optimizers.rmsprop().getConfig()).toEqual({ learning_rate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(optimizers.sgd().stateSlots()).toBe(0);
  });

  it("round-trip through their Keras config", () => {
    const all = [
      optimizers.sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true }),
      optimizers.adam({ learningRate: 3e-4, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }),
      optimizers.rmsprop({ learningRate: 0.02, rho: 0.95, momentum: 0.1, epsilon: 1e-5 }),
    ];
    for (const opt of all) {
      const again = optimizerFromConfig(opt.className, opt.getConfig());
      expect(again.className).toBe(opt.className);
      expect(again.getConfig()).toEqual(opt.getConfig());
    }
  });

  it("accept a Keras config with neutral extras, and refuse settings they cannot honour", () => {
    const keras = { name: "Adam", learning_rate: 0.002, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false, clipnorm: null, weight_decay: null, use_ema: false };
    expect(optimizerFromConfig("Adam", keras).learningRate).toBe(0.002);
    expect(() => optimizerFromConfig("Adam", { amsgrad: true })).toThrow("optimizerFromConfig(Adam): amsgrad true is not supported; only false");
    expect(() => optimizerFromConfig("SGD", { clipnorm: 1 })).toThrow("optimizerFromConfig(SGD): clipnorm 1 is not supported");
    expect(() => optimizerFromConfig("RMSprop", { centred: false })).toThrow(
      'optimizerFromConfig(RMSprop): unsupported config key "centred"; expected learning_rate, weight_decay, rho, momentum, epsilon, centered',
    );
  });

  it("are found by name and class name", () => {
    expect(getOptimizer("adam").className).toBe("Adam");
    expect(getOptimizer("SGD").className).toBe("SGD");
    expect(getOptimizer("RMSprop").className).toBe("RMSprop");
    const own = optimizers.sgd();
    expect(getOptimizer(own)).toBe(own);
    expect(() => getOptimizer("adagrad")).toThrow(
      'getOptimizer: unknown optimizer "adagrad"; expected one of sgd, adam, adamW, rmsprop (or their Keras class names SGD, Adam, AdamW, RMSprop)',
    );
  });

  it("reject bad hyperparameters by name", () => {
    expect(() => optimizers.sgd({ learningRate: 0 })).toThrow("SGD: learningRate must be a finite number > 0 or a schedule (optimizers.schedules.cosineDecay(...), ...), received 0");
    expect(() => optimizers.sgd({ momentum: 1.5 })).toThrow("SGD: momentum must be a number in [0, 1], received 1.5");
    expect(() => optimizers.sgd({ nesterov: "yes" as never })).toThrow("SGD: nesterov must be true or false, received yes");
    expect(() => optimizers.adam({ beta1: 1 })).toThrow("Adam: beta1 must be a number in [0, 1), received 1");
    expect(() => optimizers.adam({ beta2: -0.1 })).toThrow("Adam: beta2 must be a number in [0, 1), received -0.1");
    expect(() => optimizers.adam({ epsilon: 0 })).toThrow("Adam: epsilon must be a finite number > 0, received 0");
    expect(() => optimizers.rmsprop({ rho: NaN })).toThrow("RMSprop: rho must be a number in [0, 1), received NaN");
    expect(() => optimizers.rmsprop({ learningRate: Infinity })).toThrow("RMSprop: learningRate must be a finite number > 0 or a schedule (optimizers.schedules.cosineDecay(...), ...), received Infinity");
  });

  it("refuse unknown options instead of ignoring them, pointing Keras spellings to ours", () => {
    expect(() => optimizers.adam({ lr: 0.01 } as never)).toThrow(
      'Adam: unknown option "lr"; expected one of learningRate, weightDecay, beta1, beta2, epsilon; did you mean learningRate?',
    );
    expect(() => optimizers.sgd({ learning_rate: 0.1 } as never)).toThrow('SGD: unknown option "learning_rate"; expected one of learningRate, weightDecay, momentum, nesterov; did you mean learningRate?');
    expect(() => optimizers.adam({ beta_1: 0.8 } as never)).toThrow("did you mean beta1?");
    expect(() => optimizers.rmsprop({ centered: true } as never)).toThrow('RMSprop: unknown option "centered"; expected one of learningRate, weightDecay, rho, momentum, epsilon');
    expect(() => optimizers.rmsprop({ centered: true } as never)).not.toThrow("did you mean");
    expect(() => optimizers.sgd(0.1 as never)).toThrow("SGD: options must be an object like { learningRate: ... }, received 0.1");
    expect(optimizers.adam({ learningRate: 0.01, beta1: 0.8 }).learningRate).toBe(0.01);
  });

  it("keep the old learning rate when a bad one is set", () => {
    const opt = optimizers.adam({ learningRate: 0.01 });
    expect(() => (opt.learningRate = -1)).toThrow("Adam: learningRate must be a finite number > 0, received -1");
    expect(opt.learningRate).toBe(0.01);
  });
});
