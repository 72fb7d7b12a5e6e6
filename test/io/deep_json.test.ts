/**
 * Deep structures in model files: a TF.js model.json nested 100,000 levels deep (text, a
 * parsed object, a file on disk) and a .keras config as deep are refused with an Error
 * naming the argument or file, the path and the limit, never a RangeError from one of the
 * recursive walks and prints that read them (e.g. the Keras 3 call arguments,
 * `inbound_nodes[0].args`); a cyclic object handed over in code ends at the limit. A long
 * chain's model.json (a deep graph in shallow JSON) loads: test/graph/deep_graph.test.ts
 * saves and loads 20,000 layers; here a 4,100-layer chain goes through a legacy .h5.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initializers } from "../../ts/initializers.js";
import { readH5 } from "../../ts/io/keras/hdf5.js";
import { toKerasFile } from "../../ts/io/keras/public.js";
import { MAX_JSON_DEPTH } from "../../ts/io/keras/json_text.js";
import { writeZip } from "../../ts/io/keras/zip.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input, type SymbolicTensor } from "../../ts/model/symbolic.js";
import { tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-deep-json-"));
const DEPTH = 100_000;
const deepArray = "[".repeat(DEPTH) + "]".repeat(DEPTH);

beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A saved two-layer functional model: its model.json text and weights. */
async function saved(): Promise<{ text: string; weights: Uint8Array }> {
  const x0 = input({ shape: [4] });
  const out = layers.dense({ units: 2 }).apply(layers.dense({ units: 4 }).apply(x0)) as SymbolicTensor;
  const model = new Model({ inputs: x0, outputs: out });
  const { modelJson, weights } = await model.save();
  model.dispose();
  return { text: JSON.stringify(modelJson), weights: new Uint8Array(weights) };
}

/** Where the deep args are (the error shows the first 12 steps of the path). */
const ARGS_PATH = "modelTopology.config.layers[2].inbound_nodes[0].args[0][0][0][0][0]...";

/** `text` with dense_1's inbound node in Keras 3's form, its args nested DEPTH deep. */
function deepArgs(text: string): string {
  const node = '"inbound_nodes":[[["dense",0,0,{}]]]';
  expect(text).toContain(node);
  return text.replace(node, `"inbound_nodes":[{"args":${deepArray},"kwargs":{}}]`);
}

describe(`model files nested ${DEPTH} levels deep`, () => {
  it("model.json text in memory: a clear Error naming source.modelJson", async () => {
    const { text, weights } = await saved();
    const load = loadSequential({ modelJson: deepArgs(text), weights });
    await expect(load).rejects.toThrow(`source.modelJson at ${ARGS_PATH}: received arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels, expected at most ${MAX_JSON_DEPTH}`);
    await expect(load).rejects.not.toBeInstanceOf(RangeError);
  });

  it("model.json parsed by the caller: the same refusal of the object", async () => {
    const { text, weights } = await saved();
    const modelJson = JSON.parse(deepArgs(text)) as object;
    const load = loadSequential({ modelJson, weights });
    await expect(load).rejects.toThrow(`source.modelJson at ${ARGS_PATH}: received arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels, expected at most ${MAX_JSON_DEPTH}`);
    await expect(load).rejects.not.toBeInstanceOf(RangeError);
  });

  it("a cyclic object is refused at the limit, not walked forever", async () => {
    const { text, weights } = await saved();
    const modelJson = JSON.parse(text) as { modelTopology: { config: Record<string, unknown> } };
    const loop: unknown[] = [];
    loop.push(loop, loop);
    modelJson.modelTopology.config.loop = loop;
    await expect(loadSequential({ modelJson, weights }).then(() => "loaded")).rejects.toThrow("source.modelJson at modelTopology.config.loop[0][0]");
  });

  it("model.json on disk: the Error names the file", async () => {
    const { text, weights } = await saved();
    const dir = join(root, "deep");
    rmSync(dir, { recursive: true, force: true });
    (await import("node:fs")).mkdirSync(dir);
    writeFileSync(join(dir, "model.json"), deepArgs(text));
    writeFileSync(join(dir, "weights.bin"), weights);
    await expect(loadSequential(`file://${dir}`)).rejects.toThrow(`${join(dir, "model.json")} at ${ARGS_PATH}: received arrays and objects nested deeper than 100 levels`);
  });

  it(".keras bytes: config.json refused by name", async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const zip = writeZip([
      { name: "metadata.json", data: text('{"keras_version": "3.15.1"}') },
      { name: "config.json", data: text(`{"class_name": "Functional", "config": {"layers": ${deepArray}}}`) },
      { name: "model.weights.h5", data: new Uint8Array(0) },
    ]);
    await expect(loadSequential(zip)).rejects.toThrow(/config\.json: the JSON nests deeper than 100 levels/);
  });
});

describe("a deep graph in a legacy .h5 file", () => {
  it("writes layer_names of 4,100 layers in chunks as Keras does (one attribute would pass HDF5's 64 KiB header) and loads back", async () => {
    const x0 = input({ shape: [4] });
    let t: SymbolicTensor = x0;
    for (let i = 0; i < 4_100; i++) {
      const biasInitializer = initializers.randomUniform({ minval: -1, maxval: 1, seed: i });
      t = layers.dense({ units: 4, kernelInitializer: initializers.constant({ value: 0.25 }), biasInitializer }).apply(t) as SymbolicTensor;
    }
    const model = new Model({ inputs: x0, outputs: t });
    const bytes = await toKerasFile(model, { format: "h5" });
    // 4,101 names (the InputLayer's too) of 16 bytes each in h5wasm's header pass 64,512
    // bytes (4,032 fit): two parts.
    const parts = await readH5(bytes, "deep.h5", (h5) => ["", "0", "1", "2"].map((k) => h5.stringsAttribute("model_weights", `layer_names${k}`)));
    expect(parts.map((p) => p?.length)).toEqual([undefined, 2051, 2050, undefined]);
    expect([...parts[1]!, ...parts[2]!]).toEqual(["input_layer", ...model.layers.map((l) => l.name)]);
    const loaded = await loadSequential(bytes);
    const x = tensor(Float32Array.from([1, -2, 3, -4]), [1, 4]);
    const want = Array.from(model.predict(x).data);
    expect(want.every(Number.isFinite)).toBe(true);
    expect(Array.from(loaded.predict(x).data)).toEqual(want);
    loaded.dispose();
    model.dispose();
  });
});
