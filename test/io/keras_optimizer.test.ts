/**
 * Train in Keras, continue here: files that real Keras 3.15.1 wrote for a model compiled
 * and trained three steps (test/golden/keras_optimizer/, made by
 * scripts/keras/make_optimizer_files.py) load compiled, with the optimizer's step count,
 * learning rate and slots, and one step here on the same batch gives the weights of
 * Keras's fourth step. Also: what cannot carry over loads uncompiled with a warning;
 * damaged optimizer variables are refused by name; simdnet's own files round-trip. The
 * other direction (Keras continuing from simdnet's files) is keras_optimizer_live.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toKerasFile } from "../../ts/io/keras/index.js";
import { type StoredOptimizerVariables, UnsupportedCompile, kerasJson, reorderSlots, trainingFromKeras } from "../../ts/io/keras/optimizer_state.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";

const DIR = join(import.meta.dirname, "..", "golden", "keras_optimizer");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as {
  steps: number; batch: { x: number[]; y: number[] };
  cases: Record<string, { file: string; optimizer: string; optimizer_variables: number; weights: number[][] }>;
};
const floats = (name: string): Float32Array => {
  const b = readFileSync(join(DIR, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const x = tensor(floats("batch.x.bin"), manifest.batch.x);
const y = tensor(floats("batch.y.bin"), manifest.batch.y);

beforeAll(async () => {
  await init();
});
afterEach(() => vi.restoreAllMocks());

describe("Keras's files load compiled, and the next step here is Keras's next step", () => {
  for (const name of ["adam", "adam_h5", "rmsprop", "sgd_h5", "adamw_cosine"]) {
    const c = manifest.cases[name]!;
    it(`${c.file} (${c.optimizer}, ${c.optimizer_variables} optimizer variables)`, async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const model = await loadSequential(`file://${join(DIR, c.file)}`);
      try {
        const state = model.getTrainingState();
        expect(state).not.toBeNull();
        expect(state!.optimizer.className).toBe(c.optimizer);
        expect(state!.step).toBe(manifest.steps);
        expect(state!.loss).toBe("sparseCategoricalCrossentropy");
        expect(state!.metrics).toEqual(["accuracy"]);
        // Keras's slots are not zero after three steps, so a restart would be caught too.
        expect(state!.slots.flat().some((t) => t.data.some((v) => v !== 0))).toBe(state!.slots.length > 0);
        await model.fit(x, y, { epochs: 1, batchSize: manifest.batch.x[0], shuffle: false, verbose: 0 });
        const got = model.getWeights();
        expect(got.map((t) => t.shape)).toEqual(c.weights);
        const want = floats(`${name}.after.bin`);
        let at = 0;
        let worst = 0;
        for (const t of got) for (const v of t.data) worst = Math.max(worst, Math.abs(v - want[at++]!));
        expect(at).toBe(want.length);
        expect(worst).toBeLessThan(1e-5);
        expect(warn).not.toHaveBeenCalled();
      } finally {
        model.dispose();
      }
    });
  }

  it("a file whose optimizer simdnet lacks (Nadam) loads uncompiled, with a warning naming it, and predicts", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const model = await loadSequential(`file://${join(DIR, "nadam.keras")}`);
    try {
      expect(model.getTrainingState()).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/nadam\.keras: the model is loaded uncompiled because .*unknown optimizer "Nadam".*call compile/);
      expect(model.predict(x).shape).toEqual([8, 3]);
      await expect(model.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(/compile/);
    } finally {
      model.dispose();
    }
  });
});

/** Optimizer variables from arrays, as a file would give them. */
function stored(values: (number | Float32Array)[], shapes: number[][]): StoredOptimizerVariables {
  return {
    count: values.length,
    shape: (i) => shapes[i]!,
    counter: (i) => values[i] as number,
    floats: (i) => ({ shape: shapes[i]!, data: values[i] instanceof Float32Array ? (values[i] as Float32Array) : Float32Array.of(values[i] as number) }),
  };
}

const adamConfig = (extra: Record<string, unknown> = {}) => ({
  optimizer: { module: "keras.optimizers", class_name: "Adam", config: { name: "adam", learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false, use_ema: false, clipnorm: null, ...extra }, registered_name: null },
  loss: "sparse_categorical_crossentropy", metrics: ["accuracy"], loss_weights: null, weighted_metrics: null,
});
const trainable = [{ name: "d/kernel", shape: [2, 1] }, { name: "d/bias", shape: [1] }];
const f = (...v: number[]) => Float32Array.from(v);

describe("reading compile settings and optimizer variables", () => {
  it("maps Keras's interleaved Adam variables (momentum, velocity per weight) onto m and v, and takes the learning rate from its variable", () => {
    const s = trainingFromKeras(adamConfig(), stored([7, 0.005, f(1, 2), f(3, 4), f(5), f(6)], [[], [], [2, 1], [2, 1], [1], [1]]), trainable, "t");
    expect(s.step).toBe(7);
    expect(s.slots.map((slot) => slot.map((t) => Array.from(t.data)))).toEqual([[[1, 2], [5]], [[3, 4], [6]]]);
    expect(s.optimizer.config.learning_rate).toBeCloseTo(0.005, 9);
  });

  it("RMSprop keeps every velocity, then every momentum (two build calls)", () => {
    const compile = { optimizer: { class_name: "RMSprop", config: { learning_rate: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: false } }, loss: "mse" };
    const s = trainingFromKeras(compile, stored([2, 0.01, f(1, 2), f(3), f(4, 5), f(6)], [[], [], [2, 1], [1], [2, 1], [1]]), trainable, "t");
    expect(s.slots.map((slot) => slot.map((t) => Array.from(t.data)))).toEqual([[[1, 2], [3]], [[4, 5], [6]]]);
    expect(s.loss).toBe("meanSquaredError");
  });

  it("a compiled model never trained (no optimizer variables) starts from step 0 with zero slots", () => {
    const s = trainingFromKeras(adamConfig(), null, trainable, "t");
    expect(s.step).toBe(0);
    expect(s.slots.flat().every((t) => t.data.every((v) => v === 0))).toBe(true);
  });

  it("damaged variables are refused by name: the count, a shape, a learning rate, a non-finite slot", () => {
    const shapes = [[], [], [2, 1], [2, 1], [1], [1]];
    expect(() => trainingFromKeras(adamConfig(), stored([1, 0.01, f(1, 2)], [[], [], [2, 1]]), trainable, "m.keras")).toThrow(/m\.keras: optimizer variables: Adam with 2 trainable weights keeps 6 variables .* the file has 3/);
    expect(() => trainingFromKeras(adamConfig(), stored([1, 0.01, f(1, 2), f(3, 4), f(5, 6), f(6)], [...shapes.slice(0, 4), [2], [1]]), trainable, "m")).toThrow(/variable 4 has shape \[2\], expected \[1\] \(d\/bias\)/);
    expect(() => trainingFromKeras(adamConfig(), stored([1, -1, f(1, 2), f(3, 4), f(5), f(6)], shapes), trainable, "m")).toThrow(/learning_rate is -1/);
    expect(() => trainingFromKeras(adamConfig(), stored([1, 0.01, f(1, NaN), f(3, 4), f(5), f(6)], shapes), trainable, "m")).toThrow(/NaN at index 1; optimizer state must be finite/);
  });

  it("settings simdnet cannot honour are UnsupportedCompile (the model then loads uncompiled), each named", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [adamConfig({ clipnorm: 1 }), /clipnorm 1 is not supported/],
      [adamConfig({ use_ema: true }), /use_ema true is not supported/],
      [adamConfig({ amsgrad: true }), /amsgrad true is not supported/],
      [{ ...adamConfig(), loss: "hinge" }, /unknown loss "hinge"/],
      [{ ...adamConfig(), metrics: ["auc"] }, /unknown metric "auc"/],
      [{ ...adamConfig(), loss_weights: [1, 2] }, /loss_weights \[1,2\] is not supported/],
      [{ ...adamConfig(), loss: null }, /compiled without a loss/],
      [{ ...adamConfig(), optimizer: { module: "my_opt", class_name: "Fancy", config: {} } }, /custom object \(module "my_opt"\)/],
    ];
    for (const [compile, message] of cases) {
      let error: unknown;
      try {
        trainingFromKeras(compile, null, trainable, "t");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnsupportedCompile);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("reorders slots from Keras's trainable-variable order to simdnet's by name, and refuses different sets", () => {
    const s = trainingFromKeras(adamConfig(), stored([1, 0.01, f(1, 2), f(3, 4), f(5), f(6)], [[], [], [2, 1], [2, 1], [1], [1]]), trainable, "t");
    const r = reorderSlots(s, ["d/kernel", "d/bias"], ["d/bias", "d/kernel"], "t");
    expect(r.slots.map((slot) => slot.map((t) => Array.from(t.data)))).toEqual([[[5], [1, 2]], [[6], [3, 4]]]);
    expect(() => reorderSlots(s, ["d/kernel", "d/bias"], ["d/kernel", "e/bias"], "m.keras")).toThrow(/m\.keras: Keras trains d\/kernel, d\/bias; simdnet trains d\/kernel, e\/bias/);
  });

  it("writes whole numbers of float options as floats (Keras's SGD refuses momentum=0 as an int)", () => {
    expect(kerasJson({ momentum: 0, learning_rate: 1, nested: { epsilon: 2 }, steps_per_execution: 1, name: "momentum" })).toBe('{"momentum":0.0,"learning_rate":1.0,"nested":{"epsilon":2.0},"steps_per_execution":1,"name":"momentum"}');
  });
});

describe("simdnet's own files with includeOptimizer", () => {
  function compiled(): Sequential {
    const m = new Sequential({ seed: 3, layers: [layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }), layers.batchNormalization(), layers.flatten(), layers.dense({ units: 3, activation: "softmax" })] });
    m.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.02, momentum: 0.3 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    return m;
  }

  it(".keras keeps the step count, the learning rate and every slot; .h5 keeps the compile settings (fresh state)", async () => {
    const m = compiled();
    try {
      await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      m.optimizer!.learningRate = 0.015; // as ReduceLROnPlateau would
      const before = m.getTrainingState()!;
      const back = await loadSequential(await toKerasFile(m, { includeOptimizer: true }));
      const after = back.getTrainingState()!;
      back.dispose();
      expect(after.step).toBe(2);
      expect(after.optimizer).toEqual({ className: "RMSprop", config: { ...before.optimizer.config, learning_rate: Math.fround(0.015) } });
      expect(after.slots).toEqual(before.slots);
      const h5 = await loadSequential(await toKerasFile(m, { format: "h5", includeOptimizer: true }));
      const fresh = h5.getTrainingState()!;
      h5.dispose();
      expect(fresh.step).toBe(0);
      expect(fresh.optimizer.className).toBe("RMSprop");
      expect(fresh.slots.flat().every((t) => t.data.every((v) => v === 0))).toBe(true);
      // Without includeOptimizer nothing of it is written: the model loads uncompiled.
      const plain = await loadSequential(await toKerasFile(m));
      expect(plain.getTrainingState()).toBeNull();
      plain.dispose();
    } finally {
      m.dispose();
    }
  });

  it("includeOptimizer needs a compiled model; bad options are refused by name", async () => {
    const m = new Sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [3] })] });
    try {
      await expect(toKerasFile(m, { includeOptimizer: true })).rejects.toThrow(/toKerasFile: includeOptimizer needs a compiled model/);
      await expect(toKerasFile(m, { includeOptimizer: "yes" as unknown as boolean })).rejects.toThrow(/options\.includeOptimizer.*"yes".*true or false/);
      await expect(toKerasFile(m, { optimizer: true } as never)).rejects.toThrow(/unknown option "optimizer"/);
      await expect(m.save("file:///tmp/never-written.keras", { includeOptimizer: true })).rejects.toThrow(/save: includeOptimizer needs a compiled model/);
    } finally {
      m.dispose();
    }
  });
});
