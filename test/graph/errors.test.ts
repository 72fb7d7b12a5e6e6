/**
 * What a user can get wrong building a functional model, each refused with an Error that
 * names the call, the layer and the shapes, before anything changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { input } from "../../ts/model/symbolic.js";
import { init } from "../../ts/wasm/loader.js";

beforeAll(async () => {
  await init();
});

describe("input()", () => {
  it.each([
    [{ shape: [] }, "input: shape must be a non-empty array of whole numbers > 0"],
    [{ shape: [28, -1] }, "input: shape must be a non-empty array of whole numbers > 0 (one sample, no batch axis), received [28, -1]"],
    [{ shape: [2], name: "" }, "input: name must be a non-empty string"],
    [{ shape: [2], batchShape: [null, 2] }, 'input: unknown option "batchShape"'],
    [null, "input: expected { shape, name? }"],
  ])("%j", (options, message) => {
    expect(() => input(options as never)).toThrow(message);
  });
});

describe("layer.apply", () => {
  it("refuses values, nothing and arrays for single-input layers", () => {
    const d = layers.dense({ units: 2 });
    expect(() => d.apply({ data: new Float32Array(2), shape: [1, 2] } as never)).toThrow("dense.apply: expected a symbolic tensor from input() or another layer's apply(), received a tensor of values (use model.predict for values)");
    expect(() => d.apply(undefined as never)).toThrow("dense.apply: expected a symbolic tensor");
    const x = input({ shape: [3] });
    expect(() => d.apply([x, x])).toThrow("dense.apply: Dense takes one tensor, received an array of 2");
    expect(d.name).toBe("");
  });

  it("names the layer and the shape when building fails, and leaves the layer unapplied", () => {
    const d = layers.dense({ units: 2 });
    expect(() => d.apply(input({ shape: [4, 4, 1] }))).toThrow("dense (Dense): expected a flat input [features] per sample, received [4, 4, 1]; add layers.flatten() before it");
    expect(d.name).toBe("");
    expect(d.apply(input({ shape: [3] })).shape).toEqual([2]);
  });

  it("refuses a layer applied twice (shared layers are not supported yet)", () => {
    const d = layers.dense({ units: 3 });
    const x = input({ shape: [3] });
    const y = d.apply(x);
    expect(() => d.apply(y)).toThrow('dense.apply: layer "dense" has already been applied once; shared layers (one layer applied twice) are not supported yet, make a second layer');
  });

  it("checks merge inputs: count, equal shapes for add, all but the last axis for concatenate", () => {
    const a = input({ shape: [8, 8, 16] });
    const b = layers.conv2d({ filters: 32, kernelSize: 1 }).apply(a);
    expect(() => layers.add().apply([a, b])).toThrow("add (Add): inputs must all have the same shape, received [8, 8, 16], [8, 8, 32]");
    expect(() => layers.add().apply(a)).toThrow("add.apply: Add merges several tensors; expected an array of at least 2, received one tensor");
    expect(() => layers.add().apply([a])).toThrow("expected an array of at least 2, received an array of 1");
    const c = layers.maxPooling2d().apply(a);
    expect(() => layers.concatenate().apply([a, c])).toThrow("concatenate (Concatenate): inputs must match on every axis but the last, received [8, 8, 16], [4, 4, 16]");
    expect(() => layers.concatenate({ axis: 1 }).apply([a, b])).toThrow("concatenate (Concatenate): axis 1 is not supported; only the last (channels) axis, -1 or 3");
    expect(layers.concatenate({ axis: 3 }).apply([a, b]).shape).toEqual([8, 8, 48]);
    expect(() => layers.concatenate({ axis: 1.5 })).toThrow("layers.concatenate: axis must be a whole number, received 1.5");
  });

  it("refuses a merge layer in a Sequential and a functional layer added to one", () => {
    const m = new Sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    expect(() => m.add(layers.add())).toThrow("add (Add): merges several inputs; apply it to an array of tensors (it cannot be added to a Sequential)");
    const d = layers.dense({ units: 2 });
    d.apply(input({ shape: [2] }));
    expect(() => m.add(d)).toThrow('add: layer "dense" has been applied in a functional graph; make a new layer for a Sequential');
    expect(m.layers).toHaveLength(1);
    m.dispose();
  });
});

describe("new Model", () => {
  it("refuses outputs not reachable from the inputs, naming the layer and the stray input", () => {
    const x1 = input({ shape: [3] });
    const x2 = input({ shape: [3], name: "other" });
    const s = layers.add().apply([layers.dense({ units: 3 }).apply(x1), x2]);
    expect(() => new Model({ inputs: x1, outputs: s })).toThrow('Model: the outputs are not reachable from the inputs alone: add (Add) output [3] reads input "other" [3], which is not the model\'s input (input "input_layer" [3])');
  });

  it("refuses what is not a graph: missing, non-symbolic, an intermediate tensor as input, several, no layers", () => {
    const x = input({ shape: [3] });
    const y = layers.dense({ units: 2 }).apply(x);
    expect(() => new Model({ inputs: x } as never)).toThrow("Model: outputs must be a symbolic tensor from input() or a layer's apply(), received undefined");
    expect(() => new Model({ inputs: x, outputs: { data: new Float32Array(1), shape: [1] } as never })).toThrow("Model: outputs must be a symbolic tensor");
    expect(() => new Model({ inputs: y, outputs: y })).toThrow("Model: inputs must come from input(), received dense (Dense) output [2]");
    expect(() => new Model({ inputs: [x, x], outputs: y })).toThrow("Model: inputs must be one symbolic tensor (models with several inputs are not supported yet), received an array of 2");
    expect(() => new Model({ inputs: x, outputs: [y, y] })).toThrow("models with several outputs are not supported yet");
    expect(() => new Model({ inputs: x, outputs: x })).toThrow("Model: the model has no layers (its output is its input)");
    expect(() => new Model({ inputs: x, outputs: y, name: "" })).toThrow("Model: name must be a non-empty string");
    expect(() => new Model({ inputs: x, outputs: y, seed: 0.5 })).toThrow("Model: seed must be a whole number, received 0.5");
    expect(() => new Model({ inputs: x, outputs: y, layers: [] } as never)).toThrow('Model: unknown option "layers"');
  });

  it("refuses two layers with one name, and layers that belong to another model", () => {
    const x = input({ shape: [3] });
    const y = layers.dense({ units: 3, name: "d" }).apply(layers.dense({ units: 3, name: "d" }).apply(x));
    expect(() => new Model({ inputs: x, outputs: y })).toThrow('Model: the name "d" is used twice (by layer d (Dense)); layer names must be unique in a model');
    const x2 = input({ shape: [3] });
    const z = layers.dense({ units: 1 }).apply(x2);
    const m = new Model({ inputs: x2, outputs: z });
    expect(() => new Model({ inputs: x2, outputs: z })).toThrow('Model: layer "dense" already belongs to another model; make new layers for this one');
    m.dispose();
  });

  it("names unnamed layers per model in the order they were applied, users' names first", () => {
    const x = input({ shape: [3] });
    const a = layers.dense({ units: 3, name: "dense" }).apply(x);
    const b = layers.dense({ units: 3 }).apply(a);
    const c = layers.dense({ units: 3 }).apply(b);
    const m = new Model({ inputs: x, outputs: c });
    expect(m.layers.map((l) => l.name)).toEqual(["dense", "dense_1", "dense_2"]);
    expect(m.name).toBe("functional");
    expect(m.getLayer("dense_1")).toBe(m.layers[1]);
    expect(() => m.getLayer("dense_9")).toThrow('getLayer: no layer named "dense_9"; the model has dense, dense_1, dense_2');
    m.dispose();
  });
});
