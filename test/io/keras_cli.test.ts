/**
 * `simdnet convert` between the three formats, and `summary` / `predict` reading .keras
 * and .h5: a LeNet-5 converted TF.js -> .keras -> .h5 -> TF.js keeps its weights exactly,
 * and Keras's own LeNet-5 file converts to a model.json that predicts Keras's numbers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../ts/cli/convert.js";
import { summary } from "../../ts/cli/summary.js";
import { writeZip } from "../../ts/io/keras/zip.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { GOLDEN_DIR, goldenFloats, manifest } from "./keras_fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-keras-cli-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { stream: { write(s: string): boolean }; text: () => string } {
  let text = "";
  return { stream: { write: (s: string) => ((text += s), true) }, text: () => text };
}

describe("simdnet convert", () => {
  it("TF.js -> .keras -> .h5 -> TF.js keeps every weight bit for bit", async () => {
    const model = lenet5({ seed: 4 });
    await model.save(`file://${join(dir, "start")}`);
    const original = model.getWeights().map((w) => Float32Array.from(w.data));
    model.dispose();
    const out = capture();
    await convert([join(dir, "start", "model.json"), join(dir, "a.keras")], out.stream);
    await convert([join(dir, "a.keras"), join(dir, "b.h5")], out.stream);
    await convert([join(dir, "b.h5"), join(dir, "end")], out.stream);
    expect(out.text()).toMatch(/wrote .*a\.keras \(Keras 3 \.keras\): sequential, \d+ layers, 61,706 parameters/);
    expect(out.text()).toMatch(/wrote .*end\/model\.json \+ weights\.bin \(TensorFlow\.js layers format\)/);
    const back = await loadSequential(`file://${join(dir, "end")}`);
    back.getWeights().forEach((w, i) => expect(w.data).toEqual(original[i]));
    back.dispose();
  });

  it("Keras's LeNet-5 .h5 converts to a model.json that predicts Keras's numbers", async () => {
    await convert([join(GOLDEN_DIR, "lenet5.h5"), join(dir, "from_keras", "model.json")], capture().stream);
    const model = await loadSequential(`file://${join(dir, "from_keras")}`);
    const y = model.predict(tensor(goldenFloats("lenet5.inputs.bin"), manifest.models.lenet5.inputShape)).data;
    const want = goldenFloats("lenet5.predictions.bin");
    y.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
    model.dispose();
    expect(JSON.parse(readFileSync(join(dir, "from_keras", "model.json"), "utf8")).format).toBe("layers-model");
  });

  it("refuses the same file in and out, and a wrong argument count", async () => {
    await expect(convert([join(dir, "a.keras"), join(dir, "a.keras")], capture().stream)).rejects.toThrow(/the input and the output are the same/);
    await expect(convert([join(dir, "a.keras")], capture().stream)).rejects.toThrow(/convert takes an input and an output, received 1 arguments/);
  });

  it("a Keras file with a layer simdnet lacks is refused by name, and nothing is written", async () => {
    const config = {
      module: "keras", class_name: "Sequential", registered_name: null,
      config: { name: "rnn", layers: [
        { module: "keras.layers", class_name: "InputLayer", config: { batch_shape: [null, 5, 3], name: "input_layer" }, registered_name: null },
        { module: "keras.layers", class_name: "LSTM", config: { name: "lstm", units: 4 }, registered_name: null },
      ] },
    };
    const file = join(dir, "rnn.keras");
    writeFileSync(file, writeZip([{ name: "config.json", data: new TextEncoder().encode(JSON.stringify(config)) }, { name: "model.weights.h5", data: new Uint8Array(0) }]));
    await expect(convert([file, join(dir, "rnn_out")], capture().stream)).rejects.toThrow(/layer 1 \("lstm", class LSTM\) is a layer class simdnet does not have/);
    expect(existsSync(join(dir, "rnn_out"))).toBe(false);
  });
});

describe("simdnet summary reads .keras and .h5", () => {
  it("prints the same table for Keras's LeNet-5 in both formats", async () => {
    const a = capture();
    const b = capture();
    await summary([join(GOLDEN_DIR, "lenet5.keras")], a.stream);
    await summary([join(GOLDEN_DIR, "lenet5.h5")], b.stream);
    expect(a.text()).toContain("61,706");
    expect(a.text()).toContain("conv2d_1");
    expect(b.text()).toBe(a.text());
  });
});
