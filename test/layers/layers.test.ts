import { describe, expect, it } from "vitest";
import { layerFromConfig, layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";

/** Names a layer and builds it on `input`, as Sequential.add would. */
function built(layer: Layer, input: number[]): { out: readonly number[]; params: number; shapes: number[][] } {
  layer.name = layer.name || "l";
  const out = layer.build(input);
  return { out, params: layer.weights.count, shapes: layer.weights.specs.map((s) => [...s.shape]) };
}

describe("layer shapes and parameter counts (worked by hand)", () => {
  const cases: { what: string; layer: () => Layer; input: number[]; out: number[]; params: number; shapes: number[][] }[] = [
    // (5*5*1 + 1) * 6 = 156; same: ceil(28/1) = 28
    { what: "LeNet conv1", layer: () => layers.conv2d({ filters: 6, kernelSize: 5, padding: "same" }), input: [28, 28, 1], out: [28, 28, 6], params: 156, shapes: [[5, 5, 1, 6], [6]] },
    // (5*5*6 + 1) * 16 = 2416; valid: (14 - 5)/1 + 1 = 10
    { what: "LeNet conv2", layer: () => layers.conv2d({ filters: 16, kernelSize: 5 }), input: [14, 14, 6], out: [10, 10, 16], params: 2416, shapes: [[5, 5, 6, 16], [16]] },
    // (3*2*3 + 1) * 8 = 152; floor((9-3)/2)+1 = 4, floor((7-2)/2)+1 = 3
    { what: "rectangular strided conv", layer: () => layers.conv2d({ filters: 8, kernelSize: [3, 2], strides: 2 }), input: [9, 7, 3], out: [4, 3, 8], params: 152, shapes: [[3, 2, 3, 8], [8]] },
    // same with strides [2, 3]: ceil(9/2) = 5, ceil(7/3) = 3; 3*3*3*4 = 108 without bias
    { what: "same conv, no bias", layer: () => layers.conv2d({ filters: 4, kernelSize: 3, strides: [2, 3], padding: "same", useBias: false }), input: [9, 7, 3], out: [5, 3, 4], params: 108, shapes: [[3, 3, 3, 4]] },
    // kernel equal to the input: (4*4*2 + 1) * 3 = 99, out 1x1
    { what: "kernel = input", layer: () => layers.conv2d({ filters: 3, kernelSize: 4 }), input: [4, 4, 2], out: [1, 1, 3], params: 99, shapes: [[4, 4, 2, 3], [3]] },
    { what: "average pool 2", layer: () => layers.averagePooling2d({ poolSize: 2 }), input: [28, 28, 6], out: [14, 14, 6], params: 0, shapes: [] },
    // valid: floor((7-3)/2)+1 = 3
    { what: "max pool 3 stride 2", layer: () => layers.maxPooling2d({ poolSize: 3, strides: 2 }), input: [7, 7, 2], out: [3, 3, 2], params: 0, shapes: [] },
    // same: ceil(7/2) = 4
    { what: "max pool same", layer: () => layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }), input: [7, 7, 2], out: [4, 4, 2], params: 0, shapes: [] },
    { what: "pool strides default to poolSize", layer: () => layers.averagePooling2d({ poolSize: [2, 3] }), input: [8, 9, 1], out: [4, 3, 1], params: 0, shapes: [] },
    { what: "flatten", layer: () => layers.flatten(), input: [5, 5, 16], out: [400], params: 0, shapes: [] },
    // (400 + 1) * 120 = 48120
    { what: "dense 400->120", layer: () => layers.dense({ units: 120, activation: "relu" }), input: [400], out: [120], params: 48120, shapes: [[400, 120], [120]] },
    // 84 * 10 + 10 = 850
    { what: "dense 84->10", layer: () => layers.dense({ units: 10, activation: "softmax" }), input: [84], out: [10], params: 850, shapes: [[84, 10], [10]] },
    { what: "dense without bias", layer: () => layers.dense({ units: 5, useBias: false }), input: [10], out: [5], params: 50, shapes: [[10, 5]] },
    { what: "dropout", layer: () => layers.dropout({ rate: 0.5 }), input: [3, 4], out: [3, 4], params: 0, shapes: [] },
    { what: "activation", layer: () => layers.activation({ activation: "tanh" }), input: [7], out: [7], params: 0, shapes: [] },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const r = built(c.layer(), c.input);
      expect(r.out).toEqual(c.out);
      expect(r.params).toBe(c.params);
      expect(r.shapes).toEqual(c.shapes);
    });
  }
});

describe("layer configs", () => {
  it("fill Keras defaults in camelCase", () => {
    const conv = layers.conv2d({ filters: 6, kernelSize: 5, name: "c" });
    const cfg = conv.config;
    expect(cfg).toMatchObject({ name: "c", filters: 6, kernelSize: [5, 5], strides: [1, 1], padding: "valid", activation: "linear", useBias: true });
    expect((cfg.kernelInitializer as { className: string }).className).toBe("GlorotUniform");
    expect((cfg.biasInitializer as { className: string }).className).toBe("Zeros");
    expect(layers.maxPooling2d().config).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: "valid" });
    expect(layers.dense({ units: 3 }).config).toMatchObject({ units: 3, activation: "linear", useBias: true });
    expect(layers.dropout({ rate: 0.25 }).config).toMatchObject({ rate: 0.25 });
  });

  it("round-trip through layerFromConfig", () => {
    const made = [
      layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: "same", activation: "relu", useBias: false, inputShape: [8, 8, 1], kernelInitializer: "heNormal" }),
      layers.averagePooling2d({ poolSize: 3, strides: 1 }),
      layers.maxPooling2d({ padding: "same" }),
      layers.flatten(),
      layers.dense({ units: 7, activation: "sigmoid", biasInitializer: "ones" }),
      layers.dropout({ rate: 0.3, seed: 4 }),
      layers.activation({ activation: "softmax" }),
    ];
    for (const l of made) {
      const again = layerFromConfig(l.className, { ...l.config });
      expect(again.className).toBe(l.className);
      expect(again.config).toEqual(l.config);
    }
    expect(() => layerFromConfig("Conv3D", {})).toThrow('layerFromConfig: unknown layer class "Conv3D"; expected one of Conv2D,');
  });
});

describe("layer option errors", () => {
  const cases: [() => unknown, string][] = [
    [() => layers.conv2d({ filters: 0, kernelSize: 3 }), "layers.conv2d: filters must be a whole number > 0, received 0"],
    [() => layers.conv2d({ filters: 2.5, kernelSize: 3 }), "layers.conv2d: filters must be a whole number > 0, received 2.5"],
    [() => layers.conv2d({ filters: 2, kernelSize: [3, 0] }), "layers.conv2d: kernelSize must be a whole number > 0 or a pair [h, w] of them, received [3, 0]"],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, strides: -1 }), "layers.conv2d: strides must be a whole number > 0, received -1"],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, padding: "full" as never }), 'layers.conv2d: padding must be "valid" or "same", received "full"'],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, activation: "mish" as never }), 'layers.conv2d: activation must be one of "linear", "relu", "sigmoid", "tanh", "softmax", "relu6", "elu", "selu", "swish", "gelu", "gelu_new", "hardSigmoid", received "mish"'],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: "magic" }), "layers.conv2d: kernelInitializer: "],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, kernelSIZE: 3 } as never), 'layers.conv2d: unknown option "kernelSIZE"'],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 0, 1] }), "layers.conv2d: inputShape must be a non-empty array of whole numbers > 0"],
    [() => layers.maxPooling2d({ poolSize: 0 }), "layers.maxPooling2d: poolSize must be a whole number > 0, received 0"],
    [() => layers.averagePooling2d({ strides: [1] as never }), "layers.averagePooling2d: strides must be a whole number > 0 or a pair [h, w] of them, received [1]"],
    [() => layers.dense({ units: -3 }), "layers.dense: units must be a whole number > 0, received -3"],
    [() => layers.dense({ units: 3, useBias: "yes" as never }), "layers.dense: useBias must be true or false, received \"yes\""],
    [() => layers.dropout({ rate: 1 }), "layers.dropout: rate must be a number in [0, 1), received 1"],
    [() => layers.dropout({ rate: Number.NaN }), "layers.dropout: rate must be a number in [0, 1), received NaN"],
    [() => layers.activation({} as never), 'layers.activation: activation is required, e.g. { activation: "relu" }'],
    [() => layers.flatten({ name: "a/b" }), 'layers.flatten: name must be a non-empty string without "/", received "a/b"'],
  ];
  for (const [make, message] of cases) {
    it(message, () => {
      expect(make).toThrow(message);
    });
  }

  it("build rejects kernels and pools larger than the input, and wrong ranks", () => {
    const conv = layers.conv2d({ filters: 2, kernelSize: 5, name: "c" });
    expect(() => conv.build([3, 9, 1])).toThrow('c (Conv2D): kernel 5x5 is larger than its input 3x9 with padding "valid"; use a smaller kernelSize or padding "same"');
    expect(() => conv.build([28, 28])).toThrow("c (Conv2D): expected an input of rank 3 per sample [height, width, channels], received [28, 28]");
    const same = layers.conv2d({ filters: 2, kernelSize: 5, padding: "same", name: "s" });
    expect(same.build([3, 3, 1])).toEqual([3, 3, 2]);
    const pool = layers.maxPooling2d({ poolSize: 4, name: "p" });
    expect(() => pool.build([3, 3, 1])).toThrow('p (MaxPooling2D): pool 4x4 is larger than its input 3x3 with padding "valid"');
    const d = layers.dense({ units: 3, name: "d" });
    expect(() => d.build([4, 4])).toThrow("d (Dense): expected a flat input [features] per sample, received [4, 4]; add layers.flatten() before it");
  });
});
