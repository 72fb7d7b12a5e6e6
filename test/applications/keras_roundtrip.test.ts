/**
 * Applications built here, saved with toKerasFile (.keras and .h5), load in real Keras 3.15
 * with the same layer names and parameter count and predict what simdnet predicts (1e-4):
 * the configs simdnet writes for them (ResNet-20's L2 kernel regularizers, MobileNetV2's
 * ReLU(6), depthwise and padding layers) mean the same network to Keras. Skips where no
 * Python with Keras 3.15.1 is found.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import { toKerasFile } from "../../ts/io/keras/public.js";
import type { Model } from "../../ts/model/model.js";
import { Random } from "../../ts/random.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { type KerasResult, kerasPredict, kerasPython } from "../io/keras_fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-apps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!kerasPython.python)(`Keras 3 loads the applications simdnet writes ${kerasPython.reason}`, () => {
  const cases: { name: string; model: Model; want: Float32Array; file: string; inputs: string; shape: number[] }[] = [];
  let results: (KerasResult | Error)[] = [];

  beforeAll(async () => {
    await init();
    const builds: [string, () => Model, number[]][] = [
      ["resnet20", () => applications.resnet20({ seed: 5 }), [2, 32, 32, 3]],
      ["mobilenetv2", () => applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10, seed: 5 }), [2, 96, 96, 3]],
    ];
    const rng = new Random(11);
    for (const [name, build, shape] of builds) {
      const model = build();
      // Non-trivial BN statistics, so that inference mode is exercised in both.
      model.setWeights(model.getWeights().map((w, i) => ({ ...w, data: w.data.map((v) => (isMovingVariance(model, i) ? 0.5 + rng.next() : v + 0.05 * (rng.next() - 0.5))) })));
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next());
      const inputs = join(dir, `${name}.inputs.bin`);
      writeFileSync(inputs, new Uint8Array(x.buffer));
      const want = model.predict(tensor(x, shape)).data;
      for (const format of ["keras", "h5"] as const) {
        const file = join(dir, `${name}.${format}`);
        writeFileSync(file, await toKerasFile(model, { format }));
        cases.push({ name: `${name}.${format}`, model, want, file, inputs, shape });
      }
    }
    results = kerasPredict(cases.map((c) => ({ model: c.file, inputs: c.inputs, shape: c.shape })), dir);
  }, 600_000);

  afterAll(() => {
    for (const m of new Set(cases.map((c) => c.model))) m.dispose();
  });

  for (const [k, name] of ["resnet20.keras", "resnet20.h5", "mobilenetv2.keras", "mobilenetv2.h5"].entries()) {
    it(`${name}: Keras loads it with our layer names and count, and predicts what simdnet predicts (1e-4)`, () => {
      const c = cases[k]!;
      expect(c.name).toBe(name);
      const r = results[k]!;
      if (r instanceof Error) throw r;
      expect(r.params).toBe(c.model.countParams());
      expect(r.layers.filter((l) => !l.startsWith("input_layer"))).toEqual(c.model.layers.map((l) => l.name));
      expect(r.shape).toEqual([c.shape[0], 10]);
      let worst = 0;
      r.predictions.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.want[i]!))));
      expect(worst).toBeLessThan(1e-4);
    });
  }
});

/** True when weight `i` of `model.getWeights()` is a BatchNormalization moving variance. */
function isMovingVariance(model: Model, i: number): boolean {
  let k = 0;
  for (const l of model.layers) {
    for (const s of l.weights.specs) {
      if (k === i) return s.name === "moving_variance";
      k++;
    }
  }
  return false;
}
