/**
 * applications.resnet20 and applications.mobileNetV2 against what real Keras 3.15.1 built
 * (test/golden/applications/, scripts/keras/make_application_specs.py): layer by layer the
 * name, class, the config keys that change what a layer computes, the output shape, the
 * parameter counts, the inbound layers, and the weights in `get_weights()` order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import { makeDivisible } from "../../ts/applications/mobilenet_v2.js";
import { layerConfigToKeras } from "../../ts/io/keras_layers.js";
import { valueName } from "../../ts/model/graph.js";
import type { Model } from "../../ts/model/model.js";
import { init } from "../../ts/wasm/loader.js";
import { readGoldenJson } from "../helpers/goldens.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";

beforeAll(async () => {
  await init();
});

/**
 * Keras 3 names DepthwiseConv2D's weight "kernel"; simdnet keeps the name tf.keras 2 and
 * TensorFlow.js give it ("depthwise_kernel", what its model.json and .h5 files carry). The
 * .keras format stores weights by position, so the names never meet.
 */
const weightName = (className: string, name: string): string => (className === "DepthwiseConv2D" && name === "depthwise_kernel" ? "kernel" : name);

interface SpecLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  output_shape: (number | null)[];
  params: number;
  trainable_params: number;
  non_trainable_params: number;
  inbound: string[];
  weights: { name: string; shape: number[]; trainable: boolean }[];
}
interface Spec {
  model_name: string;
  totals: { params: number; trainable: number; non_trainable: number };
  layers: SpecLayer[];
}

/** Keys that do not change what a layer computes or how its weights look (or that Keras 3 alone writes). */
const IGNORED = new Set(["data_format", "groups", "trainable", "dtype", "name", "sparse", "ragged", "optional", "synchronized", "renorm", "renorm_momentum", "renorm_clipping"]);

/** A config value compared by meaning: initializers by class, regularizers by their two factors. */
function normalize(key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const v = value as { class_name?: string; config?: Record<string, number>; l1?: number; l2?: number };
  if (key.endsWith("_initializer")) return v.class_name;
  if (key.endsWith("_regularizer")) {
    const c = v.config ?? (v as Record<string, number>);
    return { l1: c.l1 ?? 0, l2: c.l2 ?? 0 };
  }
  return value;
}

/** Checks `model` against the spec, layer by layer; returns the number of layers compared. */
function compare(model: Model, spec: Spec): number {
  const graph = model.graph();
  expect(model.name).toBe(spec.model_name);
  // The golden lists the InputLayer first; our model keeps it as the graph's input.
  const [inputSpec, ...specs] = spec.layers;
  expect(inputSpec!.class_name).toBe("InputLayer");
  expect(graph.inputName).toBe(inputSpec!.name);
  expect([null, ...graph.inputShape]).toEqual(inputSpec!.output_shape);
  expect(model.layers.map((l) => l.name)).toEqual(specs.map((l) => l.name));
  model.layers.forEach((layer, i) => {
    const s = specs[i]!;
    const at = `${s.name}`;
    expect(layer.className, at).toBe(s.class_name);
    expect([null, ...layer.outputShape!], `${at} output shape`).toEqual(s.output_shape);
    expect(graph.inbound[i]!.map((v) => valueName(graph, v)), `${at} inbound`).toEqual(s.inbound);
    const config = layerConfigToKeras(layer.className, model.describeLayers()[i]!.config, at, ["name", "inputShape"]);
    for (const [key, want] of Object.entries(s.config)) {
      if (IGNORED.has(key)) continue;
      expect(key in config, `${at}: our config has ${key}`).toBe(true);
      expect(normalize(key, config[key]), `${at} ${key}`).toEqual(normalize(key, want));
    }
    const specsOf = layer.weights.specs;
    expect(specsOf.map((w) => ({ name: weightName(layer.className, w.name), shape: [...w.shape], trainable: w.trainable !== false })), `${at} weights`).toEqual(s.weights);
    expect(layer.weights.count, `${at} params`).toBe(s.params);
  });
  expect(model.countParams()).toBe(spec.totals.params);
  const shapes = model.getWeights().map((w) => w.shape);
  expect(shapes).toEqual(specs.flatMap((l) => l.weights.map((w) => w.shape)));
  return model.layers.length;
}

describe("applications against Keras's layer-by-layer reference", () => {
  it("resnet20: 274,442 parameters for 10 classes, 1,376 non-trainable, Keras's names and order", () => {
    const spec = readGoldenJson("applications/resnet20.json") as Spec;
    const model = applications.resnet20({ seed: 1 });
    try {
      expect(compare(model, spec)).toBe(spec.layers.length - 1);
      const nonTrainable = model.layers.flatMap((l) => l.weights.specs.filter((w) => w.trainable === false)).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
      expect(model.countParams()).toBe(274_442);
      expect(nonTrainable).toBe(1_376);
      // The L2 penalty is on every convolution's kernel and nowhere else.
      for (const l of model.layers) expect((l as { kernelRegularizer?: unknown }).kernelRegularizer ?? null, l.name).toEqual(l.className === "Conv2D" ? expect.objectContaining({ l2: 1e-4, l1: 0 }) : null);
    } finally {
      model.dispose();
    }
  });

  for (const [stem, options, params] of [
    ["mobilenetv2_0.35_96", { alpha: 0.35, inputShape: [96, 96, 3], classes: 10 }, 423_018],
    ["mobilenetv2_1.0_224", { alpha: 1.0, inputShape: [224, 224, 3], classes: 1000 }, 3_538_984],
  ] as const) {
    it(`mobileNetV2 ${JSON.stringify(options)}: ${params} parameters, every layer as keras.applications.MobileNetV2`, () => {
      const spec = readGoldenJson(`applications/${stem}.json`) as Spec;
      const model = applications.mobileNetV2({ ...options, inputShape: [...options.inputShape], seed: 2 });
      try {
        expect(compare(model, spec)).toBe(spec.layers.length - 1);
        expect(model.countParams()).toBe(params);
      } finally {
        model.dispose();
      }
    });
  }
});

describe("MobileNetV2's options as Keras has them", () => {
  it("_make_divisible rounds to multiples of 8, at least 8, never more than 10% down", () => {
    // Values from Keras's rule worked by hand: int(v + 4) // 8 * 8, bumped when < 0.9 v.
    expect([makeDivisible(11.2), makeDivisible(32 * 0.35), makeDivisible(16 * 0.35), makeDivisible(3), makeDivisible(1280 * 1.3), makeDivisible(20), makeDivisible(44.8)]).toEqual([
      16, 16, 8, 8, 1664, 24, 48,
    ]);
    // 12.6 -> int(16.6) // 8 * 8 = 16; 9 -> 8 < 8.1 -> 16; 10 -> 8 < 9 -> 16.
    expect([makeDivisible(12.6), makeDivisible(9), makeDivisible(10)]).toEqual([16, 16, 16]);
  });

  it("includeTop false ends at out_relu (4-D) or pools with pooling avg / max; the name follows Keras", () => {
    const plain = applications.mobileNetV2({ alpha: 0.35, inputShape: [64, 80, 3], includeTop: false });
    const avg = applications.mobileNetV2({ alpha: 0.35, inputShape: [64, 64, 3], includeTop: false, pooling: "avg" });
    const max = applications.mobileNetV2({ alpha: 0.5, inputShape: [33, 35, 1], includeTop: false, pooling: "max" });
    try {
      expect(plain.layers.at(-1)!.name).toBe("out_relu");
      expect(plain.outputShape).toEqual([2, 3, 1280]);
      expect(plain.name).toBe("mobilenetv2_0.35_64");
      expect(avg.layers.at(-1)!.className).toBe("GlobalAveragePooling2D");
      expect(avg.outputShape).toEqual([1280]);
      expect(max.layers.at(-1)!.className).toBe("GlobalMaxPooling2D");
      expect(max.layers.at(-1)!.name).toBe("global_max_pooling2d");
      expect(max.name).toBe("mobilenetv2_0.50_33");
      // Odd sides get symmetric padding before a stride-2 depthwise (correct_pad), even ones (0, 1):
      // 33x35 -> Conv1 (stride 2, same) 17x18.
      expect(max.getLayer("block_1_pad").config.padding).toEqual([[1, 1], [0, 1]]);
      expect(plain.getLayer("block_1_pad").config.padding).toEqual([[0, 1], [0, 1]]);
    } finally {
      plain.dispose();
      avg.dispose();
      max.dispose();
    }
  });

  it("alpha above 1 widens the last convolution; classifierActivation null gives logits", () => {
    const model = applications.mobileNetV2({ alpha: 1.3, inputShape: [32, 32, 3], classes: 5, classifierActivation: null });
    try {
      expect(model.getLayer("Conv_1").outputShape).toEqual([1, 1, 1664]);
      expect(model.getLayer("Conv1").outputShape).toEqual([16, 16, 40]);
      expect(model.getLayer("predictions").config.activation).toBe("linear");
    } finally {
      model.dispose();
    }
  });

  it("refuses bad options by name before building anything", () => {
    const m = applications.mobileNetV2;
    expect(() => m({ weights: "imagenet" as never })).toThrow(/applications\.mobileNetV2: weights must be null .* downloads nothing, received a string \(imagenet\).*loadModel/);
    expect(() => m({ alpha: 0 })).toThrow("applications.mobileNetV2: alpha must be a finite number > 0 (e.g. 0.35, 0.5, 0.75, 1.0, 1.3, 1.4), received a number (0)");
    expect(() => m({ alpha: Number.NaN })).toThrow(/alpha must be a finite number > 0/);
    expect(() => m({ inputShape: [31, 64, 3] })).toThrow("applications.mobileNetV2: inputShape must be at least 32x32 (height x width), received [31, 64, 3]");
    expect(() => m({ inputShape: [64, 64] as never })).toThrow(/inputShape must be \[height, width, channels\]/);
    expect(() => m({ pooling: "mean" as never })).toThrow('applications.mobileNetV2: pooling must be "avg", "max" or null, received a string (mean)');
    expect(() => m({ includeTop: "no" as never })).toThrow(/includeTop must be true or false/);
    expect(() => m({ includeTop: false, classes: 10 })).toThrow(/classes and classifierActivation only apply with includeTop: true/);
    expect(() => m({ pooling: "max" })).toThrow('applications.mobileNetV2: pooling only applies with includeTop: false (the top always pools by average; Keras ignores pooling there), received pooling "max" with includeTop true');
    expect(() => m({ classes: 0 })).toThrow("applications.mobileNetV2: classes must be a whole number >= 1, received a number (0)");
    expect(() => m({ classifierActivation: "sofmax" as never, inputShape: [32, 32, 3] })).toThrow(/activation/);
    expect(() => m({ alhpa: 1 } as never)).toThrow(/applications\.mobileNetV2: unknown option "alhpa"/);
    expect(() => m(null as never)).toThrow(/applications\.mobileNetV2: expected an options object, received null/);
    expect(() => m({ seed: 1.5 })).toThrow("applications.mobileNetV2: seed must be a whole number, received a number (1.5)");
  });
});

describe("ResNet-20's options", () => {
  it("other input sizes and class counts; the names start afresh in each model", () => {
    const a = applications.resnet20({ inputShape: [40, 36, 1], classes: 3, name: "r" });
    const b = applications.resnet20();
    try {
      expect(a.name).toBe("r");
      expect(a.getLayer("average_pooling2d").outputShape).toEqual([1, 1, 64]);
      expect(a.outputShape).toEqual([3]);
      expect(b.layers[0]!.name).toBe("conv2d");
      expect(b.layers.at(-1)!.name).toBe("dense");
      expect(b.inputShape).toEqual([32, 32, 3]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("refuses bad options by name", () => {
    const r = applications.resnet20;
    expect(() => r({ inputShape: [28, 32, 3] })).toThrow(/applications\.resnet20: inputShape 28x32 is too small: the last stage's 7x8 feature map must cover the 8x8 average pooling/);
    expect(() => r({ classes: 2.5 })).toThrow("applications.resnet20: classes must be a whole number >= 1, received a number (2.5)");
    expect(() => r({ weights: null } as never)).toThrow(/applications\.resnet20: unknown option "weights"/);
    expect(() => r({ name: "" })).toThrow(/applications\.resnet20: name must be a non-empty string/);
  });
});

describe.skipIf(!keras)(`MobileNetV2 variants against live keras.applications.MobileNetV2 ${kerasSkipReason}`, () => {
  const variants = [
    { alpha: 1.3, inputShape: [32, 32, 3], classes: 5, includeTop: true, pooling: undefined },
    { alpha: 0.5, inputShape: [33, 35, 1], classes: 1000, includeTop: false, pooling: "max" },
    { alpha: 0.75, inputShape: [57, 40, 3], classes: 1000, includeTop: false, pooling: null },
    { alpha: 0.35, inputShape: [64, 64, 3], classes: 1000, includeTop: false, pooling: "avg" },
  ] as const;
  it("names, classes, output shapes, inbound layers and weight shapes agree layer by layer", () => {
    const got = runKeras<{ name: string; layers: [string, string, (number | null)[], string[], number[][]][] }[]>(
      `out = []
for v in inp:
    keras.backend.clear_session()  # fresh name counters, as each simdnet model names its own layers
    m = keras.applications.MobileNetV2(input_shape=tuple(v["inputShape"]), alpha=v["alpha"], include_top=v["includeTop"], pooling=v.get("pooling"), classes=v["classes"], weights=None)
    rows = []
    for l in m.layers:
        inbound = [t._keras_history[0].name for n in l._inbound_nodes for t in n.input_tensors]
        rows.append([l.name, l.__class__.__name__, list(l.output.shape), inbound, [list(w.shape) for w in l.weights]])
    out.append({"name": m.name, "layers": rows})`,
      variants,
    );
    variants.forEach((v, k) => {
      const model = applications.mobileNetV2({ ...v, inputShape: [...v.inputShape], ...(v.includeTop ? {} : { classes: undefined }) });
      try {
        const graph = model.graph();
        const ours = [
          [graph.inputName, "InputLayer", [null, ...graph.inputShape], [], []],
          ...model.layers.map((l, i) => [l.name, l.className, [null, ...l.outputShape!], graph.inbound[i]!.map((x) => valueName(graph, x)), l.weights.specs.map((w) => [...w.shape])]),
        ];
        expect(model.name).toBe(got[k]!.name);
        expect(ours).toEqual(got[k]!.layers);
      } finally {
        model.dispose();
      }
    });
  }, 120_000);
});
