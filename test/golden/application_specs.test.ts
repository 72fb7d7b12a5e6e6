/**
 * The application references real Keras wrote (test/golden/applications/, made by
 * scripts/keras/make_application_specs.py): the totals issue 10 quotes, and every layer's
 * counts, weight shapes and output shape agree with its config and its inputs' shapes, so
 * the files can be trusted as a layer-by-layer reference for applications.*.
 */
import { describe, expect, it } from "vitest";
import { readGoldenJson } from "../helpers/goldens.js";

interface Spec {
  keras_version: string;
  totals: { params: number; trainable: number; non_trainable: number };
  layers: {
    name: string;
    class_name: string;
    config: Record<string, unknown>;
    output_shape: (number | null)[];
    params: number;
    trainable_params: number;
    non_trainable_params: number;
    inbound: string[];
    weights: { name: string; shape: number[]; trainable: boolean }[];
  }[];
  weights: { path: string; shape: number[]; trainable: boolean }[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Keras's output length of a window op: valid floor((n - d(k-1) - 1) / s) + 1, same ceil(n / s). */
function outLength(n: number, k: number, s: number, d: number, padding: string): number {
  return padding === "same" ? Math.ceil(n / s) : Math.floor((n - d * (k - 1) - 1) / s) + 1;
}

/** The output shape and weight shapes a layer must have, from its config and input shape. */
function expected(l: Spec["layers"][number], input: (number | null)[] | undefined): { out?: (number | null)[]; weights?: number[][] } {
  const c = l.config;
  const pair = (k: string) => c[k] as [number, number];
  switch (l.class_name) {
    case "Conv2D":
    case "DepthwiseConv2D": {
      const [, h, w, cin] = input as number[];
      const [kh, kw] = pair("kernel_size");
      const [sh, sw] = pair("strides");
      const [dh, dw] = pair("dilation_rate");
      const pad = c.padding as string;
      const depthwise = l.class_name === "DepthwiseConv2D";
      const cout = depthwise ? cin! * (c.depth_multiplier as number) : (c.filters as number);
      const kernel = depthwise ? [kh, kw, cin!, c.depth_multiplier as number] : [kh, kw, cin!, cout];
      return { out: [null, outLength(h!, kh, sh, dh, pad), outLength(w!, kw, sw, dw, pad), cout], weights: c.use_bias ? [kernel, [cout]] : [kernel] };
    }
    case "BatchNormalization": {
      const ch = input![input!.length - 1] as number;
      return { out: input, weights: [[ch], [ch], [ch], [ch]].slice((c.scale ? 0 : 1) + (c.center ? 0 : 1)) };
    }
    case "Dense":
      return { out: [null, c.units as number], weights: [[input![1] as number, c.units as number], [c.units as number]] };
    case "ReLU":
    case "Add":
    case "Activation":
    case "Dropout":
      return { out: input, weights: [] };
    case "ZeroPadding2D": {
      const [[t, b], [left, r]] = c.padding as [[number, number], [number, number]];
      return { out: [null, input![1]! + t + b, input![2]! + left + r, input![3]!], weights: [] };
    }
    case "GlobalAveragePooling2D":
      return { out: c.keepdims ? [null, 1, 1, input![3]!] : [null, input![3]!], weights: [] };
    case "AveragePooling2D": {
      const [ph, pw] = pair("pool_size");
      const [sh, sw] = pair("strides");
      return { out: [null, outLength(input![1]!, ph, sh, 1, c.padding as string), outLength(input![2]!, pw, sw, 1, c.padding as string), input![3]!], weights: [] };
    }
    case "Flatten":
      return { out: [null, size(input!.slice(1) as number[])], weights: [] };
    default:
      return {};
  }
}

for (const [stem, params, nonTrainable] of [
  // The counts issue 10 quotes (from Keras and He et al.).
  ["resnet20", 274_442, 1_376],
  ["mobilenetv2_0.35_96", 423_018, undefined],
  ["mobilenetv2_1.0_224", 3_538_984, undefined],
] as const) {
  describe(`applications/${stem}.json`, () => {
    const spec = readGoldenJson(`applications/${stem}.json`) as Spec;

    it("carries Keras's totals, and they add up", () => {
      expect(spec.keras_version).toBe("3.15.1");
      expect(spec.totals.params).toBe(params);
      if (nonTrainable !== undefined) expect(spec.totals.non_trainable).toBe(nonTrainable);
      expect(spec.totals.trainable + spec.totals.non_trainable).toBe(spec.totals.params);
      expect(spec.layers.reduce((a, l) => a + l.params, 0)).toBe(spec.totals.params);
      expect(spec.layers.reduce((a, l) => a + l.non_trainable_params, 0)).toBe(spec.totals.non_trainable);
    });

    it("lists get_weights() in layer order, each layer's weights in its own order", () => {
      const fromLayers = spec.layers.flatMap((l) => l.weights.map((w) => ({ path: `${l.name}/${w.name}`, shape: w.shape, trainable: w.trainable })));
      expect(spec.weights).toEqual(fromLayers);
    });

    it("every layer's inputs come before it, and its counts, weights and shape follow from its config", () => {
      const byName = new Map(spec.layers.map((l) => [l.name, l]));
      const seen = new Set<string>();
      let checked = 0;
      for (const l of spec.layers) {
        for (const from of l.inbound) expect(seen.has(from), `${l.name} <- ${from}`).toBe(true);
        seen.add(l.name);
        expect(l.weights.reduce((a, w) => a + size(w.shape), 0), `${l.name} params`).toBe(l.params);
        expect(l.weights.filter((w) => !w.trainable).reduce((a, w) => a + size(w.shape), 0), `${l.name} non-trainable`).toBe(l.non_trainable_params);
        const inputs = l.inbound.map((n) => byName.get(n)!.output_shape);
        if (l.class_name === "Add") for (const s of inputs) expect(s, `${l.name} inputs`).toEqual(inputs[0]);
        const e = expected(l, inputs[0]);
        if (l.class_name === "InputLayer") continue;
        expect(e.out, `${l.class_name} has a shape rule in this test`).toBeDefined();
        expect(l.output_shape, `${l.name} output shape`).toEqual(e.out);
        expect(l.weights.map((w) => w.shape), `${l.name} weight shapes`).toEqual(e.weights);
        checked++;
      }
      expect(checked).toBe(spec.layers.length - 1);
    });
  });
}
