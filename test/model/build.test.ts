import { describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { lenet5 } from "../../ts/models/lenet5.js";

describe("Sequential: building", () => {
  it("names layers as Keras, per model and per class", () => {
    const m = new Sequential();
    m.add(layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] }));
    m.add(layers.averagePooling2d());
    m.add(layers.conv2d({ filters: 2, kernelSize: 3, padding: "same" }));
    m.add(layers.maxPooling2d({ poolSize: 1 }));
    m.add(layers.averagePooling2d({ poolSize: 1 }));
    m.add(layers.flatten());
    m.add(layers.dense({ units: 4 }));
    m.add(layers.dropout({ rate: 0.1 }));
    m.add(layers.dense({ units: 4, name: "dense_2" }));
    m.add(layers.dense({ units: 3 }));
    m.add(layers.activation({ activation: "softmax" }));
    expect(m.layers.map((l) => l.name)).toEqual([
      "conv2d", "average_pooling2d", "conv2d_1", "max_pooling2d", "average_pooling2d_1", "flatten",
      "dense", "dropout", "dense_2", "dense_1", "activation",
    ]);
    // A second model starts its counters again.
    const other = new Sequential({ layers: [layers.dense({ units: 1, inputShape: [3] })] });
    expect(other.layers[0]!.name).toBe("dense");
    expect(m.inputShape).toEqual([8, 8, 1]);
    expect(m.outputShape).toEqual([3]);
  });

  it("counts LeNet-5's parameters", () => {
    // keras variant, [28, 28, 1]: conv1 (5*5*1 + 1) * 6 = 156 -> 28x28x6 (same), pool -> 14x14x6,
    // conv2 (5*5*6 + 1) * 16 = 2,416 -> 10x10x16, pool -> 5x5x16 = 400, dense (400 + 1) * 120 = 48,120,
    // (120 + 1) * 84 = 10,164, (84 + 1) * 10 = 850: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.
    expect(lenet5().countParams()).toBe(61706);
    // Three channels: conv1 becomes (5*5*3 + 1) * 6 = 456, 300 more: 62,006.
    expect(lenet5({ inputShape: [28, 28, 3] }).countParams()).toBe(62006);
    // classic variant, [32, 32, 1], valid: conv1 (5*5*1 + 1) * 6 = 156 -> 28x28x6, pool -> 14x14x6,
    // conv2 2,416 -> 10x10x16, pool -> 5x5x16 = 400, then 48,120 + 10,164 + 850 as above = 61,706;
    // [32, 32, 3]: conv1 (5*5*3 + 1) * 6 = 456, so 62,006.
    expect(lenet5({ variant: "classic" }).countParams()).toBe(61706);
    expect(lenet5({ variant: "classic", inputShape: [32, 32, 3] }).countParams()).toBe(62006);
    expect(lenet5({ classes: 5 }).countParams()).toBe(61706 - 850 + 85 * 5);
    const classic = lenet5({ variant: "classic" });
    expect(classic.layers.map((l) => l.outputShape)).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10]]);
    expect(classic.layers[0]!.config.activation).toBe("tanh");
    expect(() => lenet5({ variant: "modern" as never })).toThrow('lenet5: variant must be "keras" or "classic", received "modern"');
  });

  it("prints the Keras summary of LeNet-5", () => {
    const lines: string[] = [];
    const text = lenet5().summary({ print: (l) => lines.push(l) });
    expect(lines.join("\n")).toBe(text);
    expect(text).toContain('Model: "sequential"');
    expect(text).toMatch(/ conv2d \(Conv2D\) +\(None, 28, 28, 6\) +156/);
    expect(text).toMatch(/ dense_2 \(Dense\) +\(None, 10\) +850/);
    expect(text).toContain("Total params: 61,706");
  });

  it("rejects bad layers with the model unchanged", () => {
    const m = new Sequential();
    expect(() => m.add(layers.dense({ units: 3 }))).toThrow("add: the first layer (Dense) needs an inputShape, e.g. { inputShape: [28, 28, 1] }");
    expect(m.layers).toHaveLength(0);
    m.add(layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [4, 4, 1] }));
    const big = layers.conv2d({ filters: 2, kernelSize: 3 });
    expect(() => m.add(big)).toThrow('conv2d_1 (Conv2D): kernel 3x3 is larger than its input 2x2 with padding "valid"');
    expect(big.name).toBe("");
    expect(m.layers).toHaveLength(1);
    expect(() => m.add(layers.dense({ units: 2 }))).toThrow("dense (Dense): expected a flat input [features] per sample, received [2, 2, 2]; add layers.flatten() before it");
    expect(() => m.add(layers.flatten({ name: "conv2d" }))).toThrow('add: the model already has a layer named "conv2d"; layer names must be unique');
    expect(() => m.add(layers.flatten({ inputShape: [3] }))).toThrow("add: layer Flatten declares inputShape [3] but the previous layer outputs [2, 2, 2]");
    expect(() => m.add({} as never)).toThrow("add: expected a layer");
    const shared = layers.flatten();
    m.add(shared);
    expect(() => new Sequential({ layers: [layers.dense({ units: 1, inputShape: [8] })] }).add(shared)).toThrow('add: layer "flatten" already belongs to a model');
    expect(m.layers.map((l) => l.name)).toEqual(["conv2d", "flatten"]);
    expect(() => new Sequential({ seed: 1.5 })).toThrow("Sequential: seed must be a whole number, received 1.5");
  });

  it("describes its layers for saving", () => {
    const d = lenet5().describeLayers();
    expect(d[0]).toMatchObject({ className: "Conv2D", name: "conv2d", config: { filters: 6, kernelSize: [5, 5], padding: "same", activation: "relu", inputShape: [28, 28, 1] } });
    expect(d.map((x) => x.className)).toEqual(["Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dense", "Dense", "Dense"]);
  });
});

describe("Sequential: summary with explain", () => {
  it("adds each layer's arithmetic", () => {
    const text = lenet5().summary({ explain: true, print: () => {} });
    expect(text).toContain("(5*5*1 + 1) * 6 = 156");
    expect(text).toContain("(400 + 1) * 120 = 48,120");
    expect(text).toContain("3,692,640");
    expect(text).toContain("5*5*16 = 400");
  });
});
