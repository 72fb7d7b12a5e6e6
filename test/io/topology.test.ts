/** Descriptors <-> Keras JSON: round trips, the Keras dialects we read, and every refusal by its text. */
import { describe, expect, it } from "vitest";
import { type LayerDescriptor, topologyFromKeras, topologyToKeras } from "../../ts/io/topology.js";
import { expectedWeights } from "../../ts/io/weight_shapes.js";
import { lenetDescriptors, variedDescriptors } from "./fixtures.js";

type Json = Record<string, any>;

/** The layers of a written topology (to edit in error tests). */
function written(layers: LayerDescriptor[] = lenetDescriptors()): Json {
  return topologyToKeras({ name: "sequential", layers }) as Json;
}

const conv = (extra: Json = {}): Json => ({
  class_name: "Conv2D",
  config: { name: "conv2d", filters: 2, kernel_size: [3, 3], batch_input_shape: [null, 8, 8, 1], ...extra },
});

const sequential = (...layers: Json[]): Json => ({ class_name: "Sequential", config: { name: "s", layers } });

describe("topologyToKeras / topologyFromKeras", () => {
  it.each([
    ["LeNet-5", lenetDescriptors],
    ["every layer and option", variedDescriptors],
  ])("round-trips %s to the normalized options", (_, make) => {
    const layers = make();
    const back = topologyFromKeras(JSON.parse(JSON.stringify(written(layers))));
    expect(back.name).toBe("sequential");
    expect(back.layers.map((l) => [l.className, l.name])).toEqual(layers.map((l) => [l.className, l.name]));
    // Writing what was read gives the same JSON again.
    expect(topologyToKeras(back)).toEqual(written(layers));
  });

  it("writes TF.js's layout: batch_input_shape and dtype on the first layer, full configs, Keras initializers", () => {
    const json = written();
    expect(json).toMatchObject({ class_name: "Sequential", config: { name: "sequential" }, keras_version: "simdnet 0.1.0" });
    const [first, pool, second] = json.config.layers;
    expect(first.config).toMatchObject({
      name: "conv2d", filters: 6, kernel_size: [5, 5], strides: [1, 1], padding: "same", data_format: "channels_last",
      dilation_rate: [1, 1], activation: "relu", use_bias: true, batch_input_shape: [null, 28, 28, 1], dtype: "float32",
      kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } }, bias_initializer: { class_name: "Zeros", config: {} },
      kernel_regularizer: null, trainable: true,
    });
    expect(second.config.batch_input_shape).toBeUndefined();
    expect(pool.config).toMatchObject({ pool_size: [2, 2], strides: [2, 2], padding: "valid" });
  });

  it("reads normalized options with Keras's defaults filled", () => {
    const { layers } = topologyFromKeras(sequential(
      conv({ kernel_size: 3 }),
      { class_name: "MaxPooling2D", config: { name: "p", pool_size: [2, 2], strides: null } },
      { class_name: "Flatten", config: { name: "f" } },
      { class_name: "Dense", config: { name: "d", units: 4, kernel_initializer: { class_name: "RandomNormal", config: { mean: 0, stddev: 0.1, seed: 3 } } } },
      { class_name: "Dropout", config: { name: "r", rate: 0.5, seed: 9 } },
    ));
    expect(layers[0]!.config).toEqual({
      filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: "valid", dilationRate: [1, 1], activation: "linear", useBias: true,
      kernelInitializer: "glorotUniform", biasInitializer: "zeros", kernelRegularizer: null, inputShape: [8, 8, 1],
    });
    expect(layers[1]!.config).toEqual({ poolSize: [2, 2], strides: [2, 2], padding: "valid" });
    expect(layers[3]!.config.kernelInitializer).toEqual({ className: "RandomNormal", config: { mean: 0, stddev: 0.1, seed: 3 } });
    expect(layers[4]!.config).toEqual({ rate: 0.5, seed: 9 });
  });

  it("reads a Keras 2 file converted by tensorflowjs (model_config wrapper, InputLayer)", () => {
    const { name, layers } = topologyFromKeras({
      keras_version: "2.15.0",
      backend: "tensorflow",
      model_config: sequential(
        { class_name: "InputLayer", config: { batch_input_shape: [null, 8, 8, 1], dtype: "float32", sparse: false, ragged: false, name: "conv2d_input" } },
        conv({ dtype: "float32", trainable: true, groups: 1, activation: "relu", kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } } }),
      ),
      training_config: { loss: "categorical_crossentropy" },
    });
    expect(name).toBe("s");
    expect(layers).toHaveLength(1);
    expect(layers[0]!.config).toMatchObject({ inputShape: [8, 8, 1], activation: "relu" });
  });

  it("reads Keras 3 entries (batch_shape, DTypePolicy, module keys) and the old bare layer list", () => {
    const dtype = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };
    const k3 = topologyFromKeras(sequential(
      { module: "keras.layers", class_name: "InputLayer", config: { batch_shape: [null, 8, 8, 1], dtype: "float32", sparse: false, name: "input_layer" }, registered_name: null },
      { module: "keras.layers", class_name: "Conv2D", config: { name: "conv2d", filters: 2, kernel_size: [3, 3], dtype }, registered_name: null, build_config: { input_shape: [null, 8, 8, 1] } },
    ));
    expect(k3.layers[0]!.config.inputShape).toEqual([8, 8, 1]);
    const old = topologyFromKeras({ class_name: "Sequential", config: [conv()] });
    expect(old.name).toBe("sequential");
    expect(old.layers[0]!.config.inputShape).toEqual([8, 8, 1]);
  });

  it("maps TF.js's VarianceScaling forms to their initializer names", () => {
    const vs = (scale: number, mode: string, distribution: string) => ({ class_name: "VarianceScaling", config: { scale, mode, distribution, seed: null } });
    const read = (init: Json) => topologyFromKeras(sequential(conv({ kernel_initializer: init }))).layers[0]!.config.kernelInitializer;
    expect(read(vs(1, "fan_avg", "uniform"))).toBe("glorotUniform");
    expect(read(vs(1, "fan_avg", "normal"))).toBe("glorotNormal");
    expect(read(vs(2, "fan_in", "truncated_normal"))).toBe("heNormal");
    expect(read(vs(1, "fan_in", "uniform"))).toBe("lecunUniform");
    expect(read({ class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "uniform", seed: 5 } })).toEqual({ className: "GlorotUniform", config: { seed: 5 } });
    expect(read("he_uniform" as never)).toBe("heUniform");
  });

  it("computes the expected weights: LeNet-5 has 61,706 parameters in Keras order", () => {
    const specs = expectedWeights(topologyFromKeras(written()).layers);
    expect(specs.map((s) => s.name)).toEqual([
      "conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias",
    ]);
    expect(specs[2]!.shape).toEqual([5, 5, 6, 16]);
    expect(specs[4]!.shape).toEqual([400, 120]);
    expect(specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)).toBe(61706);
  });

  it("refuses a kernel larger than its input, naming the layer", () => {
    const json = sequential(conv({ batch_input_shape: [null, 2, 8, 1] }));
    expect(() => expectedWeights(topologyFromKeras(json).layers)).toThrow('layer 0 ("conv2d", Conv2D): kernel 3x3 is larger than its input 2x8 with padding "valid"');
  });
});

describe("topologyFromKeras refuses what it cannot load", () => {
  const cases: [string, Json, string][] = [
    ["a functional model without input_layers", { class_name: "Functional", config: { layers: [] } }, "modelTopology.config.input_layers: received undefined, expected an array"],
    ["an unknown model class", { class_name: "Subclassed", config: { layers: [] } }, 'modelTopology.class_name: received "Subclassed", expected "Sequential", "Functional" or "Model"'],
    ["a layer class we lack", sequential(conv(), { class_name: "LayerNormalization", config: { name: "ln" } }), 'layer 1 ("ln", LayerNormalization) class_name: received "LayerNormalization", expected one of Conv2D'],
    ["channels_first", sequential(conv({ data_format: "channels_first" })), 'layer 0 ("conv2d", Conv2D) data_format: received "channels_first", expected "channels_last"'],
    ["grouped convolution", sequential(conv({ groups: 2 })), 'layer 0 ("conv2d", Conv2D) groups: received 2, expected 1 (grouped convolution is not supported)'],
    // A kernel regularizer loads (L1, L2, L1L2); other regularizer options are refused by name.
    ["a regularizer we lack", sequential(conv({ kernel_regularizer: { class_name: "OrthogonalRegularizer", config: {} } })), 'layer 0 ("conv2d", Conv2D) kernel_regularizer: kernelRegularizer: unsupported regularizer "OrthogonalRegularizer"'],
    ["a bias regularizer", sequential(conv({ bias_regularizer: { class_name: "L2", config: { l2: 0.01 } } })), 'layer 0 ("conv2d", Conv2D) bias_regularizer: received {"class_name":"L2"'],
    ["an activation we lack", sequential(conv({ activation: "mish" })), 'layer 0 ("conv2d", Conv2D) activation: received "mish", expected one of linear, relu, sigmoid, tanh, softmax, relu6, elu, selu, silu, swish, gelu, gelu_new, hard_sigmoid'],
    ["causal padding", sequential(conv({ padding: "causal" })), 'layer 0 ("conv2d", Conv2D) padding: received "causal", expected "valid" or "same"'],
    ["a trainable flag that is not a boolean", sequential(conv({ trainable: "no" })), 'layer 0 ("conv2d", Conv2D) trainable: received "no", expected true or false'],
    ["float16", sequential(conv({ dtype: "float16" })), 'layer 0 ("conv2d", Conv2D) dtype: received "float16", expected "float32"'],
    ["an unknown option", sequential(conv({ lora_alpha: 4 })), 'layer 0 ("conv2d", Conv2D): option "lora_alpha" of Conv2D is not supported'],
    ["a missing required option", sequential(conv(), { class_name: "Dense", config: { name: "d" } }), 'layer 1 ("d", Dense): the config has no "units"; Dense needs it'],
    ["zero filters", sequential(conv({ filters: 0 })), 'layer 0 ("conv2d", Conv2D) filters: received 0, expected a whole number >= 1'],
    ["a one-number kernel list", sequential(conv({ kernel_size: [3] })), 'layer 0 ("conv2d", Conv2D) kernel_size: received [3], expected a whole number or a pair [h, w] of them'],
    ["a dropout rate of 1", sequential(conv(), { class_name: "Dropout", config: { name: "r", rate: 1 } }), 'layer 1 ("r", Dropout) rate: received 1, expected a number in [0, 1)'],
    ["a noise shape", sequential(conv(), { class_name: "Dropout", config: { name: "r", rate: 0.1, noise_shape: [1, 1, 1, 2] } }), 'layer 1 ("r", Dropout) noise_shape: received [1,1,1,2], expected null'],
    ["an initializer we lack", sequential(conv({ kernel_initializer: { class_name: "Orthogonal", config: { gain: 1 } } })), 'layer 0 ("conv2d", Conv2D) kernel_initializer: received {"class_name":"Orthogonal","config":{"gain":1}}, expected an initializer among GlorotUniform'],
    ["an odd VarianceScaling", sequential(conv({ kernel_initializer: { class_name: "VarianceScaling", config: { scale: 3, mode: "fan_in", distribution: "uniform" } } })), "VarianceScaling with scale=3, mode=fan_in, distribution=uniform is not supported"],
    ["an unknown initializer parameter", sequential(conv({ bias_initializer: { class_name: "Zeros", config: { value: 1 } } })), 'layer 0 ("conv2d", Conv2D) bias_initializer: Zeros has no parameter "value" (its parameters: none)'],
    ["no input shape", sequential({ class_name: "Flatten", config: { name: "f" } }), 'layer 0 ("f", Flatten): no input shape; expected batch_input_shape on the first layer or an InputLayer'],
    ["an input shape on a later layer", sequential(conv(), conv({ name: "c2" })), 'layer 1 ("c2", Conv2D): only the first layer may carry an input shape'],
    ["an InputLayer later", sequential(conv(), { class_name: "InputLayer", config: { name: "i", batch_input_shape: [null, 3] } }), 'layer 1 ("i", InputLayer): an InputLayer may only come first'],
    ["a sparse InputLayer", sequential({ class_name: "InputLayer", config: { name: "i", batch_input_shape: [null, 3], sparse: true } }, conv()), 'layer 0 ("i", InputLayer) sparse: received true, expected false'],
    ["conflicting input shapes", sequential({ class_name: "InputLayer", config: { name: "i", batch_input_shape: [null, 9, 9, 1] } }, conv()), "batch_input_shape gives input [8,8,1] but the InputLayer gives [9,9,1]"],
    ["a bad input dimension", sequential(conv({ batch_input_shape: [null, 8, -1, 1] })), 'layer 0 ("conv2d", Conv2D) batch_input_shape[2]: received -1, expected a whole number >= 1'],
    ["two layers with one name", sequential(conv(), { class_name: "Flatten", config: { name: "conv2d" } }), 'layer 1 ("conv2d", Flatten): the name "conv2d" is used by two layers'],
    ["a layer without a name", sequential(conv({ name: undefined })), "layer 0 (unnamed, Conv2D) name: received undefined, expected a string"],
    ["no layers", sequential(), "the model has no layers"],
    ["a non-object", [] as unknown as Json, "modelTopology: received [], expected an object"],
  ];
  it.each(cases)("%s", (_, json, message) => {
    expect(() => topologyFromKeras(json)).toThrow(message);
  });

  it("ignores prototype keys rather than trusting them", () => {
    expect(() => topologyFromKeras(sequential({ class_name: "toString", config: { name: "x" } }))).toThrow("expected one of Conv2D");
    expect(() => topologyFromKeras(sequential(conv({ kernel_initializer: { class_name: "Zeros", config: { toString: 1 } } })))).toThrow('Zeros has no parameter "toString"');
  });
});

describe("topologyToKeras refuses what it cannot write", () => {
  const base = lenetDescriptors;
  const edit = (i: number, config: Json): LayerDescriptor[] => base().map((l, j) => (j === i ? { ...l, config: { ...l.config, ...config } } : l));
  it.each([
    ["an unknown option", edit(0, { groups: 2 }), 'layer 0 ("conv2d", Conv2D): option "groups" of Conv2D cannot be saved in the TF.js layers format'],
    ["a bad value", edit(5, { units: 1.5 }), 'layer 5 ("dense", Dense) units: received 1.5, expected a whole number >= 1'],
    ["no input shape", edit(0, { inputShape: undefined }), 'layer 0 ("conv2d", Conv2D) inputShape: received undefined, expected an array'],
    ["an unknown initializer", edit(0, { kernelInitializer: "orthogonal" }), 'layer 0 ("conv2d", Conv2D) kernelInitializer: received "orthogonal", expected an initializer among'],
    ["duplicate names", base().map((l) => ({ ...l, name: "x" })), 'layer 1 ("x", AveragePooling2D): the name "x" is used by two layers'],
  ] as [string, LayerDescriptor[], string][])("%s", (_, layers, message) => {
    expect(() => topologyToKeras({ name: "m", layers })).toThrow(message);
  });

  it("writes initializer objects through className and getConfig()", () => {
    const init = { className: "RandomUniform", getConfig: () => ({ minval: -1, maxval: 1, seed: 4 }), fill: () => undefined };
    const json = written(edit(0, { kernelInitializer: init })) as Json;
    expect(json.config.layers[0].config.kernel_initializer).toEqual({ class_name: "RandomUniform", config: { minval: -1, maxval: 1, seed: 4 } });
  });
});

describe("frozen layers in topologies", () => {
  it("reads trainable: false into the descriptor and writes it back", () => {
    const read = topologyFromKeras({
      class_name: "Sequential",
      config: { name: "s", layers: [{ class_name: "Flatten", config: { name: "f", trainable: false, batch_input_shape: [null, 2, 2] } }, { class_name: "Dense", config: { name: "d", units: 2 } }] },
    });
    expect(read.layers.map((l) => l.trainable)).toEqual([false, undefined]);
    const written = topologyToKeras(read) as { config: { layers: { config: { trainable: boolean } }[] } };
    expect(written.config.layers.map((l) => l.config.trainable)).toEqual([false, true]);
  });
});
