/**
 * Building a model is linear in its layers: a Sequential's `add` checks and names each
 * layer with a constant number of name lookups (counted by its LayerIndex), and a
 * functional model names its auto-named layers without rescanning. 20,000 layers build
 * well within the test timeout (a cubic or quadratic build would not). No clock is read:
 * the lookup count is the measure.
 */
import { describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { LayerIndex } from "../../ts/model/layer_stack.js";
import { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { input } from "../../ts/model/symbolic.js";

/** Keras's names for the i-th auto-named layer of a stem. */
const nth = (stem: string, i: number): string => (i === 0 ? stem : `${stem}_${i}`);

/** The lookups a Sequential's index has made (a private field, read for the test). */
const lookups = (m: Sequential): number => (m as unknown as { layerIndex: LayerIndex }).layerIndex.lookups;

describe("Sequential construction", () => {
  it("names n auto-named layers with O(n) name lookups, the names Keras gives", () => {
    for (const n of [10, 100, 1000]) {
      const m = new Sequential({ layers: [layers.rescaling({ scale: 2, inputShape: [3] })] });
      const before = lookups(m);
      for (let i = 0; i < n; i++) {
        m.add(layers.activation({ activation: "relu" }));
        m.add(layers.dropout({ rate: 0.1 }));
      }
      const used = lookups(m) - before;
      // One lookup finds the previous name taken, one finds the next free: 2 per layer.
      expect(used, `lookups for ${2 * n} layers`).toBeLessThanOrEqual(2 * 2 * n);
      expect(used).toBeGreaterThanOrEqual(2 * n);
      const names = m.layers.map((l) => l.name);
      expect(names[0]).toBe("rescaling");
      expect(names.filter((x) => x.startsWith("activation"))).toEqual(Array.from({ length: n }, (_, i) => nth("activation", i)));
      expect(names.filter((x) => x.startsWith("dropout"))).toEqual(Array.from({ length: n }, (_, i) => nth("dropout", i)));
    }
  });

  it("builds 20,000 layers (a quadratic build would take minutes)", () => {
    const n = 20_000;
    const m = new Sequential();
    m.add(layers.dense({ units: 2, inputShape: [4] }));
    for (let i = 1; i < n; i++) m.add(i % 2 ? layers.activation({ activation: "tanh" }) : layers.dense({ units: 2 }));
    expect(m.layers.length).toBe(n);
    expect(m.layers[n - 1]!.name).toBe(nth("activation", n / 2 - 1));
    expect(m.layers[n - 2]!.name).toBe(nth("dense", n / 2 - 1));
    expect(lookups(m)).toBeLessThanOrEqual(2 * n);
    expect(m.outputShape).toEqual([2]);
  });

  it("skips names users gave, still refuses a taken one, and does not use up a name when a build fails", () => {
    const m = new Sequential({ layers: [layers.dense({ units: 3, inputShape: [4], name: "dense_1" })] });
    m.add(layers.dense({ units: 3 }));
    m.add(layers.dense({ units: 3 }));
    expect(m.layers.map((l) => l.name)).toEqual(["dense_1", "dense", "dense_2"]);
    expect(() => m.add(layers.flatten({ name: "dense_2" }))).toThrow('add: the model already has a layer named "dense_2"; layer names must be unique');
    // A reshape to 5 values cannot follow 3: the build throws and the name stays free.
    const bad = layers.reshape({ targetShape: [5] });
    expect(() => m.add(bad)).toThrow(/cannot reshape an input of \[3\]/);
    expect(bad.name).toBe("");
    m.add(layers.reshape({ targetShape: [3, 1] }));
    expect(m.layers.at(-1)!.name).toBe("reshape");
    expect(() => m.add(m.layers[0]!)).toThrow(/already belongs to a model/);
  });

  it("frees the old name of a layer renamed after it was added", () => {
    const index = new LayerIndex();
    const a = layers.flatten({ name: "a" });
    index.add(a);
    expect(index.taken("a")).toBe(true);
    (a as Layer).name = "b";
    expect(index.taken("a")).toBe(false);
    expect(index.includes(a)).toBe(true);
    expect(index.lookups).toBe(2);
  });
});

describe("functional construction", () => {
  // 5,000, not 20,000: graph.ts walks the graph recursively, one stack frame per layer of a chain.
  it("names 5,000 auto-named layers in apply order", () => {
    const n = 5_000;
    const x = input({ shape: [4] });
    let y = x;
    for (let i = 0; i < n; i++) y = layers.activation({ activation: i % 2 ? "relu" : "tanh" }).apply(y);
    const model = new Model({ inputs: x, outputs: y });
    expect(model.layers.length).toBe(n);
    expect(model.layers.map((l) => l.name)).toEqual(Array.from({ length: n }, (_, i) => nth("activation", i)));
  });
});
