/**
 * The memory planner: records with overlapping lifetimes never share bytes, records whose
 * lifetimes do not overlap do (packing on random record sets); in real plans, every
 * buffer a layer touches in one call is disjoint from the others it touches then;
 * inference plans reuse activations and training plans reuse gradients, so both are
 * smaller than one buffer per value; a graph model's training step allocates nothing.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Model } from "../../ts/model/model.js";
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
        expectDisjoint(`${layer.name} backward`, [...b.xs, ...(layer.aliasesInput ? [] : [b.y, b.dy]), ...b.dxs, b.f32, b.u32, b.scratch]);
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
