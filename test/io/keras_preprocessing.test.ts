/**
 * Keras 3's preprocessing layers (RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation, RandomContrast, Rescaling) through .keras files, both ways, against
 * the golden files of scripts/keras/make_preprocessing_files.py (Keras 3.15.1):
 * - Keras's files load here and predict what Keras predicted (the random layers are the
 *   identity at inference, Rescaling is not);
 * - the same models built with simdnet's layers write, layer for layer, the config Keras
 *   wrote (so do Keras's own files saved back by simdnet);
 * - with live Keras: Keras loads simdnet's files, predicts the same and writes the same
 *   configs when it saves them again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, input, layers, loadModel, Model, tensor, toKerasFile, type Tensor } from "../../ts/index.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";
import { golden, GOLDEN_DIR, goldenFloats } from "./keras_fixtures.js";
import { topologyFromKeras } from "../../ts/io/topology.js";
import { readFileSync } from "node:fs";

interface LayerEntry {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
}
interface GoldenModel {
  inputShape: number[];
  predictionShape: number[];
  layers: LayerEntry[];
}
const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, "preprocessing.json"), "utf8")) as { keras: string; models: Record<string, GoldenModel> };
const NAMES = ["preprocessing_options", "preprocessing_defaults"] as const;
type Name = (typeof NAMES)[number];

/** The models of make_preprocessing_files.py, built with simdnet's layers (keep in step with it). */
const BUILD: Record<Name, () => Model> = {
  preprocessing_options: () => {
    const inputs = input({ shape: [24, 24, 3] });
    let x = layers.randomFlip({ mode: "horizontal", seed: 1 }).apply(inputs);
    x = layers.randomRotation({ factor: [-0.2, 0.3], fillMode: "nearest", interpolation: "nearest", seed: 2 }).apply(x);
    x = layers.randomZoom({ heightFactor: 0.2, widthFactor: [-0.1, 0.3], fillMode: "constant", fillValue: 0.5, seed: 3 }).apply(x);
    x = layers.randomTranslation({ heightFactor: 0.1, widthFactor: [-0.2, 0.1], fillMode: "wrap", seed: 4 }).apply(x);
    x = layers.randomContrast({ factor: [0.1, 0.4], valueRange: [0, 255], seed: 5 }).apply(x);
    x = layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(x);
    x = layers.conv2d({ filters: 4, kernelSize: 3, activation: "relu" }).apply(x);
    x = layers.globalAveragePooling2d().apply(x);
    return new Model({ inputs, outputs: layers.dense({ units: 3, activation: "softmax" }).apply(x), name: "preprocessing_options" });
  },
  preprocessing_defaults: () => {
    const inputs = input({ shape: [16, 16, 3] });
    let x = layers.randomFlip().apply(inputs);
    x = layers.randomRotation({ factor: 0.1 }).apply(x);
    x = layers.randomZoom({ heightFactor: 0.1 }).apply(x);
    x = layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }).apply(x);
    x = layers.randomContrast({ factor: 0.2 }).apply(x);
    x = layers.rescaling({ scale: 1 / 255 }).apply(x);
    x = layers.flatten().apply(x);
    return new Model({ inputs, outputs: layers.dense({ units: 2 }).apply(x), name: "preprocessing_defaults" });
  },
};

const PREPROCESSING = new Set(["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "Rescaling"]);

/** The layer entries of a .keras file's config.json, as the golden manifest holds them. */
function layerEntries(bytes: Uint8Array): LayerEntry[] {
  const config = JSON.parse(strFromU8(unzipSync(bytes)["config.json"]!)) as { config: { layers: LayerEntry[] } };
  return config.config.layers.filter((l) => l.class_name !== "InputLayer").map((l) => ({ class_name: l.class_name, name: l.name, config: l.config }));
}

function inputs(name: Name): Tensor {
  return tensor(goldenFloats(`${name}.inputs.bin`), manifest.models[name].inputShape);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tolerance);
}

const dir = mkdtempSync(join(tmpdir(), "simdnet-keras-preprocessing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Per model, simdnet's build with Keras's weights, and the bytes it saves. */
const ours = new Map<Name, { model: Model; bytes: Uint8Array }>();

beforeAll(async () => {
  await init();
  for (const name of NAMES) {
    const fromKeras = await loadModel(golden(`${name}.keras`));
    const model = BUILD[name]();
    model.setWeights(fromKeras.getWeights());
    fromKeras.dispose();
    ours.set(name, { model, bytes: await toKerasFile(model) });
  }
});
afterAll(() => {
  for (const { model } of ours.values()) model.dispose();
});

describe.each(NAMES)("%s: Keras's preprocessing layers in .keras files", (name) => {
  const want = manifest.models[name];

  it("Keras's file loads with the same layers and configs, and predicts what Keras predicted", async () => {
    const model = await loadModel(golden(`${name}.keras`));
    expect(model.layers.map((l) => [l.className, l.name])).toEqual(want.layers.map((l) => [l.class_name, l.name]));
    expectClose(model.predict(inputs(name)).data, goldenFloats(`${name}.predictions.bin`));
    // Saved back by simdnet, every preprocessing layer's config is the one Keras wrote.
    const back = layerEntries(await toKerasFile(model));
    for (const entry of want.layers.filter((l) => PREPROCESSING.has(l.class_name))) {
      expect(back.find((l) => l.name === entry.name), entry.name).toEqual(entry);
    }
    model.dispose();
  });

  it("built with simdnet's layers, it writes the configs Keras wrote and predicts the same", () => {
    const { model, bytes } = ours.get(name)!;
    const written = layerEntries(bytes);
    expect(written.map((l) => [l.class_name, l.name])).toEqual(want.layers.map((l) => [l.class_name, l.name]));
    for (const entry of want.layers.filter((l) => PREPROCESSING.has(l.class_name))) {
      expect(written.find((l) => l.name === entry.name), entry.name).toEqual(entry);
    }
    expectClose(model.predict(inputs(name)).data, goldenFloats(`${name}.predictions.bin`));
  });

  it("the random layers are the identity at inference and Rescaling is not", () => {
    const { model } = ours.get(name)!;
    const x = inputs(name);
    const outs = model.activations(x);
    const rescalingAt = model.layers.findIndex((l) => l.className === "Rescaling");
    for (let i = 0; i < rescalingAt; i++) expect(Array.from(outs[i]!.data), model.layers[i]!.name).toEqual(Array.from(x.data));
    expect(Array.from(outs[rescalingAt]!.data)).not.toEqual(Array.from(x.data));
  });
});

describe("recorded call arguments", () => {
  const k3 = (name: string) => ({ class_name: "__keras_tensor__", config: { shape: [null, 4], dtype: "float32", keras_history: [name, 0, 0] } });
  const file = (kwargs: unknown, legacy = false) => ({
    class_name: "Functional",
    config: {
      name: "f", input_layers: [["in", 0, 0]], output_layers: [["d", 0, 0]],
      layers: [
        { class_name: "InputLayer", config: { batch_shape: [null, 4], dtype: "float32", name: "in" }, name: "in", inbound_nodes: [] },
        { class_name: "Dense", config: { name: "d", units: 2 }, name: "d", inbound_nodes: [legacy ? [["in", 0, 0, kwargs]] : { args: [k3("in")], kwargs }] },
      ],
    },
  });

  it("a recorded training flag is read (fit and predict set their own, as Keras 3's do); other arguments are refused", () => {
    for (const legacy of [false, true]) {
      for (const training of [true, false]) expect(topologyFromKeras(file({ training }, legacy)).layers.map((l) => l.name)).toEqual(["d"]);
      expect(() => topologyFromKeras(file({ training: "yes" }, legacy))).toThrow(/call arguments: received .*"training":"yes".*, expected \{\}|kwargs: received .*"training":"yes".*, expected \{\}/);
      expect(() => topologyFromKeras(file({ mask: [1, 0] }, legacy))).toThrow(/expected \{\}/);
    }
  });
});

describe.skipIf(!keras)(`simdnet's preprocessing files in live Keras ${kerasSkipReason}`, () => {
  it("Keras loads them, predicts the same and saves the same layer configs again", () => {
    const jobs = NAMES.map((name) => {
      const file = join(dir, `${name}.keras`);
      writeFileSync(file, ours.get(name)!.bytes);
      const x = join(dir, `${name}.inputs.bin`);
      writeFileSync(x, goldenFloats(`${name}.inputs.bin`));
      return { file, inputs: x, shape: manifest.models[name].inputShape, resaved: join(dir, `${name}.resaved.keras`) };
    });
    const code = `
import json, zipfile
out = []
for job in inp:
    m = keras.models.load_model(job["file"], compile=False)
    x = np.fromfile(job["inputs"], dtype="<f4").reshape(job["shape"])
    m.save(job["resaved"])
    layers = []
    for l in json.loads(zipfile.ZipFile(job["resaved"]).read("config.json"))["config"]["layers"]:
        if l["class_name"] == "InputLayer":
            continue
        c = dict(l["config"])
        if isinstance(c.get("dtype"), dict):
            c["dtype"] = {k: v for k, v in c["dtype"].items() if k != "shared_object_id"}
        layers.append({"class_name": l["class_name"], "name": l["name"], "config": c})
    out.append({"predictions": m.predict(x, verbose=0).astype("float64").ravel().tolist(), "layers": layers})
`;
    const results = runKeras<{ predictions: number[]; layers: LayerEntry[] }[]>(code, jobs, { timeoutMs: 180_000 });
    NAMES.forEach((name, i) => {
      const r = results[i]!;
      expectClose(r.predictions, goldenFloats(`${name}.predictions.bin`));
      expect(r.layers.map((l) => [l.class_name, l.name])).toEqual(manifest.models[name].layers.map((l) => [l.class_name, l.name]));
      for (const entry of manifest.models[name].layers.filter((l) => PREPROCESSING.has(l.class_name))) {
        expect(r.layers.find((l) => l.name === entry.name), `${name}/${entry.name}`).toEqual(entry);
      }
    });
  }, 200_000);
});
