/**
 * Loss options (fromLogits, labelSmoothing) against real Keras 3.15
 * (test/golden/losses/crossentropy.json, from scripts/keras/make_loss_goldens.py): the
 * loss and its gradient w.r.t. the model output through {@link lossAndGradient}, the
 * function the training step calls, in both modules; and resolving, checking and
 * serializing losses.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { tinyConvNet } from "../helpers/models.js";
import { fusesSoftmax, getLoss, losses, lossAndGradient, serializeLoss } from "../../ts/training/losses.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";

interface Case {
  name: string; loss: { class_name: string; config: Record<string, unknown> }; batch: number; classes: number;
  output: number[]; labels: number[]; value: number; gradient: number[];
}
const cases = (JSON.parse(readFileSync(new URL("../golden/losses/crossentropy.json", import.meta.url), "utf8")) as { cases: Case[] }).cases;

describeEachCore("cross-entropy options against Keras", (getCore) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: loss and gradient w.r.t. the output", (_, c) => {
    const core = getCore();
    const loss = getLoss(c.loss);
    const n = c.batch * c.classes;
    const [output, labels, probs, outputGrad] = [0, 1, 2, 3].map(() => core.alloc(n)) as [never, never, never, never];
    core.write(output, c.output);
    core.write(labels, c.labels);
    // The model's output here is already what the loss sees (no softmax layer is fused).
    const value = lossAndGradient(core, loss, false, c.batch, c.classes, { output, labels, probs, outputGrad });
    expectClose([value], [c.value], `${c.name} loss`, 1e-5, 1e-6);
    expectClose(core.read(outputGrad), c.gradient, `${c.name} gradient`, 1e-4, 1e-6);
    for (const b of [output, labels, probs, outputGrad]) core.free(b);
  });
});

describe("losses", () => {
  it("factories carry Keras's options and defaults", () => {
    expect(losses.categoricalCrossentropy()).toMatchObject({ name: "categoricalCrossentropy", fromLogits: false, labelSmoothing: 0, sparse: false });
    expect(losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 })).toMatchObject({ fromLogits: true, labelSmoothing: 0.1 });
    expect(losses.sparseCategoricalCrossentropy({ fromLogits: true })).toMatchObject({ sparse: true, fromLogits: true, labelSmoothing: 0 });
    expect(losses.meanSquaredError()).toMatchObject({ name: "meanSquaredError", crossEntropy: false });
    expect(getLoss("categorical_crossentropy")).toEqual(losses.categoricalCrossentropy());
  });

  it("refuse bad options by name, and label smoothing on the sparse loss as Keras 3 does", () => {
    expect(() => losses.categoricalCrossentropy({ labelSmoothing: 1.5 })).toThrow("losses.categoricalCrossentropy: labelSmoothing must be a number in [0, 1], received 1.5");
    expect(() => losses.categoricalCrossentropy({ fromLogits: "yes" } as never)).toThrow("losses.categoricalCrossentropy: fromLogits must be true or false, received yes");
    expect(() => losses.categoricalCrossentropy({ from_logits: true } as never)).toThrow('losses.categoricalCrossentropy: unknown option "from_logits"; expected one of fromLogits, labelSmoothing; did you mean fromLogits?');
    expect(() => losses.sparseCategoricalCrossentropy({ labelSmoothing: 0.1 } as never)).toThrow(
      'losses.sparseCategoricalCrossentropy: unknown option "labelSmoothing"; expected one of fromLogits',
    );
    const forged = { ...losses.sparseCategoricalCrossentropy(), labelSmoothing: 0.1 };
    expect(() => getLoss(forged)).toThrow("compile: labelSmoothing applies only to categoricalCrossentropy, received 0.1 for sparseCategoricalCrossentropy");
    expect(() => getLoss("hinge")).toThrow('compile: unknown loss "hinge"');
  });

  it("serialize as a name with default options and as Keras's form with options, and read both back", () => {
    expect(serializeLoss(getLoss("mse"))).toBe("meanSquaredError");
    const smooth = losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 });
    const saved = serializeLoss(smooth);
    expect(saved).toEqual({
      module: "keras.losses", class_name: "CategoricalCrossentropy",
      config: { name: "categorical_crossentropy", reduction: "sum_over_batch_size", from_logits: true, label_smoothing: 0.1, axis: -1 }, registered_name: null,
    });
    expect(getLoss(saved)).toEqual(smooth);
    const sparse = losses.sparseCategoricalCrossentropy({ fromLogits: true });
    expect(getLoss(serializeLoss(sparse))).toEqual(sparse);
    // Keras's own serialization (a golden) reads too; unsupported settings are refused.
    expect(getLoss(cases.find((c) => c.name === "categorical_logits_smoothing")!.loss)).toMatchObject({ fromLogits: true, labelSmoothing: 0.2 });
    expect(() => getLoss({ class_name: "SparseCategoricalCrossentropy", config: { ignore_class: 0 } })).toThrow("compile: loss: SparseCategoricalCrossentropy ignore_class 0 is not supported");
    expect(() => getLoss({ class_name: "Huber", config: {} })).toThrow('compile: loss: unsupported loss class "Huber"');
  });

  it("fuse a softmax output into the loss only without fromLogits", () => {
    expect(fusesSoftmax(getLoss("categoricalCrossentropy"), "softmax")).toBe(true);
    expect(fusesSoftmax(getLoss("categoricalCrossentropy"), "linear")).toBe(false);
    expect(fusesSoftmax(losses.categoricalCrossentropy({ fromLogits: true }), "softmax")).toBe(false);
    expect(fusesSoftmax(getLoss("mse"), "softmax")).toBe(false);
    expect(fusesSoftmax(null, "softmax")).toBe(false);
  });
});

describe("a loss with options in a saved model", () => {
  beforeAll(async () => {
    await init();
  });

  it("is saved with the optimizer and compiled back by loadModel", async () => {
    const m = tinyConvNet({ seed: 1, filters: 2 });
    const loss = losses.categoricalCrossentropy({ labelSmoothing: 0.1 });
    m.compile({ optimizer: optimizers.adam(), loss });
    const saved = await m.save(undefined, { includeOptimizer: true });
    expect((saved.modelJson.trainingConfig as { loss: unknown }).loss).toEqual(serializeLoss(loss));
    const back = await loadSequential(saved);
    expect(back.getTrainingState()!.loss).toEqual(serializeLoss(loss));
    m.dispose();
    back.dispose();
  });
});
