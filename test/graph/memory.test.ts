/**
 * The memory planner: records with overlapping lifetimes never share bytes, records whose
 * lifetimes do not overlap do (packing on random record sets); in real plans, every
 * buffer a layer touches in one call is disjoint from the others it touches then;
 * inference plans reuse activations and training plans reuse gradients, so both are
 * smaller than one buffer per value; a graph model's training step allocates nothing.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input } from "../../ts/model/symbolic.js";
import { packRecords, planBuffers } from "../../ts/model/plan.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { sizeOf } from "../../ts/shapes.js";
import type { Tensor } from "../../ts/tensor.js";
import { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { randomInt, rng } from "../helpers/random.js";
import { batchFor, mergeNet, residualNet, twoFlattens } from "./graphs.js";

beforeAll(async () => {
  await init();
});

describe("packRecords", () => {
  it("never overlaps records alive at once, and reuses space", () => {
    const next = rng(5);
    let reused = 0;
    for (let trial = 0; trial < 200; trial++) {
      const recs = Array.from({ length: randomInt(next, 1, 30) }, () => {
        const start = randomInt(next, 0, 20);
        return { size: 4 * randomInt(next, 0, 10), start, end: start + randomInt(next, 0, 6), at: -1 };
      });
      const total = packRecords(recs);
      for (const a of recs) {
        expect(a.at).toBeGreaterThanOrEqual(0);
        expect(a.at + a.size).toBeLessThanOrEqual(total);
        for (const b of recs) {
          if (a === b || a.size === 0 || b.size === 0) continue;
          const live = a.start <= b.end && b.start <= a.end;
          const shared = a.at < b.at + b.size && b.at < a.at + a.size;
          if (live && shared) expect.fail(`trial ${trial}: records alive together share bytes`);
        }
      }
      if (total < recs.reduce((n, r) => n + r.size, 0)) reused++;
    }
    expect(reused).toBeGreaterThan(100);
  });
});

/** [start, end) in bytes of a buffer. */
const span = (b: WasmBuffer | null) => (b ? [b.ptr, b.ptr + b.length * 4] : null);

function expectDisjoint(what: string, bufs: (WasmBuffer | null)[]): void {
  const spans = bufs.map(span).filter((s): s is number[] => s !== null && s[1]! > s[0]!);
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a0, a1] = spans[i]!;
      const [b0, b1] = spans[j]!;
      // Identical windows are the same buffer (the same tensor read twice).
      if (a0 === b0 && a1 === b1) continue;
      if (a0! < b1! && b0! < a1!) expect.fail(`${what}: buffers ${i} and ${j} overlap`);
    }
  }
}

describe("plans of real models", () => {
  it.each([["lenet5", () => lenet5({ seed: 1 })], ["residual", () => residualNet(1)], ["merges", () => mergeNet(1)], ["two flattens", () => twoFlattens(1)]] as [string, () => Model][])(
    "%s: what a layer touches in one call is disjoint; plans are smaller than one buffer per value",
    (_, make) => {
      const model = make();
      const core = getCore();
      const graph = model.graph();
      const batch = 3;
      const train = planBuffers(core, graph, batch, true);
      const infer = planBuffers(core, graph, batch, false);
      graph.layers.forEach((layer, i) => {
        const b = train.layers[i]!;
        const fwd = layer.aliasesInput ? [] : [...b.xs, b.y];
        expectDisjoint(`${layer.name} forward (training plan)`, [...fwd, b.f32, b.u32, b.scratch]);
        // Backward touches the activations it reads (Layer.backwardReads; both by default): the others may be gone.
        const reads = layer.backwardReads ?? { inputs: true, output: true };
        const kept = [...(reads.inputs ? b.xs : []), ...(layer.aliasesInput ? [] : [...(reads.output ? [b.y] : []), b.dy])];
        expectDisjoint(`${layer.name} backward`, [...kept, ...b.dxs, b.f32, b.u32, b.scratch]);
        const c = infer.layers[i]!;
        expectDisjoint(`${layer.name} forward (inference plan)`, [...(layer.aliasesInput ? [] : [...c.xs, c.y]), c.f32, c.u32, c.scratch]);
      });
      expect(infer.floats).toBeLessThan(train.floats);
      expect(train.floats).toBeLessThan(train.unpackedFloats);
      expect(infer.floats).toBeLessThan(infer.unpackedFloats);
      core.free(train.arena);
      core.free(infer.arena);
      model.dispose();
    },
  );

  it("LeNet-5: an inference plan reuses all activations but the two of the largest layer, a training plan all gradients but two", () => {
    const model = lenet5({ seed: 1 });
    const core = getCore();
    const graph = model.graph();
    const batch = 8;
    const infer = planBuffers(core, graph, batch, false);
    const train = planBuffers(core, graph, batch, true);
    // What packing saves equals what the lifetimes allow: activations (inference) or
    // gradients (training) beyond the largest pair alive at once.
    const acts = [graph.inputShape, ...graph.layers.map((l) => l.outputShape!)].map((s) => batch * sizeOf(s));
    const pairs = (xs: number[]) => Math.max(...xs.slice(1).map((v, i) => v + xs[i]!));
    // Flatten shares its input's buffer (one record for two values).
    const flat = graph.layers.findIndex((l) => l.aliasesInput) + 1;
    const records = acts.filter((_, v) => v !== flat);
    expect(infer.unpackedFloats - infer.floats).toBeGreaterThanOrEqual(records.reduce((a, b) => a + b, 0) - pairs(records) - 4 * records.length);
    expect(train.floats).toBeLessThan(train.unpackedFloats);
    core.free(infer.arena);
    core.free(train.arena);
    model.dispose();
  });
});

describe("steady state of a graph model", () => {
  it("a fit of 12 steps makes no more wasm buffers or windows than one of 2", async () => {
    const m = residualNet(2);
    m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = batchFor(m, "categoricalCrossentropy", 96, 3);
    const slice = (t: Tensor, n: number): Tensor => ({ data: t.data.subarray(0, n * (t.data.length / t.shape[0]!)), shape: [n, ...t.shape.slice(1)] });
    const fitSteps = (steps: number) => m.fit(slice(x, 8 * steps), slice(y, 8 * steps), { batchSize: 8, verbose: 0 });
    await fitSteps(2);
    const windows = vi.spyOn(WasmBuffer.prototype, "subarray");
    const allocs = vi.spyOn(WasmCore.prototype, "alloc");
    const count = async (steps: number) => {
      windows.mockClear();
      allocs.mockClear();
      await fitSteps(steps);
      return windows.mock.calls.length + allocs.mock.calls.length;
    };
    const short = await count(2);
    expect(await count(12)).toBe(short);
    vi.restoreAllMocks();
    m.dispose();
  });
});

describe("training plans keep what backward reads", () => {
  /** x [6,6,2] -> conv -> batch norm -> relu6 -> zero padding -> depthwise s2 -> batch norm -> add(with a 1x1 s2 conv of x) -> dense. */
  function bnReluNet(): Model {
    const x0 = input({ shape: [6, 6, 2] });
    const c = layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", useBias: false }).apply(x0);
    const r = layers.reLU({ maxValue: 6 }).apply(layers.batchNormalization().apply(c));
    const d = layers.depthwiseConv2d({ kernelSize: 3, strides: 2 }).apply(layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(r));
    const s = layers.add().apply([layers.batchNormalization().apply(d), layers.conv2d({ filters: 4, kernelSize: 1, strides: 2 }).apply(x0)]);
    return new Model({ inputs: x0, outputs: layers.dense({ units: 3 }).apply(layers.flatten().apply(s)), seed: 1, name: "bn_relu" });
  }

  it("a batch norm's output feeding a ReLU, and Add's and padding's inputs, are reused before backward, and the plan is smaller than one keeping everything", () => {
    const core = getCore();
    const model = bnReluNet();
    const graph = model.graph();
    const batch = 4;
    const lean = planBuffers(core, graph, batch, true);
    const bn = graph.layers.findIndex((l) => l.className === "BatchNormalization");
    const relu = bn + 1;
    const bnOut = lean.layers[bn]!.y;
    // Some buffer written after the ReLU's forward shares bytes with the batch norm's output.
    const later = lean.layers.slice(relu + 1).flatMap((b) => [b.y, b.f32]).filter((b): b is WasmBuffer => b !== null && b.length > 0);
    expect(later.some((b) => b.ptr < bnOut.ptr + bnOut.length * 4 && bnOut.ptr < b.ptr + b.length * 4)).toBe(true);
    // The same graph with every layer saying it reads everything plans more floats.
    const saved = graph.layers.map((l) => Object.getOwnPropertyDescriptor(l, "backwardReads"));
    graph.layers.forEach((l) => Object.defineProperty(l, "backwardReads", { value: { inputs: true, output: true }, configurable: true }));
    const full = planBuffers(core, graph, batch, true);
    graph.layers.forEach((l, i) => (saved[i] ? Object.defineProperty(l, "backwardReads", saved[i]!) : delete (l as { backwardReads?: unknown }).backwardReads));
    expect(lean.floats).toBeLessThan(full.floats);
    core.free(lean.arena);
    core.free(full.arena);
    model.dispose();
  });

  it("training through that plan gives the gradients of a model whose plan keeps everything", () => {
    const next = rng(3);
    const x = { data: Float32Array.from({ length: 4 * 72 }, () => next() * 2 - 1), shape: [4, 6, 6, 2] };
    const y = { data: Float32Array.from({ length: 12 }, () => next()), shape: [4, 3] };
    const grads = (keepAll: boolean) => {
      const model = bnReluNet();
      if (keepAll) model.graph().layers.forEach((l) => Object.defineProperty(l, "backwardReads", { value: { inputs: true, output: true }, configurable: true }));
      model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
      const g = model.lossAndGradients(x, y, 1, 0);
      model.dispose();
      return g;
    };
    const [a, b] = [grads(false), grads(true)];
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.grads)).toEqual(Array.from(b.grads));
  });
});
