/**
 * Files that simdnet writes, loaded by real Keras 3.15.1 (keras.models.load_model) and
 * predicting the same: LeNet-5 models built and saved here (both LeNet variants, .keras
 * and .h5, by model.save and in memory by toKerasFile), and the functional ResNet-20
 * and MobileNetV2 read from Keras's golden files and written back by simdnet's writers
 * (the config translation and weight layout of graph models, checked before simdnet
 * can run them). Needs a Python with Keras (SIMDNET_KERAS_PYTHON or
 * /opt/keras-venv/bin/python); skips with the reason elsewhere. All files go to one
 * Python process.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toKerasFile } from "../../ts/io/keras/index.js";
import { readKerasFile, writeH5File, writeKerasFile } from "../../ts/io/keras/keras_file.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { GOLDEN_DIR, type KerasJob, type KerasResult, golden, goldenFloats, kerasPredict, kerasPython, manifest } from "./keras_fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-keras-roundtrip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance = 1e-4): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tolerance);
}

interface Case {
  job: KerasJob;
  /** What Keras must predict, and the parameter count it must report. */
  want: ArrayLike<number>;
  params: number;
  /** A check of our own on the same file (LeNet-5 loads back here too). */
  after?: () => Promise<void>;
}

const cases = new Map<string, Case>();
const results = new Map<string, KerasResult | Error>();

async function lenetCases(): Promise<void> {
  for (const variant of ["keras", "classic"] as const) {
    const shape = variant === "keras" ? [3, 28, 28, 1] : [3, 32, 32, 1];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
    const inputs = join(dir, `inputs_${variant}.bin`);
    writeFileSync(inputs, new Uint8Array(x.buffer));
    const model = lenet5({ variant, seed: 11 });
    try {
      const ours = Float32Array.from(model.predict(tensor(x, shape)).data);
      for (const format of ["keras", "h5"] as const) {
        const file = join(dir, `lenet5_${variant}.${format}`);
        await model.save(`file://${file}`);
        const after = async () => {
          const back = await loadSequential(`file://${file}`);
          expectClose(back.predict(tensor(x, shape)).data, ours, 1e-6);
          back.dispose();
        };
        cases.set(`LeNet-5 (${variant}) saved as .${format} by model.save`, { job: { model: file, inputs, shape }, want: ours, params: model.countParams(), after });
        const memory = join(dir, `lenet5_${variant}_memory.${format}`);
        writeFileSync(memory, await toKerasFile(model, { format }));
        cases.set(`LeNet-5 (${variant}) as .${format} bytes from toKerasFile`, { job: { model: memory, inputs, shape }, want: ours, params: model.countParams() });
      }
    } finally {
      model.dispose();
    }
  }
}

async function graphCases(): Promise<void> {
  for (const name of ["resnet20", "mobilenetv2"] as const) {
    const c = await readKerasFile(golden(`${name}.keras`), `${name}.keras`);
    const m = manifest.models[name];
    for (const format of ["keras", "h5"] as const) {
      const file = join(dir, `${name}.${format}`);
      writeFileSync(file, format === "keras" ? await writeKerasFile(c.topology, c.weights) : await writeH5File(c.topology, c.weights));
      cases.set(`${name}: Keras's .keras read, written as .${format} by simdnet`, {
        job: { model: file, inputs: join(GOLDEN_DIR, `${name}.inputs.bin`), shape: m.inputShape },
        want: goldenFloats(`${name}.predictions.bin`),
        params: m.params,
      });
    }
  }
}

describe.skipIf(!kerasPython.python)(`Keras 3 loads what simdnet writes ${kerasPython.reason}`, () => {
  beforeAll(async () => {
    await init();
    await lenetCases();
    await graphCases();
    const names = [...cases.keys()];
    kerasPredict(names.map((n) => cases.get(n)!.job), dir).forEach((r, i) => results.set(names[i]!, r));
  }, 600_000);

  const names = [
    ...["keras", "classic"].flatMap((v) => ["keras", "h5"].flatMap((f) => [`LeNet-5 (${v}) saved as .${f} by model.save`, `LeNet-5 (${v}) as .${f} bytes from toKerasFile`])),
    ...["resnet20", "mobilenetv2"].flatMap((n) => ["keras", "h5"].map((f) => `${n}: Keras's .keras read, written as .${f} by simdnet`)),
  ];
  for (const name of names) {
    it(`${name}: Keras loads it and predicts the same (1e-4)`, async () => {
      const c = cases.get(name)!;
      const r = results.get(name)!;
      if (r instanceof Error) throw r;
      expect(r.params).toBe(c.params);
      expectClose(r.predictions, c.want);
      await c.after?.();
    });
  }
});
