/**
 * `model.classNames`: checked when set, saved and loaded in every format (.keras
 * metadata.json, .h5 root attribute, model.json userDefinedMetadata), refused when a file
 * carries bad ones, set by fit from an image folder; and TF.js and real Keras 3.15 still
 * load the files that carry them (and sees them where simdnet put them). Also evaluate and
 * predict on a batch source (an image folder) against the same images as tensors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageFolder } from "../../ts/data/image_folder_node.js";
import { encodePng } from "../../ts/data/png.js";
import { readKerasFile, writeKerasFile } from "../../ts/io/keras/keras_file.js";
import { toKerasFile } from "../../ts/io/keras/index.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { init } from "../../ts/wasm/loader.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";
import { makeTree } from "../helpers/images.js";
import { unzipSync, strFromU8 } from "fflate";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";

const dir = mkdtempSync(join(tmpdir(), "simdnet-class-names-"));
const roots: string[] = [dir];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function small(units = 3, seed = 1): Sequential {
  return new Sequential({
    seed,
    layers: [
      layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu", inputShape: [6, 6, 1] }),
      layers.flatten(),
      layers.dense({ units, activation: units === 1 ? "sigmoid" : "softmax" }),
    ],
  });
}

beforeAll(async () => {
  await init();
});

describe("model.classNames", () => {
  it("is null by default, takes one distinct name per output, and null again", () => {
    const m = small();
    expect(m.classNames).toBeNull();
    m.classNames = ["cat", "dog", "bird"];
    expect(m.classNames).toEqual(["cat", "dog", "bird"]);
    m.classNames = null;
    expect(m.classNames).toBeNull();
    const binary = small(1);
    binary.classNames = ["no", "yes"];
    expect(binary.classNames).toEqual(["no", "yes"]);
    m.dispose();
    binary.dispose();
  });

  it("refuses bad names, naming what was wrong, and keeps the old ones", () => {
    const m = small();
    m.classNames = ["a", "b", "c"];
    expect(() => { m.classNames = ["a", "b"]; }).toThrow("classNames holds 2 names for a model with 3 outputs; expected 3");
    expect(() => { m.classNames = ["a", "a", "b"]; }).toThrow('classNames names "a" twice; each class needs its own name');
    expect(() => { m.classNames = ["a", "", "b"]; }).toThrow("classNames[1] must be a non-empty string of at most 1000 characters, received a string ()");
    expect(() => { m.classNames = "abc" as unknown as string[]; }).toThrow("classNames must be an array of strings or null, received a string (abc)");
    expect(() => { m.classNames = ["a", 2, "c"] as unknown as string[]; }).toThrow("classNames[1] must be a non-empty string");
    expect(m.classNames).toEqual(["a", "b", "c"]);
    m.dispose();
  });

  for (const [format, file] of [["keras", "m.keras"], ["h5", "m.h5"], ["model.json", "tfjs"]] as const) {
    it(`travels through a ${format} file, and a model without them loads with null`, async () => {
      const m = small();
      const path = join(dir, `named-${file}`);
      await m.save(`file://${path}`);
      const unnamed = await loadSequential(`file://${path}`);
      expect(unnamed.classNames).toBeNull();
      unnamed.dispose();
      m.classNames = ["ants", "bees, wasps", "crème brûlée"];
      await m.save(`file://${path}`);
      const back = await loadSequential(`file://${path}`);
      expect(back.classNames).toEqual(["ants", "bees, wasps", "crème brûlée"]);
      back.dispose();
      m.dispose();
    });
  }

  it("travels through the in-memory save (TF.js artifacts)", async () => {
    const m = small();
    m.classNames = ["x", "y", "z"];
    const saved = await m.save();
    expect((saved.modelJson.userDefinedMetadata as { classNames: string[] }).classNames).toEqual(["x", "y", "z"]);
    const back = await loadSequential(saved);
    expect(back.classNames).toEqual(["x", "y", "z"]);
    back.dispose();
    m.dispose();
  });

  it("TF.js loads a model.json that carries them, predicts the same and keeps them in its metadata", async () => {
    await tf.setBackend("cpu");
    const m = small(3, 5);
    m.classNames = ["x", "y", "z"];
    const saved = await m.save();
    const x = { data: Float32Array.from({ length: 36 }, (_, i) => Math.cos(i)), shape: [1, 6, 6, 1] };
    const ours = m.predict(x).data;
    m.dispose();
    const json = saved.modelJson;
    const model = await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: saved.weights, userDefinedMetadata: json.userDefinedMetadata,
    } as tf.io.ModelArtifacts));
    expect((model.getUserDefinedMetadata() as { classNames: string[] }).classNames).toEqual(["x", "y", "z"]);
    const input = tf.tensor(x.data, [1, 6, 6, 1]);
    const out = model.predict(input) as tf.Tensor;
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ours[i]!, 5));
    tf.dispose([input, out]);
    model.dispose();
  });

  it("refuses a file whose class names are malformed or do not fit the model", async () => {
    const m = small();
    m.classNames = ["a", "b", "c"];
    const bytes = await toKerasFile(m, { format: "keras" });
    const contents = await readKerasFile(bytes, "m.keras");
    expect(contents.classNames).toEqual(["a", "b", "c"]);
    const twice = await writeKerasFile(contents.topology, contents.weights, "test", null, ["a", "a", "b"]);
    await expect(loadSequential(twice)).rejects.toThrow('loadModel: the bytes: class_names names "a" twice');
    const four = await writeKerasFile(contents.topology, contents.weights, "test", null, ["a", "b", "c", "d"]);
    await expect(loadSequential(four)).rejects.toThrow("loadModel: the saved class names do not fit the model: classNames holds 4 names for a model with 3 outputs; expected 3");
    m.dispose();
  });
});

describe("fit, evaluate and predict on an image folder", () => {
  let root = "";
  beforeAll(() => {
    const files: Record<string, Uint8Array> = {};
    for (const [c, cls] of ["dark", "light", "mid"].entries()) {
      for (let i = 0; i < 5; i++) files[`${cls}/${i}.png`] = encodePng(Uint8Array.from({ length: 64 }, (_, k) => (c * 100 + i * 7 + k) % 256), 8, 8);
    }
    root = makeTree(files, "simdnet-class-names-folder-");
    roots.push(root);
  });

  it("fit sets the folder's class names when the model has none, and keeps names it has", async () => {
    const source = imageFolder(root, { imageSize: [6, 6], colorMode: "grayscale", batchSize: 4, seed: 1 });
    const m = small();
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    await m.fit(source, { epochs: 1, verbose: 0 });
    expect(m.classNames).toEqual(["dark", "light", "mid"]);
    m.classNames = ["p", "q", "r"];
    await m.fit(source, { epochs: 1, verbose: 0 });
    expect(m.classNames).toEqual(["p", "q", "r"]);
    // Names that do not fit the output (3 folders, 4 outputs) are not taken.
    const wide = small(4);
    wide.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    await wide.fit(source, { epochs: 1, verbose: 0 });
    expect(wide.classNames).toBeNull();
    m.dispose();
    wide.dispose();
  });

  it("fit takes a batch source as validationData, and reports what evaluate(source) gives", async () => {
    const [training, validation] = imageFolder(root, { imageSize: [6, 6], colorMode: "grayscale", batchSize: 4, seed: 3, validationSplit: 0.4, subset: "both" });
    const m = small(3, 9);
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const history = await m.fit(training, { epochs: 2, verbose: 0, validationData: validation });
    expect(history.history.val_loss).toHaveLength(2);
    const after = m.evaluate(validation);
    expect(history.history.val_loss![1]).toBeCloseTo(after.loss, 5);
    expect(history.history.val_accuracy![1]).toBeCloseTo(after.accuracy!, 6);
    const later = Object.assign(imageFolder(root, { imageSize: [6, 6], colorMode: "grayscale" }), { prepare: async () => {} });
    await expect(m.fit(training, { epochs: 1, verbose: 0, validationData: later })).rejects.toThrow("fit: validationData: this batch source reads its samples asynchronously");
    const wrong = imageFolder(root, { imageSize: [8, 8], colorMode: "grayscale" });
    await expect(m.fit(training, { epochs: 1, verbose: 0, validationData: wrong })).rejects.toThrow("fit: validationData: the batch source's samples have shape [8, 8, 1], expected [6, 6, 1] (the model's input shape)");
    m.dispose();
  });

  it("evaluate(source) and predict(source) equal evaluate and predict on the same images as tensors", () => {
    const source = imageFolder(root, { imageSize: [6, 6], colorMode: "grayscale", batchSize: 4, shuffle: false });
    const m = small(3, 7);
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = source.toTensors();
    const direct = m.evaluate(x, y!);
    const viaSource = m.evaluate(source);
    expect(viaSource.loss).toBeCloseTo(direct.loss, 5);
    expect(viaSource.accuracy).toBeCloseTo(direct.accuracy!, 6);
    expect(m.evaluate(source, { batchSize: 2 }).loss).toBeCloseTo(direct.loss, 5);
    const p = m.predict(source);
    expect(p.shape).toEqual([15, 3]);
    const q = m.predict(x);
    for (let i = 0; i < q.data.length; i++) expect(p.data[i]).toBeCloseTo(q.data[i]!, 6);
    expect(() => (m.evaluate as (...a: unknown[]) => unknown).call(m, source, y!)).toThrow("evaluate: x is a BatchSource (e.g. datasets.imageFolder(dir)), which carries its own labels; call evaluate(source, options) without y");
    expect(() => m.evaluate(source, { batchSize: 0 })).toThrow("evaluate: batchSize must be a whole number > 0, received 0");
    // A source that reads asynchronously (a browser folder's prepare) cannot be filled unprepared.
    const later = Object.assign(imageFolder(root, { imageSize: [6, 6], colorMode: "grayscale", shuffle: false }), { prepare: async () => {} });
    const asyncMessage = "this batch source reads its samples asynchronously (it has prepare(), e.g. imageFolderFromFiles with preload: false)";
    expect(() => m.evaluate(later)).toThrow(`evaluate: ${asyncMessage}`);
    expect(() => m.predict(later)).toThrow(`predict: ${asyncMessage}`);
    const wrong = imageFolder(root, { imageSize: [8, 8], colorMode: "grayscale", shuffle: false });
    expect(() => m.evaluate(wrong)).toThrow("evaluate: the batch source's samples have shape [8, 8, 1], expected [6, 6, 1] (the model's input shape)");
    expect(() => m.predict(wrong)).toThrow("predict: the batch source's samples have shape [8, 8, 1], expected [6, 6, 1] (the model's input shape)");
    m.dispose();
  });
});

describe.skipIf(!keras)(`real Keras loads files that carry class names ${kerasSkipReason}`, () => {
  it("loads the .keras and .h5 files, predicts as simdnet does, and the names are where simdnet put them", async () => {
    const m = small(3, 11);
    m.classNames = ["ants", "bees", "crème"];
    const x = { data: Float32Array.from({ length: 2 * 36 }, (_, i) => Math.sin(i)), shape: [2, 6, 6, 1] };
    const ours = Array.from(m.predict(x).data);
    const files = { keras: join(dir, "live.keras"), h5: join(dir, "live.h5") };
    writeFileSync(files.keras, await toKerasFile(m, { format: "keras" }));
    writeFileSync(files.h5, await toKerasFile(m, { format: "h5" }));
    m.dispose();
    // Our reading of the zip, before Keras: metadata.json holds class_names.
    const meta = JSON.parse(strFromU8(unzipSync(new Uint8Array(readFileSync(files.keras)))["metadata.json"]!)) as { class_names: string[] };
    expect(meta.class_names).toEqual(["ants", "bees", "crème"]);
    const out = runKeras<{ keras: number[]; h5: number[]; meta: string[]; attr: string[] }>(`
import zipfile, h5py
x = np.array(inp["x"], dtype="float32").reshape(2, 6, 6, 1)
out = {}
for fmt in ("keras", "h5"):
    out[fmt] = keras.models.load_model(inp[fmt]).predict(x, verbose=0).reshape(-1)
with zipfile.ZipFile(inp["keras"]) as z:
    out["meta"] = json.loads(z.read("metadata.json"))["class_names"]
with h5py.File(inp["h5"], "r") as f:
    out["attr"] = [s.decode() if isinstance(s, bytes) else str(s) for s in f.attrs["class_names"]]
`, { x: Array.from(x.data), ...files });
    for (const fmt of ["keras", "h5"] as const) out[fmt].forEach((v, i) => expect(v).toBeCloseTo(ours[i]!, 5));
    expect(out.meta).toEqual(["ants", "bees", "crème"]);
    expect(out.attr).toEqual(["ants", "bees", "crème"]);
  }, 120_000);
});
