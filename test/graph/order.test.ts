/**
 * Layer order, names and weight order of functional models against real Keras 3
 * (test/golden/graph_order.json, written by scripts/keras/graph_order.py from the same
 * graphs): `model.layers` by depth then first visit from the output, automatic names in
 * the order layers were made and applied, `getWeights()` layer by layer in that order.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input } from "../../ts/model/symbolic.js";
import { init } from "../../ts/wasm/loader.js";

interface Golden {
  layers: string[];
  weights: number[][];
  params: number;
}
const golden = (JSON.parse(readFileSync(new URL("../golden/graph_order.json", import.meta.url), "utf8")) as { models: Record<string, Golden> }).models;

beforeAll(async () => {
  await init();
});

const builders: Record<string, () => Model> = {
  skip_second: () => {
    const x0 = input({ shape: [6] });
    const a = layers.dense({ units: 4 }).apply(x0);
    const b = layers.dense({ units: 4 }).apply(a);
    const c = layers.dense({ units: 4 }).apply(b);
    const d = layers.dense({ units: 4 }).apply(x0);
    return new Model({ inputs: x0, outputs: layers.add().apply([d, c]) });
  },
  diamond: () => {
    const x0 = input({ shape: [5, 5, 2] });
    const a = layers.conv2d({ filters: 3, kernelSize: 3, padding: "same" }).apply(x0);
    let b = layers.conv2d({ filters: 2, kernelSize: 1 }).apply(a);
    b = layers.conv2d({ filters: 2, kernelSize: 3, padding: "same" }).apply(b);
    const c = layers.maxPooling2d({ poolSize: 1 }).apply(a);
    const cat = layers.concatenate().apply([c, b]);
    const e = layers.conv2d({ filters: 5, kernelSize: 1 }).apply(cat);
    const s = layers.add().apply([cat, e]);
    const f = layers.flatten().apply(s);
    return new Model({ inputs: x0, outputs: layers.dense({ units: 3, activation: "softmax" }).apply(f) });
  },
  shortcut_first: () => {
    const x0 = input({ shape: [4, 4, 1] });
    let h = layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", activation: "relu" }).apply(x0);
    h = layers.conv2d({ filters: 2, kernelSize: 3, padding: "same" }).apply(h);
    const s = layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x0);
    const y = layers.activation({ activation: "relu" }).apply(layers.add().apply([h, s]));
    return new Model({ inputs: x0, outputs: layers.dense({ units: 2 }).apply(layers.flatten().apply(y)) });
  },
};

describe("functional models order their layers as Keras 3 does", () => {
  it.each(Object.keys(builders))("%s", (name) => {
    const model = builders[name]!();
    const want = golden[name]!;
    expect(["input_layer", ...model.layers.map((l) => l.name)]).toEqual(want.layers);
    expect(model.getWeights().map((w) => w.shape)).toEqual(want.weights);
    expect(model.countParams()).toBe(want.params);
    model.dispose();
  });
});
