/**
 * Inference fusion (ts/model/fuse.ts): which layers fuse in ResNet-20, MobileNetV2 and
 * small graphs with every kind of link; fused predictions equal the unfused ones
 * (`activations()`, which runs the model's own graph on a training plan, and an explicit
 * unfused inference plan) up to float rounding, with random batch-normalization
 * statistics; weight changes (model and layer setWeights, fit) show in the next predict;
 * per-layer timings of a fused plan go to each group's head; a zero padding folds into
 * the convolution after it only when that equals `same` padding.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import { BatchNormalization } from "../../ts/layers/batch_normalization.js";
import { layers } from "../../ts/layers/index.js";
import { findGroups, fuseGraph } from "../../ts/model/fuse.js";
import { Model } from "../../ts/model/model.js";
import { planBuffers, releasePlan } from "../../ts/model/plan.js";
import { Runner } from "../../ts/model/runner.js";
import { input, type SymbolicTensor } from "../../ts/model/symbolic.js";
import { sizeOf } from "../../ts/shapes.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

/** Random weights for every layer, batch-normalization statistics included (variances > 0). */
function randomizeWeights(m: Model, seed: number): void {
  const next = rng(seed);
  for (const layer of m.layers) {
    const specs = layer.weights.specs;
    if (specs.length === 0) continue;
    layer.setWeights(specs.map((s) => {
      const n = sizeOf(s.shape);
      const data = s.name === "moving_variance" ? randomArray(next, n, 0.3, 2)
        : s.name === "gamma" ? randomArray(next, n, 0.5, 1.5)
          : randomArray(next, n, -0.5, 0.5);
      return { data, shape: [...s.shape] };
    }));
  }
}

function randomInput(m: Model, n: number, seed: number): Tensor {
  const shape = m.inputShape!;
  return { data: randomArray(rng(seed), n * sizeOf(shape)), shape: [n, ...shape] };
}

/** The plan the model holds now (internal). */
function currentPlan(m: Model): { origin: readonly number[] | null } | null {
  return (m as unknown as { memory: { plan: { origin: readonly number[] | null } | null } }).memory.plan;
}

/** predict (fused) against the model's own graph (activations' last entry, a training plan). */
function expectFusedMatches(m: Model, x: Tensor, what: string, batchSize = 32): void {
  const fused = m.predict(x, { batchSize });
  expect(currentPlan(m)?.origin, `${what}: predict ran a fused plan`).not.toBeNull();
  const plain = m.activations(x, { batchSize }).at(-1)!;
  expectClose(fused.data, plain.data, what, 1e-4, 1e-5);
}

describe("fusion groups", () => {
  it("ResNet-20: every conv with its batch norm, the adds and the ReLUs (19 groups, 9 residual)", () => {
    const m = applications.resnet20({ inputShape: [32, 32, 3], classes: 10 });
    const groups = findGroups(m.graph());
    const names = (g: { members: readonly number[] }) => g.members.map((i) => m.layers[i]!.className).join(",");
    expect(groups.length).toBe(19);
    expect(groups.filter((g) => g.residual >= 0).length).toBe(9);
    expect(new Set(groups.map(names))).toEqual(new Set(["Conv2D,BatchNormalization,Activation", "Conv2D,BatchNormalization,Add,Activation"]));
    expect(groups.every((g) => g.bn !== null && g.clip[0] === 0 && g.clip[1] === Infinity)).toBe(true);
    // The two projection shortcuts (1x1 convs, no batch norm) stay alone; their Add is fused with the other branch.
    const fused = fuseGraph(m.graph())!;
    const bns = m.layers.filter((l) => l instanceof BatchNormalization).length;
    expect(fused.graph.layers.length).toBe(m.layers.length - groups.reduce((n, g) => n + g.members.length - 1, 0));
    expect(fused.graph.layers.some((l) => l.className === "BatchNormalization" || l.className === "Add")).toBe(false);
    expect(bns).toBe(19);
    m.dispose();
  });

  it("MobileNetV2: every batch norm and zero padding fused (52 groups), ReLU6 clips, the 10 residual adds", () => {
    const m = applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10 });
    const groups = findGroups(m.graph());
    expect(groups.length).toBe(52);
    expect(groups.every((g) => g.bn !== null)).toBe(true);
    expect(groups.filter((g) => g.residual >= 0).length).toBe(10);
    expect(groups.filter((g) => g.clip[1] === 6).length).toBe(35);
    expect(groups.filter((g) => g.clip[0] === -Infinity).length).toBe(17); // the projections
    // The four stride-2 blocks' zero paddings become their depthwise convolutions' `same` padding.
    expect(groups.filter((g) => g.pad).map((g) => m.layers[g.members[0]!]!.name)).toEqual(["block_1_pad", "block_3_pad", "block_6_pad", "block_13_pad"]);
    expect(fuseGraph(m.graph())!.graph.layers.some((l) => l.className === "ZeroPadding2D")).toBe(false);
    m.dispose();
  });

  it("does not fuse across a value read twice, a non-linear head followed by batch norm, or unsupported activations", () => {
    const x0 = input({ shape: [6, 6, 2] });
    const a = layers.conv2d({ filters: 4, kernelSize: 3, padding: "same" }).apply(x0); // read by bn1 and the add: alone
    const b = layers.batchNormalization().apply(a);
    const c = layers.add().apply([a, b]);
    const d = layers.conv2d({ filters: 4, kernelSize: 1, activation: "tanh" }).apply(c); // tanh: not a head
    const e = layers.batchNormalization().apply(d);
    const f = layers.conv2d({ filters: 4, kernelSize: 1, activation: "relu" }).apply(e); // relu head, then BN: head alone
    const g = layers.batchNormalization().apply(f);
    const h = layers.conv2d({ filters: 4, kernelSize: 1 }).apply(g);
    const i = layers.leakyReLU().apply(layers.batchNormalization().apply(h)); // LeakyReLU: not a clip
    const out = layers.dense({ units: 2 }).apply(layers.flatten().apply(i));
    const m = new Model({ inputs: x0, outputs: out, seed: 3 });
    const groups = findGroups(m.graph()).map((gr) => gr.members.map((k) => m.layers[k]!.name));
    expect(groups).toEqual([[m.layers[5]!.name], [m.layers[7]!.name, m.layers[8]!.name]]);
    expect(m.layers[5]!.className).toBe("Conv2D");
    randomizeWeights(m, 4);
    expectFusedMatches(m, randomInput(m, 3, 5), "partly fused graph");
    m.dispose();
  });
});

/** A model with one of each link: dense/conv/depthwise heads, bias or not, BN options, adds, every clip. */
function linkZoo(seed: number): Model {
  const x0 = input({ shape: [9, 9, 3] });
  const bn = (o = {}) => layers.batchNormalization({ epsilon: 0.01, ...o });
  // conv (bias) -> BN -> ReLU(max 2.5)
  let x: SymbolicTensor = layers.reLU({ maxValue: 2.5 }).apply(bn().apply(layers.conv2d({ filters: 8, kernelSize: 3, padding: "same" }).apply(x0)));
  // conv (own relu6), alone with its clip; valid padding, stride 2
  const y = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "valid", activation: "relu6" }).apply(x);
  // zero padding as Keras's correct_pad -> depthwise stride 2 valid (no bias, multiplier 2) -> BN (no scale) -> Activation("relu")
  const yp = layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(y);
  const z = layers.activation({ activation: "relu" }).apply(bn({ scale: false }).apply(layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "valid", depthMultiplier: 2, useBias: false }).apply(yp)));
  // conv 1x1 -> BN (no center) -> add(z-branch, shortcut) -> nothing after
  const p = bn({ center: false }).apply(layers.conv2d({ filters: 16, kernelSize: 1, useBias: false }).apply(z));
  const s = layers.conv2d({ filters: 16, kernelSize: 1 }).apply(z);
  x = layers.add().apply([s, p]);
  // both inputs of an add end BN chains; then Activation("linear")
  const q1 = bn().apply(layers.depthwiseConv2d({ kernelSize: 3, padding: "same" }).apply(x));
  const q2 = bn().apply(layers.conv2d({ filters: 16, kernelSize: 3, padding: "same" }).apply(x));
  x = layers.activation({ activation: "linear" }).apply(layers.add().apply([q1, q2]));
  // a zero padding that is not `same` for the conv after it (not folded); dense -> BN -> ReLU as the model output
  const v = bn().apply(layers.conv2d({ filters: 4, kernelSize: 3 }).apply(layers.zeroPadding2d({ padding: 2, name: "wide_pad" }).apply(x)));
  const f = layers.dense({ units: 7 }).apply(layers.flatten().apply(v));
  const out = layers.reLU().apply(bn().apply(f));
  return new Model({ inputs: x0, outputs: out, seed });
}

describe("fused predictions equal the unfused ones", () => {
  it("a graph with every kind of link, at batch 1, 5 and in chunks", () => {
    for (const seed of [1, 2, 3]) {
      const m = linkZoo(seed);
      const groups = findGroups(m.graph());
      // Every batch norm is folded (which branch takes each add depends on the graph order).
      const folded = new Set(groups.flatMap((g) => g.members));
      m.layers.forEach((l, i) => {
        if (l instanceof BatchNormalization) expect(folded.has(i), l.name).toBe(true);
      });
      expect(groups.length).toBeGreaterThanOrEqual(8);
      const padded = groups.filter((g) => g.pad);
      expect(padded.map((g) => m.layers[g.members[0]!]!.className)).toEqual(["ZeroPadding2D"]);
      expect(folded.has(m.layers.findIndex((l) => l.name === "wide_pad"))).toBe(false);
      randomizeWeights(m, seed + 10);
      expectFusedMatches(m, randomInput(m, 1, seed), `zoo ${seed}, 1 sample`);
      expectFusedMatches(m, randomInput(m, 5, seed), `zoo ${seed}, 5 samples`);
      expectFusedMatches(m, randomInput(m, 7, seed), `zoo ${seed}, chunks of 3`, 3);
      m.dispose();
    }
  });

  it("ResNet-20 and MobileNetV2 with random batch-norm statistics", () => {
    const nets: [string, () => Model][] = [
      ["resnet20", () => applications.resnet20({ inputShape: [32, 32, 3], classes: 10 })],
      ["mobilenetv2", () => applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10 })],
    ];
    for (const [name, make] of nets) {
      const m = make();
      randomizeWeights(m, 7);
      expectFusedMatches(m, randomInput(m, 3, 8), name);
      m.dispose();
    }
  });

  it("an explicit unfused inference plan and the fused one give the same outputs", () => {
    const m = linkZoo(4);
    randomizeWeights(m, 5);
    m.predict(randomInput(m, 1, 1)); // places the weights
    const core = getCore();
    const x = randomInput(m, 4, 6);
    const outputs = [false, true].map((fuse) => {
      const plan = planBuffers(core, m.graph(), 4, false, fuse);
      expect(plan.origin === null).toBe(!fuse);
      const runner = new Runner(core, m.graph(), plan, null);
      core.write(plan.input, x.data);
      runner.forward(4, false, 0, false);
      const out = core.read(plan.output);
      releasePlan(core, plan);
      return out;
    });
    expectClose(outputs[1]!, outputs[0]!, "fused vs unfused plan", 1e-5, 1e-6);
    m.dispose();
  });
});

describe("weight changes reach the fused plan", () => {
  it("model setWeights, a layer's setWeights and fit all show in the next predict", async () => {
    const m = linkZoo(5);
    randomizeWeights(m, 1);
    const x = randomInput(m, 4, 2);
    const before = m.predict(x);
    randomizeWeights(m, 2); // layer by layer
    const afterLayers = m.predict(x);
    expect(afterLayers.data).not.toEqual(before.data);
    expectFusedMatches(m, x, "after layer setWeights");
    const w = m.getWeights();
    const bnIndex = m.layers.findIndex((l) => l instanceof BatchNormalization);
    let k = 0;
    for (let i = 0; i < bnIndex; i++) k += m.layers[i]!.weights.specs.length;
    w[k + 2] = { data: w[k + 2]!.data.map((v) => v + 0.7), shape: w[k + 2]!.shape }; // the first BN's moving mean
    m.setWeights(w);
    expect(m.predict(x).data).not.toEqual(afterLayers.data);
    expectFusedMatches(m, x, "after model setWeights");
    m.compile({ optimizer: "adam", loss: "meanSquaredError" });
    const y = { data: randomArray(rng(3), 4 * 7), shape: [4, 7] };
    const beforeFit = m.predict(x);
    await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    expect(m.predict(x).data).not.toEqual(beforeFit.data);
    expectFusedMatches(m, x, "after fit");
    m.dispose();
  });
});

describe("evaluate on a fused plan", () => {
  it("gives the loss of the unfused outputs", () => {
    const m = linkZoo(7);
    randomizeWeights(m, 8);
    m.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const x = randomInput(m, 6, 9);
    const y = { data: randomArray(rng(10), 6 * 7), shape: [6, 7] };
    const { loss } = m.evaluate(x, y, { batchSize: 4 });
    expect(currentPlan(m)?.origin, "evaluate ran a fused plan").not.toBeNull();
    const out = m.activations(x).at(-1)!.data;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += (out[i]! - y.data[i]!) ** 2;
    expect(loss).toBeCloseTo(sum / out.length, 4);
    m.dispose();
  });
});

describe("timings of a fused plan", () => {
  it("each group's time goes to its head (the convolution or dense layer); the others report none", () => {
    const m = linkZoo(6);
    m.predict(randomInput(m, 1, 1));
    const core = getCore();
    const graph = m.graph();
    const plan = planBuffers(core, graph, 2, false, true);
    const runner = new Runner(core, graph, plan, null);
    runner.timings = new Float64Array(2 * graph.layers.length);
    runner.forward(2, false, 0, false);
    const groups = findGroups(graph);
    const folded = new Set(groups.flatMap((g) => g.members.filter((i) => i !== g.head)));
    graph.layers.forEach((_, i) => {
      if (folded.has(i)) expect(runner.timings![i], `layer ${i}`).toBe(0);
    });
    for (const g of groups) expect(runner.timings![g.head]).toBeGreaterThan(0);
    releasePlan(core, plan);
    m.dispose();
  });
});
