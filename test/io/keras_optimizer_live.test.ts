/**
 * Train here, continue in Keras: a model trained a few steps here and saved with
 * `includeOptimizer` as .keras is loaded by real Keras 3.15.1, which must come back
 * compiled with the optimizer's step count, learning rate and slots, so that one more
 * step in Keras (`train_on_batch` on a fixed batch) gives the weights one more step here
 * gives. Every optimizer simdnet has, with and without momentum, a schedule, and a
 * functional model with two branches (the slots follow Keras's variable order). An .h5
 * carries the compile settings only (Keras 3.15 cannot train after restoring an .h5's
 * optimizer weights, see keras_file.ts): Keras's first step from it equals the first
 * step of the same file loaded here.
 * Needs a Python with Keras (SIMDNET_KERAS_PYTHON or /opt/keras-venv/bin/python);
 * skips with the reason elsewhere. All files go to one Python process.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toKerasFile } from "../../ts/io/keras/index.js";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { input } from "../../ts/model/symbolic.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { type Optimizer, optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";
import { noiseData } from "../helpers/models.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-keras-optimizer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 3;
const BATCH = 8;

/** Conv, BatchNormalization (whose moving statistics Keras does not train), dense. */
function model(seed: number): Sequential {
  return new Sequential({
    seed,
    layers: [
      layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu", inputShape: [6, 6, 1] }),
      layers.batchNormalization(),
      layers.flatten(),
      layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
}

/**
 * Functional, two branches from the input merged by add: Keras's trainable-variable order
 * (config order) against simdnet's weight order.
 */
function branchy(seed: number): Model {
  const x0 = input({ shape: [6, 6, 1] });
  const a = layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu" }).apply(x0);
  const b = layers.batchNormalization().apply(layers.conv2d({ filters: 2, kernelSize: 3, useBias: false }).apply(x0));
  const out = layers.dense({ units: 3, activation: "softmax" }).apply(layers.flatten().apply(layers.add().apply([b, a])));
  return new Model({ inputs: x0, outputs: out, seed, name: "branchy" });
}

const CASES: Record<string, () => Optimizer> = {
  adam: () => optimizers.adam({ learningRate: 0.01 }),
  adamW: () => optimizers.adamW({ learningRate: 0.02, weightDecay: 0.1 }),
  sgd: () => optimizers.sgd({ learningRate: 0.1 }),
  sgdNesterov: () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
  rmsprop: () => optimizers.rmsprop({ learningRate: 0.01 }),
  rmspropMomentum: () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
  adamSchedule: () => optimizers.adam({ learningRate: optimizers.schedules.exponentialDecay({ initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.5 }) }),
  functionalAdam: () => optimizers.adam({ learningRate: 0.01 }),
  functionalRmspropMomentum: () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
};

interface Job { name: string; file: string }
interface KerasAfter { iterations: number; className: string; loss: unknown; metrics: string[]; weights: number[][] }

const ours = new Map<string, number[][]>();
let results: Record<string, KerasAfter | string> = {};
const { x, y } = noiseData(BATCH, 5);

beforeAll(async () => {
  if (!keras) return;
  await init();
  const jobs: Job[] = [];
  let seed = 20;
  for (const [name, make] of Object.entries(CASES)) {
    for (const format of ["keras", "h5"] as const) {
      const m = name.startsWith("functional") ? branchy(seed++) : model(seed++);
      m.compile({ optimizer: make(), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
      await m.fit(x, y, { epochs: STEPS, batchSize: BATCH, shuffle: false, verbose: 0 });
      const file = join(dir, `${name}.${format}`);
      if (format === "keras") await m.save(`file://${file}`, { includeOptimizer: true });
      else writeFileSync(file, await toKerasFile(m, { format: "h5", includeOptimizer: true }));
      m.dispose();
      // Our next step from the file (so .h5, which restarts the optimizer, is compared like for like).
      const back = await loadSequential(`file://${file}`);
      await back.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
      ours.set(`${name}.${format}`, back.getWeights().map((t) => Array.from(t.data)));
      back.dispose();
      jobs.push({ name: `${name}.${format}`, file });
    }
  }
  const code = `
out = {}
x = np.array(inp["x"], dtype="float32").reshape(inp["shape"])
y = np.array(inp["y"])
for job in inp["jobs"]:
    try:
        m = keras.models.load_model(job["file"])
        m.train_on_batch(x, y)
        cc = m.get_compile_config()
        out[job["name"]] = {"iterations": int(m.optimizer.iterations.numpy()), "className": type(m.optimizer).__name__,
            "loss": cc["loss"], "metrics": cc["metrics"], "weights": [w.reshape(-1).tolist() for w in m.get_weights()]}
    except Exception as e:
        out[job["name"]] = repr(e)
`;
  results = runKeras<Record<string, KerasAfter | string>>(code, { x: Array.from(x.data), shape: x.shape, y: Array.from(y.data), jobs }, { timeoutMs: 300_000 });
}, 600_000);

describe.skipIf(!keras)(`Keras continues training from simdnet's files ${kerasSkipReason}`, () => {
  for (const name of Object.keys(CASES)) {
    for (const format of ["keras", "h5"]) {
      it(`${name} (.${format}): one step in Keras equals one step here`, () => {
        const got = results[`${name}.${format}`];
        if (typeof got === "string" || got === undefined) throw new Error(`Keras failed: ${got}`);
        expect(got.iterations).toBe(format === "keras" ? STEPS + 1 : 1);
        // Keras's legacy loader compiles with the loss function itself, which it reports so.
        const loss = format === "keras" ? got.loss : (got.loss as { config?: unknown }).config;
        expect(loss).toBe("sparse_categorical_crossentropy");
        expect(got.metrics).toEqual(["accuracy"]);
        const want = ours.get(`${name}.${format}`)!;
        expect(got.weights.length).toBe(want.length);
        let worst = 0;
        got.weights.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[i]![j]!)))));
        expect(worst).toBeLessThan(1e-5);
      });
    }
  }
});
