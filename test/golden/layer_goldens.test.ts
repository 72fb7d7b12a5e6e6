/**
 * The layer golden files themselves (not simdnet's layers, which are compared against them
 * elsewhere): every file parses, tensors have as many values as their shapes say, the
 * shapes of gradients, output weights and updated weights agree with what they belong to,
 * and the few facts Keras guarantees hold (a layer without state keeps its weights, BN in
 * training moves its statistics by the momentum rule).
 */
import { describe, expect, it } from "vitest";
import { expectClose } from "../helpers/assert.js";
import { LAYER_GOLDEN_STEMS, loadLayerGoldens, loadOptimizerStepGolden, type GoldenTensor } from "../helpers/goldens.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GOLDEN_DIR } from "../helpers/goldens.js";

const sameShape = (a: GoldenTensor, b: GoldenTensor) => expect(a.shape).toEqual(b.shape);

describe("layer golden files", () => {
  it("the list of stems is every file under test/golden/layers", () => {
    const files = readdirSync(join(GOLDEN_DIR, "layers")).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual([...LAYER_GOLDEN_STEMS, "optimizer_step"].map((s) => `${s}.json`).sort());
  });

  for (const stem of LAYER_GOLDEN_STEMS) {
    it(`${stem}.json is well-formed and consistent`, () => {
      const file = loadLayerGoldens(stem);
      expect(file.kerasVersion).toBe("3.15.1");
      expect(file.tensorflowVersion).toBe("2.21.0");
      expect(file.cases.length).toBeGreaterThanOrEqual(2);
      expect(new Set(file.cases.map((c) => c.name)).size).toBe(file.cases.length);
      for (const c of file.cases) {
        if (c.className !== null) {
          expect(c.className, c.name).toBe(file.layer);
          expect(typeof c.config?.name, c.name).toBe("string");
        } else {
          expect(file.layer, `${c.name}: only activations are called as functions`).toBe("Activation");
        }
        expect(c.inputs.length, c.name).toBeGreaterThanOrEqual(1);
        sameShape(c.outputWeights, c.output);
        expect(c.gradInputs.length, c.name).toBe(c.inputs.length);
        c.gradInputs.forEach((g, i) => sameShape(g, c.inputs[i]!));
        expect(c.gradWeights.length, c.name).toBe(c.weights.length);
        expect(c.weightsAfter.map((w) => [w.name, w.shape]), c.name).toEqual(c.weights.map((w) => [w.name, w.shape]));
        c.weights.forEach((w, i) => {
          const g = c.gradWeights[i];
          if (g) sameShape(g, w);
          // Only BatchNormalization's moving statistics change in a call.
          const moves = file.layer === "BatchNormalization" && c.training === true && c.trainable && !w.trainable;
          if (!moves) expect(Array.from(c.weightsAfter[i]!.data), `${c.name}: ${w.name} unchanged`).toEqual(Array.from(w.data));
        });
        // The batch axis is kept by every layer here.
        expect(c.output.shape[0], c.name).toBe(c.inputs[0]!.shape[0]);
        // A gradient that is zero everywhere would make the golden check nothing.
        expect(c.gradInputs.some((g) => g.data.some((v) => v !== 0)), c.name).toBe(true);
      }
    });
  }

  it("batch normalization in training moves its statistics by Keras's momentum rule", () => {
    for (const c of loadLayerGoldens("batch_normalization").cases.filter((k) => k.training && k.trainable)) {
      const momentum = c.config!.momentum as number;
      const x = c.inputs[0]!;
      const ch = x.shape[x.shape.length - 1]!;
      const n = x.data.length / ch;
      const at = (name: string) => c.weights.findIndex((w) => w.name === name);
      const mean = new Float64Array(ch);
      const variance = new Float64Array(ch);
      x.data.forEach((v, i) => (mean[i % ch]! += v / n));
      // Keras 3 moves the variance toward the biased (divide by n) batch variance.
      x.data.forEach((v, i) => (variance[i % ch]! += (v - mean[i % ch]!) ** 2 / n));
      const blend = (old: Float32Array, batch: Float64Array) => Array.from(old, (o, j) => o * momentum + batch[j]! * (1 - momentum));
      expectClose(c.weightsAfter[at("moving_mean")]!.data, blend(c.weights[at("moving_mean")]!.data, mean), `${c.name} moving_mean`);
      expectClose(c.weightsAfter[at("moving_variance")]!.data, blend(c.weights[at("moving_variance")]!.data, variance), `${c.name} moving_variance`);
    }
  });

  // A few layers simple enough to recompute here: the files hold what they claim to.
  it("reshape, add and rescaling outputs and input gradients are what the layers define", () => {
    for (const c of loadLayerGoldens("reshape").cases) {
      expect(Array.from(c.output.data), c.name).toEqual(Array.from(c.inputs[0]!.data));
      expect(Array.from(c.gradInputs[0]!.data), c.name).toEqual(Array.from(c.outputWeights.data));
    }
    for (const c of loadLayerGoldens("add").cases) {
      const sum = Array.from(c.output.data, (_, i) => c.inputs.reduce((a, x) => a + x.data[i]!, 0));
      expectClose(c.output.data, sum, `add ${c.name}`);
      for (const g of c.gradInputs) expect(Array.from(g.data), c.name).toEqual(Array.from(c.outputWeights.data));
    }
    for (const c of loadLayerGoldens("rescaling").cases) {
      const scale = c.config!.scale as number;
      const offset = c.config!.offset as number;
      expectClose(c.output.data, Array.from(c.inputs[0]!.data, (x) => x * scale + offset), `rescaling ${c.name}`);
      expectClose(c.gradInputs[0]!.data, Array.from(c.outputWeights.data, (w) => w * scale), `rescaling ${c.name} gradient`);
    }
  });

  it("batch normalization in inference normalizes with the moving statistics", () => {
    for (const c of loadLayerGoldens("batch_normalization").cases.filter((k) => !(k.training && k.trainable))) {
      const eps = c.config!.epsilon as number;
      const w = (name: string) => c.weights.find((x) => x.name === name)?.data;
      const x = c.inputs[0]!;
      const ch = x.shape[x.shape.length - 1]!;
      const [gamma, beta, mean, variance] = [w("gamma"), w("beta"), w("moving_mean")!, w("moving_variance")!];
      const y = Array.from(x.data, (v, i) => {
        const k = i % ch;
        return ((v - mean[k]!) / Math.sqrt(variance[k]! + eps)) * (gamma ? gamma[k]! : 1) + (beta ? beta[k]! : 0);
      });
      expectClose(c.output.data, y, `batch_normalization ${c.name}`);
    }
  });

  it("optimizer_step.json is well-formed and consistent", () => {
    const g = loadOptimizerStepGolden();
    const names = new Set(g.layers.map((l) => l.name));
    for (const l of g.layers) for (const from of l.inbound) expect(names.has(from), `${l.name} <- ${from}`).toBe(true);
    expect(g.x.shape[0]).toBe(g.y.data.length);
    const classes = g.weights[g.weights.length - 1]!.shape[0]!;
    for (const label of g.y.data) expect(Number.isInteger(label) && label >= 0 && label < classes).toBe(true);
    expect(g.steps.length).toBeGreaterThanOrEqual(2);
    for (const s of g.steps) {
      expect(s.loss).toBeGreaterThan(0);
      expect(s.weightsAfter.map((w) => [w.name, w.shape, w.trainable])).toEqual(g.weights.map((w) => [w.name, w.shape, w.trainable]));
      const stats = s.movingStatsAfter.bn!;
      const after = (name: string) => s.weightsAfter.find((w) => w.name === name)!;
      expect(Array.from(stats.movingMean.data)).toEqual(Array.from(after("bn/moving_mean").data));
      expect(Array.from(stats.movingVariance.data)).toEqual(Array.from(after("bn/moving_variance").data));
      // Every trainable weight moved in the step, so the golden pins every gradient.
      s.weightsAfter.forEach((w, i) => {
        if (w.trainable) expect(Array.from(w.data), `${w.name} moved`).not.toEqual(Array.from(g.weights[i]!.data));
      });
    }
  });
});
