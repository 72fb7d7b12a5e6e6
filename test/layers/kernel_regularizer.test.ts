/**
 * The `kernelRegularizer` option of layers.conv2d and layers.dense (ResNet-20's L2 1e-4):
 * accepted as a regularizer, a name or a Keras config, kept in the layer config, written
 * to Keras JSON and read back from Keras 3's own form, and its penalty added to the loss.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layerConfigFromKeras, layerConfigToKeras } from "../../ts/io/keras_layers.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { regularizers } from "../../ts/regularizers.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";

beforeAll(async () => {
  await init();
});

describe("kernelRegularizer on Conv2D and Dense", () => {
  it("takes a regularizer, a name or a Keras config; absent means none", () => {
    expect(layers.conv2d({ filters: 2, kernelSize: 3, kernelRegularizer: regularizers.l2(1e-4) }).kernelRegularizer!.getConfig()).toEqual({ l2: 1e-4 });
    expect(layers.dense({ units: 2, kernelRegularizer: "l1" }).kernelRegularizer!.getConfig()).toEqual({ l1: 0.01 });
    expect(layers.dense({ units: 2, kernelRegularizer: { class_name: "L2", config: { l2: 0.5 } } as never }).kernelRegularizer!.l2).toBe(0.5);
    expect(layers.dense({ units: 2 }).kernelRegularizer).toBeNull();
    expect(layers.dense({ units: 2 }).config).not.toHaveProperty("kernelRegularizer");
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, kernelRegularizer: "l3" })).toThrow(/layers\.conv2d: kernelRegularizer must be "l1", "l2", "l1_l2"/);
    expect(() => layers.dense({ units: 2, kernelRegularizer: regularizers.l2(-1) })).toThrow(/l2/);
  });

  it("Keras JSON: written as L1L2 (what TF.js reads), read from Keras 3's L2 with its module", () => {
    const conv = layers.conv2d({ filters: 2, kernelSize: 3, kernelRegularizer: regularizers.l2(1e-4) });
    const written = layerConfigToKeras("Conv2D", conv.config, "conv", ["name", "inputShape"]);
    expect(written.kernel_regularizer).toEqual({ class_name: "L1L2", config: { l1: 0, l2: 1e-4 } });
    expect(layerConfigToKeras("Dense", layers.dense({ units: 2 }).config, "d", ["name", "inputShape"]).kernel_regularizer).toBeNull();
    const keras3 = { ...written, kernel_regularizer: { module: "keras.regularizers", class_name: "L2", config: { l2: 1e-4 }, registered_name: null } };
    const read = layerConfigFromKeras("Conv2D", keras3 as never, "conv", ["name"]);
    const again = layers.conv2d(read as never);
    expect(again.kernelRegularizer!.getConfig()).toEqual({ l2: 1e-4 });
    expect(() => layerConfigFromKeras("Conv2D", { ...written, kernel_regularizer: { class_name: "OrthogonalRegularizer", config: {} } } as never, "layer 1", ["name"])).toThrow(
      /layer 1 kernel_regularizer: kernelRegularizer: unsupported regularizer "OrthogonalRegularizer"/,
    );
  });

  it("adds l2 * sum(kernel^2) to the loss evaluate reports", () => {
    const make = (reg: boolean) => {
      const m = new Sequential({ seed: 7 });
      m.add(layers.dense({ units: 3, inputShape: [4], ...(reg ? { kernelRegularizer: regularizers.l2(0.25) } : {}) }));
      m.compile({ optimizer: "sgd", loss: "meanSquaredError" });
      return m;
    };
    const [a, b] = [make(false), make(true)];
    try {
      b.setWeights(a.getWeights());
      const x = tensor(Float32Array.from([1, 2, 3, 4, -1, 0, 1, 2]), [2, 4]);
      const y = tensor(Float32Array.from([0, 1, 0, 1, 0, 0]), [2, 3]);
      const kernel = a.getWeights()[0]!.data;
      const penalty = 0.25 * kernel.reduce((s, v) => s + v * v, 0);
      expect(penalty).toBeGreaterThan(0);
      expect(b.evaluate(x, y).loss - a.evaluate(x, y).loss).toBeCloseTo(penalty, 5);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
