/**
 * `model.summary({ format: "keras3" })` prints what real Keras 3.15 printed for the same
 * model (test/golden/summary/, from scripts/keras/make_summary_goldens.py): LeNet-5 at
 * several terminal widths, with the optimizer line after an Adam step, and the graphs
 * (a functional chain, the tiny ResNet) once their layers are in the registry.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as api from "../../ts/index.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import type { Model } from "../../ts/model/model.js";
import { init } from "../../ts/wasm/loader.js";

const dir = new URL("../golden/summary/", import.meta.url).pathname;
const golden = (file: string) => readFileSync(join(dir, file), "utf8").replace(/\n$/, "");

beforeAll(async () => {
  await init();
});

function printed(model: Model, columns?: number): string {
  const lines: string[] = [];
  const text = model.summary({ format: "keras3", print: (l) => lines.push(l), ...(columns ? { columns } : {}) });
  expect(lines.join("\n")).toBe(text);
  return text;
}

describe('summary({ format: "keras3" })', () => {
  it.each([[200, "lenet5_cols200.txt"], [80, "lenet5_cols80.txt"], [60, "lenet5_cols60.txt"]] as const)("LeNet-5 at %i columns", (columns, file) => {
    const model = lenet5({ seed: 1 });
    expect(printed(model, columns)).toBe(golden(file));
    model.dispose();
  });

  it("defaults to 80 columns, as Keras when output is not a terminal", () => {
    const model = lenet5({ seed: 1 });
    expect(printed(model)).toBe(golden("lenet5_cols80.txt"));
    model.dispose();
  });

  it("adds the optimizer line once Adam has taken a step", async () => {
    const model = lenet5({ seed: 1 });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    expect(printed(model, 200)).toBe(golden("lenet5_cols200.txt"));
    await model.fit({ data: new Float32Array(2 * 784), shape: [2, 28, 28, 1] }, { data: Float32Array.from([1, 2]), shape: [2] }, { verbose: 0 });
    expect(printed(model, 200)).toBe(golden("lenet5_adam_cols200.txt"));
    expect(printed(model, 80)).toBe(golden("lenet5_adam_cols80.txt"));
    model.dispose();
  });

  it("checks its options", () => {
    const model = lenet5({ seed: 1 });
    expect(() => model.summary({ format: "keras4" as never })).toThrow('summary: format must be "keras2" or "keras3", received keras4');
    expect(() => model.summary({ format: "keras3", explain: true })).toThrow('summary: explain is only printed in the tf.keras 2 table (format "keras2")');
    expect(() => model.summary({ columns: 10 })).toThrow("summary: columns must be a whole number >= 24, received 10");
    expect(() => model.summary({ lineLength: 80 } as never)).toThrow('summary: unknown option "lineLength"');
    model.dispose();
  });
});

type Factory = (o?: object) => { apply(x: unknown): unknown };
const f = api.layers as unknown as Record<string, Factory | undefined>;

describe.skipIf(!f.globalMaxPooling2d)("keras3 summary of a functional chain (needs layers.globalMaxPooling2d)", () => {
  it("lists the InputLayer, without Connected to", () => {
    const x0 = api.input({ shape: [16, 16, 3], name: "image" });
    const x = f.conv2d!({ filters: 8, kernelSize: 3, activation: "relu", name: "features" }).apply(x0);
    const out = f.dense!({ units: 5, activation: "softmax", name: "classes" }).apply(f.globalMaxPooling2d!().apply(x));
    const model = new api.Model({ inputs: x0, outputs: out as api.SymbolicTensor, name: "chain" });
    expect(printed(model, 80)).toBe(golden("functional_chain_cols80.txt"));
    model.dispose();
  });
});

const regularizers = (api as unknown as Record<string, { l2?: (v: number) => unknown } | undefined>).regularizers;
describe.skipIf(!(f.batchNormalization && f.reLU && f.globalAveragePooling2d && regularizers?.l2))("keras3 summary of the tiny ResNet (needs BN, reLU, global pooling, regularizers)", () => {
  it("matches Keras with Connected to, at 200 and 80 columns", () => {
    const x0 = api.input({ shape: [32, 32, 3] });
    let x = f.conv2d!({ filters: 16, kernelSize: 3, padding: "same", useBias: false, kernelRegularizer: regularizers!.l2!(1e-4) }).apply(x0);
    x = f.batchNormalization!().apply(x);
    x = f.reLU!().apply(x);
    let y = f.conv2d!({ filters: 16, kernelSize: 3, padding: "same" }).apply(x);
    y = f.batchNormalization!().apply(y);
    x = f.reLU!().apply(f.add!().apply([x, y]));
    y = f.conv2d!({ filters: 32, kernelSize: 3, strides: 2, padding: "same" }).apply(x);
    y = f.batchNormalization!().apply(y);
    y = f.reLU!().apply(y);
    y = f.conv2d!({ filters: 32, kernelSize: 3, padding: "same" }).apply(y);
    const shortcut = f.conv2d!({ filters: 32, kernelSize: 1, strides: 2 }).apply(x);
    x = f.reLU!().apply(f.add!().apply([shortcut, y]));
    x = f.globalAveragePooling2d!().apply(x);
    const out = f.dense!({ units: 10, activation: "softmax" }).apply(x);
    const model = new api.Model({ inputs: x0, outputs: out as api.SymbolicTensor, name: "tiny_resnet" });
    expect(printed(model, 200)).toBe(golden("tiny_resnet_cols200.txt"));
    expect(printed(model, 80)).toBe(golden("tiny_resnet_cols80.txt"));
    model.dispose();
  });
});
