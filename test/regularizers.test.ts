/**
 * Regularizers: Keras 3's definitions and defaults, parsing and serialization, and
 * {@link addRegularization} (the training-step hook) against finite differences and
 * against real Keras (a Dense layer with L2, L1L2 and L1 on its kernel:
 * test/golden/losses/regularized_dense.json, from scripts/keras/make_loss_goldens.py),
 * in both modules.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { layers } from "../ts/layers/index.js";
import { kernelRegularizer } from "../ts/layers/args.js";
import { Sequential } from "../ts/model/sequential.js";
import { optimizers } from "../ts/optimizers/index.js";
import { getCore as modelCore, init } from "../ts/wasm/loader.js";
import { addRegularization, getRegularizer, regularizers, serializeRegularizer, serializeRegularizerTfjs, type RegularizedLayer, type Regularizer } from "../ts/regularizers.js";
import type { WasmBuffer, WasmCore } from "../ts/wasm/core.js";
import { expectClose } from "./helpers/assert.js";
import { describeEachCore } from "./helpers/cores.js";
import { randomArray, rng } from "./helpers/random.js";

interface Case {
  name: string; regularizer: unknown; layer_config_regularizer: unknown; kernel: number[]; kernel_shape: number[]; bias: number[];
  data_loss: number; penalty: number; evaluate_loss: number;
  kernel_grad_without: number[]; bias_grad_without: number[]; kernel_grad: number[]; bias_grad: number[];
}
const cases = (JSON.parse(readFileSync(new URL("./golden/losses/regularized_dense.json", import.meta.url), "utf8")) as { cases: Case[] }).cases;

/** A built layer with a kernel and a bias in wasm memory, shaped like the ones models hold. */
function fakeLayer(core: WasmCore, reg: Regularizer | null, kernel: ArrayLike<number>, shape: number[], bias: ArrayLike<number>, trainable = true) {
  const bufs: WasmBuffer[] = [kernel.length, kernel.length, bias.length, bias.length].map((n) => core.alloc(n));
  core.write(bufs[0]!, kernel);
  core.write(bufs[2]!, bias);
  const layer: RegularizedLayer = {
    kernelRegularizer: reg,
    trainable,
    weights: {
      specs: [{ name: "kernel", shape }, { name: "bias", shape: [bias.length] }],
      param: (i) => bufs[2 * i]!,
      grad: (i) => bufs[2 * i + 1]!,
    },
  };
  return { layer, kernelGrad: bufs[1]!, biasGrad: bufs[3]!, kernel: bufs[0]!, free: () => bufs.forEach((b) => core.free(b)) };
}

describeEachCore("addRegularization", (getCore) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s on a Dense kernel: Keras's penalty and gradients", (_, c) => {
    const core = getCore();
    const reg = getRegularizer("test", "kernelRegularizer", c.regularizer);
    const f = fakeLayer(core, reg, c.kernel, c.kernel_shape, c.bias);
    core.write(f.kernelGrad, c.kernel_grad_without);
    core.write(f.biasGrad, c.bias_grad_without);
    const penalty = addRegularization(core, [f.layer], true);
    expectClose([penalty], [c.penalty], `${c.name} penalty`, 1e-6, 1e-8);
    // Keras reports the data loss plus the penalty (evaluate and fit alike).
    expectClose([c.data_loss + penalty], [c.evaluate_loss], `${c.name} reported loss`, 1e-6, 1e-7);
    expectClose(core.read(f.kernelGrad), c.kernel_grad, `${c.name} kernel gradient`, 1e-5, 1e-7);
    expect(Array.from(core.read(f.biasGrad)), "the bias is not regularized").toEqual(c.bias_grad);
    // Without gradients: the same penalty, and the gradients stay as they are.
    expect(addRegularization(core, [f.layer], false)).toBe(penalty);
    expectClose(core.read(f.kernelGrad), c.kernel_grad, `${c.name} kernel gradient unchanged`, 1e-5, 1e-7);
    f.free();
  });

  it("its gradient matches finite differences of its penalty", () => {
    const core = getCore();
    const next = rng(12);
    for (const reg of [regularizers.l2(0.3), regularizers.l1(0.2), regularizers.l1l2({ l1: 0.05, l2: 0.7 })]) {
      const shape = [3, 2, 2, 5];
      const x = randomArray(next, 60);
      const f = fakeLayer(core, reg, x, shape, [0, 0, 0, 0, 0]);
      addRegularization(core, [f.layer], true);
      const grad = Array.from(core.read(f.kernelGrad));
      const h = 1e-3;
      for (const i of [0, 7, 31, 59]) {
        if (Math.abs(x[i]!) < 2 * h) continue; // |x| has no derivative at 0
        const at = (v: number): number => {
          const y = Float32Array.from(x);
          y[i] = v;
          core.write(f.kernel, y);
          return addRegularization(core, [f.layer], false);
        };
        const numeric = (at(x[i]! + h) - at(x[i]! - h)) / (2 * h);
        expect(Math.abs(numeric - grad[i]!), `${reg.className} d/dx[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(grad[i]!)));
      }
      f.free();
    }
  });

  it("sums over layers, skips unregularized and frozen ones, and refuses a layer without a kernel", () => {
    const core = getCore();
    const a = fakeLayer(core, regularizers.l2(1), [1, 2], [2, 1], [0]);
    const b = fakeLayer(core, regularizers.l1(1), [-3, 4], [1, 2], [0]);
    const none = fakeLayer(core, null, [100, 100], [2, 1], [0]);
    const frozen = fakeLayer(core, regularizers.l2(1), [100, 100], [2, 1], [0], false);
    expect(addRegularization(core, [a.layer, none.layer, b.layer, frozen.layer], false)).toBeCloseTo(5 + 7, 5);
    expect(addRegularization(core, [], true)).toBe(0);
    const noKernel: RegularizedLayer = { kernelRegularizer: regularizers.l2(), weights: { specs: [], param: () => a.kernel, grad: () => a.kernel } };
    expect(() => addRegularization(core, [noKernel], false)).toThrow('addRegularization: layer 0 has a kernelRegularizer but no weight named "kernel" (is it built?)');
    for (const l of [a, b, none, frozen]) l.free();
  });
});

describe("regularizers", () => {
  it("have Keras 3's defaults and configs", () => {
    expect(regularizers.l2().getConfig()).toEqual({ l2: 0.01 });
    expect(regularizers.l1().getConfig()).toEqual({ l1: 0.01 });
    expect(regularizers.l1l2().getConfig()).toEqual({ l1: 0, l2: 0 });
    expect(regularizers.l2(1e-4)).toMatchObject({ className: "L2", l1: 0, l2: 1e-4 });
    expect(regularizers.l2({ l2: 3 })).toMatchObject({ l2: 3 });
    expect(regularizers.l1l2({ l1: 0.1, l2: 0.2 })).toMatchObject({ className: "L1L2", l1: 0.1, l2: 0.2 });
  });

  it("serialize as Keras does and read Keras's, TensorFlow.js's and name forms back", () => {
    for (const c of cases) {
      const r = getRegularizer("test", "kernelRegularizer", c.layer_config_regularizer);
      expect(serializeRegularizer(r)).toEqual(c.layer_config_regularizer);
    }
    expect(getRegularizer("w", "a", { className: "L1L2", config: { l1: 0, l2: 0.01 } })).toMatchObject({ className: "L1L2", l2: 0.01 });
    expect(serializeRegularizerTfjs(regularizers.l2(0.3))).toEqual({ class_name: "L1L2", config: { l1: 0, l2: 0.3 } });
    expect(getRegularizer("w", "a", serializeRegularizerTfjs(regularizers.l1(0.2)))).toMatchObject({ l1: 0.2, l2: 0 });
    expect(getRegularizer("w", "a", "l2")).toMatchObject({ className: "L2", l2: 0.01 });
    expect(getRegularizer("w", "a", "l1_l2")).toMatchObject({ className: "L1L2", l1: 0, l2: 0 });
    const own = regularizers.l1(0.5);
    expect(getRegularizer("w", "a", own)).toBe(own);
    expect(kernelRegularizer("layers.dense", undefined)).toBeNull();
    expect(kernelRegularizer("layers.dense", "l1")).toMatchObject({ className: "L1" });
  });

  it("refuse bad factors and forms by name", () => {
    expect(() => regularizers.l2(-1)).toThrow("regularizers.l2: l2 must be a finite number >= 0, received -1");
    expect(() => regularizers.l1(NaN)).toThrow("regularizers.l1: l1 must be a finite number >= 0, received NaN");
    expect(() => regularizers.l1l2({ l3: 1 } as never)).toThrow('regularizers.l1l2: unknown option "l3"; expected l1, l2');
    expect(() => regularizers.l2({ l1: 1 } as never)).toThrow('regularizers.l2: unknown option "l1"; expected l2');
    expect(() => kernelRegularizer("layers.dense", "l3")).toThrow('layers.dense: kernelRegularizer must be "l1", "l2", "l1_l2" or a regularizer from regularizers.l2(...), received "l3"');
    expect(() => kernelRegularizer("layers.conv2d", { class_name: "OrthogonalRegularizer", config: {} })).toThrow('layers.conv2d: kernelRegularizer: unsupported regularizer "OrthogonalRegularizer"; expected L1, L2 or L1L2');
    expect(() => kernelRegularizer("layers.conv2d", { class_name: "L2", config: { l2: 0.1, l1: 0 } })).toThrow('layers.conv2d: kernelRegularizer: unsupported L2 config key "l1"; expected l2');
    expect(() => kernelRegularizer("layers.conv2d", { class_name: "L2", config: { l2: -0.1 } })).toThrow("layers.conv2d: kernelRegularizer: l2 must be a finite number >= 0, received -0.1");
    expect(() => kernelRegularizer("layers.conv2d", 0.01)).toThrow("layers.conv2d: kernelRegularizer must be a regularizer (regularizers.l2(1e-4), ...), a name or a config, received 0.01");
  });
});

describe("addRegularization on a model's own layers", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: a Dense layer with Keras's weights gives Keras's loss and gradients", async (_, c) => {
    await init();
    const dense = layers.dense({ units: 3, activation: "softmax", inputShape: [4] });
    const model = new Sequential({ layers: [dense] });
    model.compile({ optimizer: optimizers.sgd(), loss: "sparseCategoricalCrossentropy" });
    model.setWeights([{ data: Float32Array.from(c.kernel), shape: c.kernel_shape }, { data: Float32Array.from(c.bias), shape: [c.bias.length] }]);
    const golden = c as Case & { x: number[]; y: number[] };
    const n = golden.y.length;
    const { loss } = model.lossAndGradients({ data: Float32Array.from(golden.x), shape: [n, 4] }, { data: Float32Array.from(golden.y), shape: [n] }, 1, 1);
    expectClose([loss], [c.data_loss], "data loss", 1e-5, 1e-7);
    // What the runner hook does after backward: the layer's weights are the model's windows.
    const layer = Object.assign(dense, { kernelRegularizer: getRegularizer("test", "kernelRegularizer", c.regularizer) });
    const core = modelCore();
    const penalty = addRegularization(core, [layer], true);
    expectClose([loss + penalty], [c.evaluate_loss], "reported loss", 1e-5, 1e-7);
    expectClose(core.read(dense.weights.grad(0)), c.kernel_grad, "kernel gradient", 1e-4, 1e-6);
    expectClose(core.read(dense.weights.grad(1)), c.bias_grad, "bias gradient", 1e-4, 1e-6);
    model.dispose();
  });
});
