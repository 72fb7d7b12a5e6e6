/**
 * One training step of a functional graph with BatchNormalization in training mode against
 * real Keras (test/golden/layers/optimizer_step.json): conv -> BN -> relu -> add the input
 * -> global average pooling -> dense softmax, sparse categorical cross-entropy, from Keras's
 * initial weights, with SGD, SGD with Nesterov momentum and Adam. After one fit step on the
 * golden batch the loss, every weight and BN's moving statistics must be Keras's to 1e-4.
 *
 * Skips, saying what is missing, until the functional API (input, Model) and the layers it
 * needs exist (they arrive from other branches); then it runs by itself.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as api from "../../ts/index.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { loadOptimizerStepGolden } from "../helpers/goldens.js";

type Tensor = { data: Float32Array; shape: number[] };
interface Symbolic {
  readonly shape: readonly number[];
}
interface GraphLayer {
  apply(x: Symbolic | Symbolic[]): Symbolic;
}
interface GraphModel {
  setWeights(w: Tensor[]): void;
  getWeights(): Tensor[];
  compile(args: { optimizer: unknown; loss: string }): void;
  fit(x: Tensor, y: Tensor, args: Record<string, unknown>): Promise<{ history: Record<string, number[]> }>;
  dispose(): void;
}

const exported = api as unknown as Record<string, unknown>;
const layerFactories = api.layers as unknown as Record<string, ((args?: object) => GraphLayer) | undefined>;
const needed = ["conv2d", "batchNormalization", "reLU", "add", "globalAveragePooling2d", "dense"];
const missing = [
  ...["input", "Model"].filter((k) => !(k in exported)),
  ...needed.filter((k) => !layerFactories[k]).map((k) => `layers.${k}`),
];
const skipReason = missing.length > 0 ? `(skipped: ${missing.join(", ")} not exported yet)` : "";

beforeAll(async () => {
  await init();
});

/** The graph of scripts/keras/make_optimizer_step.py, with Keras's layer names. */
function build(inputShape: number[]): GraphModel {
  const f = layerFactories as Record<string, (args?: object) => GraphLayer>;
  const input = exported.input as (args: { shape: number[]; name?: string }) => Symbolic;
  const Model = exported.Model as new (args: { inputs: Symbolic; outputs: Symbolic; name?: string }) => GraphModel;
  const x0 = input({ shape: inputShape, name: "input" });
  let x = f.conv2d!({ filters: 3, kernelSize: 3, padding: "same", useBias: false, name: "conv" }).apply(x0);
  x = f.batchNormalization!({ momentum: 0.9, name: "bn" }).apply(x);
  x = f.reLU!({ name: "relu" }).apply(x);
  x = f.add!({ name: "add" }).apply([x0, x]);
  x = f.globalAveragePooling2d!({ name: "gap" }).apply(x);
  const out = f.dense!({ units: 4, activation: "softmax", name: "dense" }).apply(x);
  return new Model({ inputs: x0, outputs: out, name: "bn_step" });
}

/** simdnet's optimizer for a serialized Keras one (the three the golden uses). */
function optimizerOf(keras: Record<string, unknown>): unknown {
  const c = keras.config as Record<string, unknown>;
  const lr = c.learning_rate as number;
  if (keras.class_name === "SGD") return api.optimizers.sgd({ learningRate: lr, momentum: c.momentum as number, nesterov: c.nesterov as boolean });
  if (keras.class_name === "Adam") {
    return api.optimizers.adam({ learningRate: lr, beta1: c.beta_1 as number, beta2: c.beta_2 as number, epsilon: c.epsilon as number });
  }
  throw new Error(`optimizer_step.json: no mapping for ${String(keras.class_name)}`);
}

describe.skipIf(missing.length > 0)(`one training step of a conv-BN-residual graph vs Keras 3.15 ${skipReason}`, () => {
  const golden = loadOptimizerStepGolden();
  for (const step of golden.steps) {
    const opt = step.optimizer.class_name as string;
    const cfg = step.optimizer.config as Record<string, unknown>;
    it(`${opt} (learning rate ${String(cfg.learning_rate)}${cfg.nesterov ? ", nesterov momentum" : ""})`, async () => {
      const model = build(golden.x.shape.slice(1));
      model.setWeights(golden.weights.map((w) => ({ data: Float32Array.from(w.data), shape: w.shape })));
      model.compile({ optimizer: optimizerOf(step.optimizer), loss: "sparseCategoricalCrossentropy" });
      const batch = golden.x.shape[0]!;
      const h = await model.fit({ data: golden.x.data, shape: golden.x.shape }, { data: golden.y.data, shape: golden.y.shape }, {
        epochs: 1,
        batchSize: batch,
        shuffle: false,
        verbose: 0,
      });
      expectClose(h.history.loss!, [step.loss], `${opt}: loss of the step`, 1e-4, 1e-4);
      const after = model.getWeights();
      expect(after.map((w) => w.shape)).toEqual(step.weightsAfter.map((w) => w.shape));
      step.weightsAfter.forEach((w, i) => expectClose(after[i]!.data, w.data, `${opt}: ${w.name} after the step`, 1e-4, 1e-4));
      model.dispose();
    });
  }
});
