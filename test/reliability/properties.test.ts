/**
 * Property tests over random layer stacks (seeded, so every failure is reproducible by
 * its stack number): shapes and parameter counts agree with the course's formulas
 * computed here independently, the forward pass gives finite values, gradients match
 * central finite differences, and random invalid configurations fail with an Error
 * naming the layer or the argument (never a wasm trap, a hang or a NaN).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

type Pad = "valid" | "same";
type LossName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "meanSquaredError";

/**
 * Output length from the course's formula (N - F + 2P) / S + 1 (floored), with P the
 * padding per side. For "same" Keras pads a total of max((ceil(N/S) - 1) S + F - N, 0),
 * the odd cell at the end, so 2P is that total.
 */
function formulaLength(n: number, f: number, s: number, padding: Pad): number {
  const total = padding === "same" ? Math.max((Math.ceil(n / s) - 1) * s + f - n, 0) : 0;
  return Math.floor((n - f + total) / s) + 1;
}

/** A random stack and what the formulas say about it. */
interface Stack {
  layers: Layer[];
  /** Per layer: the expected output shape and parameter count. */
  expected: { shape: number[]; params: number }[];
  inputShape: number[];
  loss: LossName;
  /** Smooth activations only (no relu, no max pooling) so central differences are exact enough. */
  describe: string;
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** A random valid stack: spatial blocks (conv, pooling, dropout, activation), flatten, dense head. */
function randomStack(seed: number): Stack {
  const next = rng(seed);
  let [h, w, c] = [randomInt(next, 4, 13), randomInt(next, 4, 13), randomInt(next, 1, 3)];
  const inputShape = [h, w, c];
  const out: Layer[] = [];
  const expected: Stack["expected"] = [];
  const notes: string[] = [];
  const acts = ["tanh", "sigmoid", "linear", "relu"] as const;
  const blocks = randomInt(next, 1, 3);
  for (let b = 0; b < blocks; b++) {
    // Conv: a window that fits (valid) or any up to 5 (same), strides 1-3.
    const padding: Pad = next() < 0.5 ? "valid" : "same";
    const kh = randomInt(next, 1, padding === "valid" ? Math.min(h, 5) : 5);
    const kw = randomInt(next, 1, padding === "valid" ? Math.min(w, 5) : 5);
    const strides: [number, number] = [randomInt(next, 1, 3), randomInt(next, 1, 3)];
    const filters = randomInt(next, 1, 4);
    const useBias = next() < 0.8;
    const activation = pick(next, acts);
    const opts = { filters, kernelSize: [kh, kw] as [number, number], strides, padding, activation, useBias };
    out.push(layers.conv2d(out.length === 0 ? { ...opts, inputShape } : opts));
    [h, w] = [formulaLength(h, kh, strides[0], padding), formulaLength(w, kw, strides[1], padding)];
    expected.push({ shape: [h, w, filters], params: (kh * kw * c + (useBias ? 1 : 0)) * filters });
    c = filters;
    notes.push(`conv ${kh}x${kw}/${strides.join("x")} ${padding} ${activation}`);
    if (next() < 0.6) {
      const mode = next() < 0.5 ? "max" : "average";
      const pp: Pad = next() < 0.5 ? "valid" : "same";
      const ph = randomInt(next, 1, pp === "valid" ? Math.min(h, 3) : 3);
      const pw = randomInt(next, 1, pp === "valid" ? Math.min(w, 3) : 3);
      const ps: [number, number] | undefined = next() < 0.5 ? undefined : [randomInt(next, 1, 3), randomInt(next, 1, 3)];
      const make = mode === "max" ? layers.maxPooling2d : layers.averagePooling2d;
      out.push(make({ poolSize: [ph, pw], strides: ps, padding: pp }));
      [h, w] = [formulaLength(h, ph, ps?.[0] ?? ph, pp), formulaLength(w, pw, ps?.[1] ?? pw, pp)];
      expected.push({ shape: [h, w, c], params: 0 });
      notes.push(`${mode}pool ${ph}x${pw}/${ps ? ps.join("x") : "="} ${pp}`);
    }
    if (next() < 0.3) {
      out.push(layers.dropout({ rate: 0.25 }));
      expected.push({ shape: [h, w, c], params: 0 });
      notes.push("dropout");
    }
    if (next() < 0.3) {
      const a = pick(next, acts);
      out.push(layers.activation({ activation: a }));
      expected.push({ shape: [h, w, c], params: 0 });
      notes.push(`activation ${a}`);
    }
  }
  out.push(layers.flatten());
  let features = h * w * c;
  expected.push({ shape: [features], params: 0 });
  if (next() < 0.5) {
    const units = randomInt(next, 1, 6);
    const activation = pick(next, acts);
    out.push(layers.dense({ units, activation }));
    expected.push({ shape: [units], params: (features + 1) * units });
    features = units;
    notes.push(`dense ${units} ${activation}`);
    if (next() < 0.4) {
      out.push(layers.dropout({ rate: 0.4 }));
      expected.push({ shape: [units], params: 0 });
      notes.push("dropout");
    }
  }
  const loss = pick(next, ["categoricalCrossentropy", "sparseCategoricalCrossentropy", "meanSquaredError"] as const);
  const classes = randomInt(next, 2, 5);
  const useBias = next() < 0.8;
  out.push(layers.dense({ units: classes, activation: loss === "meanSquaredError" ? pick(next, acts) : "softmax", useBias }));
  expected.push({ shape: [classes], params: (features + (useBias ? 1 : 0)) * classes });
  notes.push(`dense ${classes} -> ${loss}`);
  return { layers: out, expected, inputShape, loss, describe: `input ${inputShape.join("x")}: ${notes.join(", ")}` };
}

/** Random inputs and labels for `model` under `loss`. */
function batch(model: Sequential, loss: LossName, n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const inShape = model.inputShape!;
  const width = model.outputShape![0]!;
  const x = { data: randomArray(next, n * inShape.reduce((a, b) => a * b, 1)), shape: [n, ...inShape] };
  if (loss === "meanSquaredError") return { x, y: { data: randomArray(next, n * width), shape: [n, width] } };
  const classes = Array.from({ length: n }, () => Math.floor(next() * width));
  if (loss === "sparseCategoricalCrossentropy") return { x, y: { data: Float32Array.from(classes), shape: [n] } };
  const oneHot = new Float32Array(n * width);
  classes.forEach((k, i) => (oneHot[i * width + k] = 1));
  return { x, y: { data: oneHot, shape: [n, width] } };
}

const STACKS = 36;

describe("random valid stacks", () => {
  it.each(Array.from({ length: STACKS }, (_, i) => i))("stack %i: shapes, counts, finite forward, gradients", (i) => {
    const stack = randomStack(1000 + i);
    const what = `stack ${i} (${stack.describe})`;
    const model = new Sequential({ seed: i + 1, layers: stack.layers });
    // Shapes and counts, layer by layer, against the formulas.
    model.layers.forEach((layer, j) => {
      expect(layer.outputShape, `${what}: layer ${j} (${layer.name}) output shape`).toEqual(stack.expected[j]!.shape);
      expect(layer.weights.count, `${what}: layer ${j} (${layer.name}) parameters`).toBe(stack.expected[j]!.params);
    });
    expect(model.countParams()).toBe(stack.expected.reduce((s, e) => s + e.params, 0));

    // Forward: right shape, finite values.
    model.compile({ optimizer: optimizers.sgd(), loss: stack.loss });
    const n = 1 + (i % 3);
    const { x, y } = batch(model, stack.loss, n, i + 7);
    const pred = model.predict(x);
    expect(pred.shape).toEqual([n, ...stack.expected[stack.expected.length - 1]!.shape]);
    for (const v of pred.data) expect(Number.isFinite(v), `${what}: prediction`).toBe(true);

    // Gradients: a few parameters of every weight tensor against central differences
    // of the model's own f32 training loss. A parameter on a kink of relu or max
    // pooling (the one-sided slopes disagree) is skipped; most must be checked.
    const { loss, grads } = model.lossAndGradients(x, y, 11, 2);
    expect(Number.isFinite(loss), `${what}: loss`).toBe(true);
    const weights = model.getWeights();
    const next = rng(i + 99);
    let at = 0;
    let checked = 0;
    let skipped = 0;
    for (const [wi, wt] of weights.entries()) {
      for (let k = 0; k < 3; k++) {
        const j = Math.floor(next() * wt.data.length);
        const orig = wt.data[j]!;
        const lossAt = (v: number): number => {
          wt.data[j] = v;
          model.setWeights(weights);
          return model.lossAndGradients(x, y, 11, 2).loss;
        };
        const analytic = grads[at + j]!;
        // A step that is large for f32 noise, then a smaller one: a relu or max-pool
        // kink within the step shows as disagreeing one-sided slopes.
        let verdict: "ok" | "kink" | "bad" = "bad";
        let numeric = 0;
        for (const h of [1e-2, 2e-3]) {
          const up = lossAt(orig + h);
          const down = lossAt(orig - h);
          const mid = lossAt(orig);
          numeric = (up - down) / (2 * h);
          if (Math.abs(analytic - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric)) {
            verdict = "ok";
            break;
          }
          verdict = Math.abs((up - mid) - (mid - down)) / h > 1e-3 + 0.02 * Math.abs(numeric) ? "kink" : "bad";
        }
        if (verdict === "bad") expect.fail(`${what}: weight ${wi} (${wt.shape.join("x")}) element ${j}: analytic ${analytic}, numeric ${numeric}`);
        if (verdict === "kink") skipped++;
        else checked++;
      }
      at += wt.data.length;
    }
    model.setWeights(weights);
    expect(checked, `${what}: checked ${checked}, skipped ${skipped}`).toBeGreaterThanOrEqual(skipped);
    model.dispose();
  });
});

describe("edge stacks", () => {
  it("1x1 convolutions only (no layer needs scratch space) run forward and backward", () => {
    const model = new Sequential({ seed: 3, layers: [
      layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 2] }), layers.flatten(), layers.dense({ units: 2, activation: "softmax" }),
    ] });
    model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
    const { x, y } = batch(model, "sparseCategoricalCrossentropy", 2, 5);
    expect(model.predict(x).shape).toEqual([2, 2]);
    expect(Number.isFinite(model.lossAndGradients(x, y, 1, 1).loss)).toBe(true);
    model.dispose();
  });
});

/** An invalid change to a valid layer config, and the words its error must contain. */
interface Mutation {
  name: string;
  make: (next: () => number) => () => unknown;
  mentions: string[];
}

const BAD_NUMBERS = [0, -1, 2.5, Number.NaN, Infinity, "3", null] as const;

const MUTATIONS: Mutation[] = [
  { name: "conv filters", make: (n) => () => layers.conv2d({ filters: pick(n, BAD_NUMBERS) as number, kernelSize: 3, inputShape: [8, 8, 1] }), mentions: ["layers.conv2d", "filters"] },
  { name: "conv kernelSize", make: (n) => () => layers.conv2d({ filters: 2, kernelSize: [3, pick(n, BAD_NUMBERS) as number], inputShape: [8, 8, 1] }), mentions: ["layers.conv2d", "kernelSize"] },
  { name: "conv strides", make: (n) => () => layers.conv2d({ filters: 2, kernelSize: 3, strides: pick(n, BAD_NUMBERS) as number, inputShape: [8, 8, 1] }), mentions: ["layers.conv2d", "strides"] },
  { name: "conv padding", make: (n) => () => layers.conv2d({ filters: 2, kernelSize: 3, padding: pick(n, ["full", "SAME", 1, null]) as "same" }), mentions: ["layers.conv2d", "padding"] },
  { name: "conv activation", make: (n) => () => layers.conv2d({ filters: 2, kernelSize: 3, activation: pick(n, ["mish", "Relu", 3]) as "relu" }), mentions: ["layers.conv2d", "activation"] },
  { name: "pool size", make: (n) => () => layers.maxPooling2d({ poolSize: pick(n, BAD_NUMBERS) as number }), mentions: ["layers.maxPooling2d", "poolSize"] },
  { name: "pool strides", make: (n) => () => layers.averagePooling2d({ strides: [pick(n, BAD_NUMBERS) as number, 1] }), mentions: ["layers.averagePooling2d", "strides"] },
  { name: "dense units", make: (n) => () => layers.dense({ units: pick(n, BAD_NUMBERS) as number }), mentions: ["layers.dense", "units"] },
  { name: "dropout rate", make: (n) => () => layers.dropout({ rate: pick(n, [1, -0.1, 1.5, Number.NaN, "0.5"]) as number }), mentions: ["layers.dropout", "rate"] },
  { name: "inputShape", make: (n) => () => layers.conv2d({ filters: 2, kernelSize: 3, inputShape: pick(n, [[8, 0, 1], [8, -8, 1], [], [8.5, 8, 1]]) as number[] }), mentions: ["layers.conv2d", "inputShape"] },
  { name: "unknown option", make: (n) => () => layers.dense({ units: 3, [pick(n, ["unit", "activaton", "kernel_size"])]: 1 } as never), mentions: ["layers.dense", "unknown option"] },
];

/** Stacks that are valid layer by layer but cannot be put together. */
const BAD_STACKS: { name: string; build: (n: () => number) => Layer[]; mentions: string[] }[] = [
  {
    name: "conv kernel larger than its input (valid)",
    build: (n) => { const s = randomInt(n, 2, 6); return [layers.conv2d({ filters: 2, kernelSize: s + randomInt(n, 1, 3), inputShape: [s, s + 4, 1], name: "too_big" })]; },
    mentions: ["too_big (Conv2D)", "larger than its input"],
  },
  {
    name: "pool larger than its input (valid)",
    build: (n) => [layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), layers.maxPooling2d({ poolSize: randomInt(n, 4, 9), name: "big_pool" })],
    mentions: ["big_pool (MaxPooling2D)", "larger than its input"],
  },
  {
    name: "conv after flatten",
    build: () => [layers.flatten({ inputShape: [4, 4, 1] }), layers.conv2d({ filters: 2, kernelSize: 1, name: "late_conv" })],
    mentions: ["late_conv (Conv2D)", "rank 3"],
  },
  {
    name: "dense on images",
    build: () => [layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [4, 4, 1] }), layers.dense({ units: 3, name: "head" })],
    mentions: ["head (Dense)", "flatten"],
  },
  {
    name: "pooling on a flat input",
    build: () => [layers.dense({ units: 4, inputShape: [6] }), layers.averagePooling2d({ name: "pool_flat" })],
    mentions: ["pool_flat (AveragePooling2D)", "rank 3"],
  },
  {
    name: "first layer without inputShape",
    build: () => [layers.dense({ units: 4 })],
    mentions: ["the first layer (Dense) needs an inputShape"],
  },
  {
    name: "a later layer declaring another input shape",
    build: () => [layers.dense({ units: 4, inputShape: [6] }), layers.dense({ units: 2, inputShape: [5] })],
    mentions: ["declares inputShape [5]", "outputs [4]"],
  },
];

function expectClearError(call: () => unknown, mentions: string[], what: string): void {
  let error: unknown = null;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, `${what}: expected an error`).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect((error as Error).constructor, `${what}: ${message}`).toBe(Error);
  for (const m of mentions) expect(message, what).toContain(m);
  expect(message, what).not.toMatch(/unreachable|RuntimeError|undefined|Cannot read/);
}

describe("random invalid configurations", () => {
  it("each bad option is refused when the layer is made, naming the factory and option", () => {
    const next = rng(4242);
    for (let trial = 0; trial < 120; trial++) {
      const m = MUTATIONS[trial % MUTATIONS.length]!;
      expectClearError(m.make(next), m.mentions, `trial ${trial} (${m.name})`);
    }
  });

  it("each impossible stack is refused by add, naming the layer; nothing is allocated", () => {
    const next = rng(77);
    const core = getCore();
    const before = { live: core.liveBuffers, bytes: core.memoryBytes };
    for (let trial = 0; trial < 35; trial++) {
      const bad = BAD_STACKS[trial % BAD_STACKS.length]!;
      const list = bad.build(next);
      expectClearError(() => new Sequential({ layers: list }), bad.mentions, `trial ${trial} (${bad.name})`);
    }
    expect({ live: core.liveBuffers, bytes: core.memoryBytes }).toEqual(before);
  });

  it("a model too large for wasm memory is refused with an error, not a trap, and the model stays usable", () => {
    const model = new Sequential({ layers: [layers.dense({ units: 200_000, inputShape: [20_000] })] });
    const x = { data: new Float32Array(20_000), shape: [1, 20_000] };
    expectClearError(() => model.predict(x), ["4 GiB"], "huge dense");
    // Declaring the whole model is allowed, its size is known without any memory.
    expect(model.countParams()).toBe(20_000 * 200_000 + 200_000);
    model.dispose();
  });
});
