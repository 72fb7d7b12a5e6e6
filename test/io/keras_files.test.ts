/**
 * The Keras file containers on golden files written by real Keras 3.15.1: every weight
 * arrives under its Keras name with its shape and values (the values checked against
 * the .keras and .h5 copies, read by two different layouts), configs translate to the
 * Keras-2-style topology and back, and LeNet-5 loads and predicts what Keras predicts.
 */
import { describe, expect, it } from "vitest";
import { configToKeras2, configToKeras3 } from "../../ts/io/keras/config.js";
import { readKerasBytes } from "../../ts/io/keras/index.js";
import { type KerasFileContents, layerKeysForTest, readH5File, readKerasFile, snakeCase, writeH5File, writeKerasFile } from "../../ts/io/keras/keras_file.js";
import { parseBoundedJson } from "../../ts/io/keras/json_text.js";
import { readZipEntries } from "../../ts/io/keras/zip.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import * as api from "../../ts/index.js";
import { MODELS, type ModelName, golden, goldenFloats, manifest } from "./keras_fixtures.js";

const contents = new Map<string, KerasFileContents>();
async function read(model: ModelName, format: "keras" | "h5"): Promise<KerasFileContents> {
  const key = `${model}.${format}`;
  if (!contents.has(key)) contents.set(key, format === "keras" ? await readKerasFile(golden(key), key) : await readH5File(golden(key), key));
  return contents.get(key)!;
}

/** Keras's variable path ("resnet20/conv2d/kernel" or "conv2d/kernel") as our "layer/weight" name. */
function ourName(path: string): string {
  const parts = path.split("/");
  return `${parts[parts.length - 2]}/${parts[parts.length - 1]}`;
}

describe("golden Keras files: structure and weights", () => {
  for (const model of MODELS) {
    for (const format of ["keras", "h5"] as const) {
      it(`${model}.${format}: every weight of model.weights, by name and shape, and the parameter count`, async () => {
        const c = await read(model, format);
        const m = manifest.models[model];
        expect(c.format).toBe(format);
        expect(c.kerasVersion).toBe("3.15.1");
        // Keras keeps variables per layer; its model.weights order is the same for these models.
        const expected = m.weights.map((w) => ({ name: ourName(w.path), shape: w.shape }));
        const got = c.weights.map((w) => ({ name: w.name.replace(/depthwise_kernel$/, "kernel"), shape: w.shape }));
        expect(got.map((w) => w.name).sort()).toEqual(expected.map((w) => w.name).sort());
        const shapes = new Map(expected.map((w) => [w.name, w.shape]));
        for (const w of got) expect(w.shape, w.name).toEqual(shapes.get(w.name));
        expect(c.weights.reduce((s, w) => s + w.data.length, 0)).toBe(m.params);
        for (const w of c.weights) expect(w.data.length).toBe(w.shape.reduce((a, b) => a * b, 1));
      });
    }
    it(`${model}: .keras and .h5 hold the same values under the same names (two layouts, one model)`, async () => {
      const a = await read(model, "keras");
      const b = await read(model, "h5");
      expect(b.weights.map((w) => w.name)).toEqual(a.weights.map((w) => w.name));
      a.weights.forEach((w, i) => {
        expect(b.weights[i]!.data, w.name).toEqual(w.data);
      });
      // Randomized BN statistics are in the file (not 0/1 initial values).
      const variance = a.weights.find((w) => w.name.endsWith("moving_variance"));
      if (model !== "lenet5") expect(variance && Array.from(variance.data).some((v) => v !== 1)).toBe(true);
    });
  }

  it("the .keras weight keys follow Keras's snake_case class names with counters, not layer names", async () => {
    expect(["Conv2D", "ReLU", "DepthwiseConv2D", "BatchNormalization", "GlobalAveragePooling2D", "InputLayer", "MaxPooling2D"].map(snakeCase)).toEqual([
      "conv2d", "re_lu", "depthwise_conv2d", "batch_normalization", "global_average_pooling2d", "input_layer", "max_pooling2d",
    ]);
    const c = await read("mobilenetv2", "keras");
    const keys = layerKeysForTest(c.topology);
    expect(keys.slice(0, 4)).toEqual([["input_layer", "input_layer"], ["Conv1", "conv2d"], ["bn_Conv1", "batch_normalization"], ["Conv1_relu", "re_lu"]]);
    expect(new Set(keys.map(([, k]) => k)).size).toBe(keys.length);
  });
});

describe("config translation", () => {
  it("Keras 3 Sequential -> Keras 2: InputLayer batch_input_shape, dtype strings, plain initializers, Keras-3-only defaults dropped", async () => {
    const c = await read("lenet5", "keras");
    const layers = (c.topology.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers;
    expect(c.topology.class_name).toBe("Sequential");
    expect(layers[0]).toEqual({ class_name: "InputLayer", config: { batch_input_shape: [null, 28, 28, 1], dtype: "float32", sparse: false, ragged: false, name: "input_layer" } });
    expect(layers[1]!.config.dtype).toBe("float32");
    expect(layers[1]!.config.kernel_initializer).toEqual({ class_name: "GlorotUniform", config: { seed: null } });
    expect("quantization_config" in layers.find((l) => l.class_name === "Dense")!.config).toBe(false);
    expect(JSON.stringify(c.topology)).not.toMatch(/"module"|registered_name|DTypePolicy|build_config/);
  });

  it("Keras 3 functional inbound nodes -> Keras 2 [[layer, node, tensor, kwargs]], regularizers kept", async () => {
    const c = await read("resnet20", "keras");
    const config = c.topology.config as { layers: Record<string, unknown>[]; input_layers: unknown; output_layers: unknown };
    expect(c.topology.class_name).toBe("Functional");
    expect(config.input_layers).toEqual([["input_layer", 0, 0]]);
    expect(config.output_layers).toEqual([["dense", 0, 0]]);
    const add = config.layers.find((l) => l.class_name === "Add")!;
    expect(add.inbound_nodes).toEqual([[["activation", 0, 0, {}], ["batch_normalization_2", 0, 0, {}]]]);
    const bn = config.layers.find((l) => l.class_name === "BatchNormalization")!;
    expect(bn.inbound_nodes).toEqual([[["conv2d", 0, 0, {}]]]); // Keras 3's `mask: null` is dropped
    const conv = config.layers.find((l) => l.class_name === "Conv2D")!;
    expect((conv.config as Record<string, unknown>).kernel_regularizer).toEqual({ class_name: "L2", config: { l2: 0.0001 } });
  });

  it(".h5 model_config from Keras 3 translates to the same topology as the .keras config.json", async () => {
    for (const model of MODELS) {
      const a = (await read(model, "keras")).topology;
      const b = (await read(model, "h5")).topology;
      expect(b, model).toEqual(a);
    }
  });

  it("Keras 2 -> Keras 3 -> Keras 2 is the identity on all three topologies", async () => {
    for (const model of MODELS) {
      const t = (await read(model, "keras")).topology;
      const back = configToKeras2(JSON.parse(JSON.stringify(configToKeras3(t))), model);
      expect(back, model).toEqual(t);
    }
  });

  it("what simdnet writes (tf.keras 2 style .h5: weight names with :0; Keras 3 .keras) reads back to the same topology and weights", async () => {
    for (const model of MODELS) {
      const c = await read(model, "keras");
      for (const bytes of [await writeH5File(c.topology, c.weights), await writeKerasFile(c.topology, c.weights)]) {
        const back = await readKerasBytes(bytes, model);
        const topology = back.topology as { config: { layers: { class_name: string }[] } };
        // The .h5 of a Sequential gains an explicit InputLayer; the .keras one already has it.
        expect(topology.config.layers.length).toBe((c.topology.config as { layers: unknown[] }).layers.length);
        expect(back.topology).toEqual(c.topology);
        expect(back.weights).toEqual(c.weights);
      }
    }
  });

  it("a tf.keras 2 style model_config (no module wrappers, batch_input_shape on the first layer) passes through", () => {
    const tfKeras2 = {
      class_name: "Sequential",
      config: { name: "s", layers: [{ class_name: "Dense", config: { name: "d", units: 3, batch_input_shape: [null, 4], dtype: "float32", activation: "relu" } }] },
    };
    const t = configToKeras2(tfKeras2, "x");
    expect(t).toEqual({ class_name: "Sequential", config: { name: "s", layers: tfKeras2.config.layers } });
  });

  it("config.json read through the zip equals what Keras wrote (the zip reader returns the exact bytes)", async () => {
    const entries = await readZipEntries(golden("lenet5.keras"), ["config.json", "metadata.json"], "lenet5.keras");
    const config = parseBoundedJson(new TextDecoder().decode(entries.get("config.json")!), "config.json") as Record<string, unknown>;
    expect(config.class_name).toBe("Sequential");
    expect(JSON.parse(new TextDecoder().decode(entries.get("metadata.json")!)).keras_version).toBe("3.15.1");
  });
});

describe("load and predict", () => {
  for (const format of ["keras", "h5"] as const) {
    it(`LeNet-5 .${format} written by Keras predicts what Keras predicts (1e-4), from a path and from bytes`, async () => {
      await init();
      const x = goldenFloats("lenet5.inputs.bin");
      const want = goldenFloats("lenet5.predictions.bin");
      const bytes = golden(`lenet5.${format}`);
      for (const source of [`file://${new URL(`../golden/keras_files/lenet5.${format}`, import.meta.url).pathname}`, bytes, bytes.slice().buffer, new Blob([bytes.slice().buffer])]) {
        const model = await loadSequential(source);
        try {
          const y = model.predict(tensor(x, manifest.models.lenet5.inputShape));
          expect(y.shape).toEqual(manifest.models.lenet5.predictionShape);
          y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
        } finally {
          model.dispose();
        }
      }
    });
  }

  // ResNet-20 (functional, Conv2D with an L2 kernel_regularizer, BatchNormalization with
  // randomized statistics, Add) and MobileNetV2 (DepthwiseConv2D, ReLU(6), ZeroPadding2D,
  // GlobalAveragePooling2D) through the public loadModel.
  for (const model of ["resnet20", "mobilenetv2"] as const) {
    for (const format of ["keras", "h5"] as const) {
      it(`${model}.${format} written by Keras predicts what Keras predicts (1e-4)`, async () => {
        await init();
        const loaded = await api.loadModel(golden(`${model}.${format}`));
        try {
          expect(loaded.countParams()).toBe(manifest.models[model].params);
          const y = loaded.predict(tensor(goldenFloats(`${model}.inputs.bin`), manifest.models[model].inputShape));
          expect(y.shape).toEqual(manifest.models[model].predictionShape);
          const want = goldenFloats(`${model}.predictions.bin`);
          y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
        } finally {
          loaded.dispose();
        }
      });
    }
  }

  it("files of a compiled, trained model (compile_config, optimizer/vars; training_config, optimizer_weights) load their model and skip the optimizer", async () => {
    await init();
    const m = manifest.models["compiled_tiny" as ModelName];
    for (const format of ["keras", "h5"] as const) {
      const c = await readKerasBytes(golden(`compiled_tiny.${format}`), `compiled_tiny.${format}`);
      expect(c.weights.map((w) => w.name)).toEqual(["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"]);
      const model = await loadSequential(golden(`compiled_tiny.${format}`));
      try {
        expect(model.countParams()).toBe(m.params);
        const y = model.predict(tensor(goldenFloats("compiled_tiny.inputs.bin"), m.inputShape));
        const want = goldenFloats("compiled_tiny.predictions.bin");
        y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
      } finally {
        model.dispose();
      }
    }
  });

  it("readKerasBytes tells the formats apart by their bytes and refuses a name that lies", async () => {
    expect((await readKerasBytes(golden("lenet5.h5"), "x")).format).toBe("h5");
    await expect(readKerasBytes(golden("lenet5.h5"), "x.keras", "keras")).rejects.toThrow(/says \.keras but the bytes are an HDF5/);
    await expect(readKerasBytes(new TextEncoder().encode('{"modelTopology": {}}'), "m")).rejects.toThrow(/neither a \.keras file/);
  });
});
