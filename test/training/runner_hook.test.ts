/**
 * The training step calls the hooks of ts/training/losses.ts and ts/regularizers.ts
 * (checked to fail without them, all four cases, and to pass with them). The hooks, in
 * ts/model/runner.ts:
 *
 *   constructor:      this.fused = fusesSoftmax(loss, last.outputActivation);
 *   lossAndGradient:  return lossAndGradient(core, this.loss!, this.fused, count, n, plan)
 *                       + addRegularization(core, this.layers, false);
 *   end of backward:  addRegularization(this.core, this.layers, true);
 *
 * End to end against real Keras: a Dense layer with a kernel regularizer (set on the
 * layer object until layers.dense takes the `kernelRegularizer` option) reports Keras's
 * loss in evaluate and fit, and one SGD step moves its kernel as Keras's does; a linear
 * model compiled with fromLogits and labelSmoothing evaluates to the loss of its logits.
 */
import { readFileSync } from "node:fs";
import { beforeAll, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { getRegularizer } from "../../ts/regularizers.js";
import { losses, lossAndGradient } from "../../ts/training/losses.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";

interface Case { name: string; regularizer: unknown; kernel: number[]; kernel_shape: number[]; bias: number[]; x: number[]; y: number[]; evaluate_loss: number; kernel_grad: number[] }
const cases = (JSON.parse(readFileSync(new URL("../golden/losses/regularized_dense.json", import.meta.url), "utf8")) as { cases: Case[] }).cases;

beforeAll(async () => {
  await init();
});

it.each(cases.map((c) => [c.name, c] as const))("%s: evaluate, fit's loss and one SGD step as Keras", async (_, c) => {
  const dense = layers.dense({ units: 3, activation: "softmax", inputShape: [4] });
  Object.assign(dense, { kernelRegularizer: getRegularizer("test", "kernelRegularizer", c.regularizer) });
  const m = new Sequential({ layers: [dense] });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: "sparseCategoricalCrossentropy" });
  m.setWeights([{ data: Float32Array.from(c.kernel), shape: c.kernel_shape }, { data: Float32Array.from(c.bias), shape: [c.bias.length] }]);
  const x = { data: Float32Array.from(c.x), shape: [c.y.length, 4] };
  const y = { data: Float32Array.from(c.y), shape: [c.y.length] };
  expectClose([m.evaluate(x, y).loss], [c.evaluate_loss], "evaluate", 1e-5, 1e-7);
  const h = await m.fit(x, y, { epochs: 1, batchSize: c.y.length, shuffle: false, verbose: 0 });
  expectClose(h.history.loss!, [c.evaluate_loss], "fit loss", 1e-5, 1e-7);
  expectClose(m.getWeights()[0]!.data, c.kernel.map((v, i) => v - 0.1 * c.kernel_grad[i]!), "kernel after one step", 1e-5, 1e-7);
  m.dispose();
});

it("fromLogits with labelSmoothing: evaluate gives the loss of the model's logits", () => {
  const m = new Sequential({ seed: 2, layers: [layers.dense({ units: 5, inputShape: [3] })] });
  const loss = losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 });
  m.compile({ optimizer: "adam", loss });
  const x = { data: Float32Array.from([1, 2, 3, -1, 0.5, 2, 0, 0, 1]), shape: [3, 3] };
  const y = { data: Float32Array.from([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]), shape: [3, 5] };
  const core = getCore();
  const b = [0, 1, 2, 3].map(() => core.alloc(15));
  core.write(b[0]!, m.predict(x).data);
  core.write(b[1]!, y.data);
  const want = lossAndGradient(core, loss, false, 3, 5, { output: b[0]!, labels: b[1]!, probs: b[2]!, outputGrad: b[3]! });
  expectClose([m.evaluate(x, y).loss], [want], "evaluate", 1e-6, 1e-7);
  for (const buf of b) core.free(buf);
  m.dispose();
});
