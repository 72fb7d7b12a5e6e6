/**
 * saveModel / loadModelParts / loadModel: in memory and through "file://" in a temporary
 * directory; malformed files by message; failures leave files and models untouched.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadModel, loadModelParts, saveModel, type SavedModelInput } from "../../ts/io/handlers.js";
import { topologyFromKeras } from "../../ts/io/topology.js";
import { expectSameFloats, fakeModel, lenetDescriptors, randomWeights, variedDescriptors, withoutFingerprint } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-io-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `m${dirs++}`);

const lenet = () => {
  const layers = lenetDescriptors();
  const weights = randomWeights(layers, 1);
  return { layers, weights, model: fakeModel(layers, weights, "lenet") };
};

describe("in memory", () => {
  it.each([
    ["LeNet-5", lenetDescriptors],
    ["every layer and option", variedDescriptors],
  ])("round-trips %s: same layers, bit-identical weights", async (_, make) => {
    const layers = make();
    const weights = randomWeights(layers, 2);
    const saved = await saveModel(fakeModel(layers, weights));
    expect(saved.modelJson).toMatchObject({ format: "layers-model", generatedBy: "simdnet 0.1.0", convertedBy: null });
    expect(saved.modelJson.weightsManifest).toHaveLength(1);
    expect(saved.modelJson.weightsManifest[0]!.paths).toEqual(["weights.bin"]);
    for (const modelJson of [saved.modelJson, JSON.stringify(saved.modelJson)]) {
      const parts = await loadModelParts({ modelJson, weights: saved.weights });
      expect(parts.name).toBe("sequential");
      expect(parts.layers).toEqual(topologyFromKeras(saved.modelJson.modelTopology).layers);
      expect(parts.weights.map((w) => w.shape)).toEqual(weights.map((w) => w.shape));
      parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    }
  });

  it("loadModel hands the parts to the builder, and never calls it when loading fails", async () => {
    const { model } = lenet();
    const saved = await saveModel(model);
    const build = vi.fn((parts) => ({ built: parts.name }));
    await expect(loadModel({ modelJson: saved.modelJson, weights: saved.weights }, build)).resolves.toEqual({ built: "lenet" });
    await expect(loadModel({ modelJson: saved.modelJson, weights: saved.weights.slice(4) }, build)).rejects.toThrow("source.weights does not match source.modelJson");
    await expect(loadModel({ modelJson: withoutFingerprint(saved.modelJson), weights: saved.weights.slice(4) }, build)).rejects.toThrow("weights data is truncated");
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("records the weights' byte length and CRC-32 in userDefinedMetadata.simdnet", async () => {
    const saved = await saveModel(lenet().model);
    expect(saved.modelJson.userDefinedMetadata).toEqual({ simdnet: { weightsBytes: 61706 * 4, weightsCrc32: zlibCrc32(new Uint8Array(saved.weights)) } });
  });

  it("refuses the weights of another save of the same shapes, and weights with any one bit flipped", async () => {
    const layers = lenetDescriptors();
    const a = await saveModel(fakeModel(layers, randomWeights(layers, 4)));
    const b = await saveModel(fakeModel(layers, randomWeights(layers, 5)));
    const mismatch = /^loadModel: source.weights does not match source.modelJson: the files come from different saves or source.weights is damaged \(model.json records 246824 bytes of weights with CRC-32 0x[0-9a-f]{8}, the weights hold 246824 bytes with CRC-32 0x[0-9a-f]{8}\)$/;
    await expect(loadModelParts({ modelJson: a.modelJson, weights: b.weights })).rejects.toThrow(mismatch);
    await expect(loadModelParts({ modelJson: JSON.stringify(b.modelJson), weights: new Uint8Array(a.weights) })).rejects.toThrow(mismatch);
    // Mantissa bits (the low 23 of each float) are the flips nothing else can see.
    for (const bit of [0, 7, 8 * 1000 + 3, 8 * 4001 + 6, 8 * 246823 + 2]) {
      const flipped = new Uint8Array(a.weights.slice(0));
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      await expect(loadModelParts({ modelJson: a.modelJson, weights: flipped })).rejects.toThrow(mismatch);
    }
  });

  it("loads files without a fingerprint (TF.js's, Keras-converted) unchecked, as before", async () => {
    const { model, weights } = lenet();
    const saved = await saveModel(model);
    const modelJson: Record<string, unknown> = { ...saved.modelJson };
    delete modelJson.userDefinedMetadata;
    const parts = await loadModelParts({ modelJson, weights: saved.weights });
    parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    // Other metadata, or a simdnet entry with only the epoch, means no fingerprint either.
    for (const userDefinedMetadata of [{ app: 1 }, { simdnet: { epoch: 3 } }, "text"]) {
      await expect(loadModelParts({ modelJson: { ...modelJson, userDefinedMetadata }, weights: saved.weights })).resolves.toBeDefined();
    }
  });

  it.each([
    ["only a length", { weightsBytes: 246824 }, "source.modelJson userDefinedMetadata.simdnet.weightsCrc32: received undefined, expected a whole number in [0, 2^32)"],
    ["only a CRC", { weightsCrc32: 5 }, "source.modelJson userDefinedMetadata.simdnet.weightsBytes: received undefined, expected a whole number >= 0"],
    ["a CRC out of range", { weightsBytes: 246824, weightsCrc32: 2 ** 32 }, "source.modelJson userDefinedMetadata.simdnet.weightsCrc32: received 4294967296"],
    ["a text length", { weightsBytes: "246824", weightsCrc32: 5 }, 'source.modelJson userDefinedMetadata.simdnet.weightsBytes: received "246824"'],
  ])("refuses a malformed fingerprint: %s", async (_, simdnet, message) => {
    const saved = await saveModel(lenet().model);
    await expect(loadModelParts({ modelJson: { ...saved.modelJson, userDefinedMetadata: { simdnet } }, weights: saved.weights })).rejects.toThrow(message);
  });

  it.each([
    ["invalid JSON", { modelJson: "{ nope", weights: new ArrayBuffer(0) }, "source.modelJson is not valid JSON"],
    ["no topology", { modelJson: { weightsManifest: [] }, weights: new ArrayBuffer(0) }, "source.modelJson has no modelTopology"],
    ["no manifest", { modelJson: { modelTopology: {} }, weights: new ArrayBuffer(0) }, "source.modelJson has no weightsManifest"],
    ["a manifest group without paths", { modelJson: { modelTopology: {}, weightsManifest: [{ weights: [] }] }, weights: new ArrayBuffer(0) }, "source.modelJson weightsManifest[0].paths: received undefined, expected an array"],
    ["a graph model", { modelJson: { modelTopology: {}, format: "graph-model", weightsManifest: [] }, weights: new ArrayBuffer(0) }, 'format: received "graph-model", expected "layers-model"'],
    ["weights that are not bytes", { modelJson: {}, weights: [1, 2] }, "loadModel: source.weights must be an ArrayBuffer or Uint8Array, received [1,2]"],
    ["a model.json that is a number", { modelJson: 3, weights: new ArrayBuffer(0) }, "loadModel: source.modelJson: received 3, expected an object or JSON text"],
  ])("refuses %s", async (_, source, message) => {
    await expect(loadModelParts(source as unknown as SavedModelInput)).rejects.toThrow(message);
  });

  it("refuses unknown addresses", async () => {
    await expect(loadModelParts("http://example.com/model.json")).rejects.toThrow('loadModel: source: received "http://example.com/model.json", expected "file://<path to model.json>"');
    await expect(saveModel(lenet().model, "indexeddb://x")).rejects.toThrow('save: destination: received "indexeddb://x", expected "file://<directory>"');
  });
});

describe("file://", () => {
  it("writes model.json and weights.bin, nothing else, and loads them by directory or by model.json", async () => {
    const { model, weights } = lenet();
    const dir = freshDir();
    const saved = await saveModel(model, `file://${dir}`);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    expect(JSON.parse(readFileSync(join(dir, "model.json"), "utf8"))).toEqual(saved.modelJson);
    expect(readFileSync(join(dir, "weights.bin")).byteLength).toBe(61706 * 4);
    for (const source of [`file://${dir}`, `file://${join(dir, "model.json")}`]) {
      const parts = await loadModelParts(source);
      parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    }
  });

  it("overwrites an earlier save in place", async () => {
    const dir = freshDir();
    await saveModel(lenet().model, `file://${dir}`);
    const layers = variedDescriptors();
    const weights = randomWeights(layers, 3);
    await saveModel(fakeModel(layers, weights), `file://${dir}`);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    const parts = await loadModelParts(`file://${dir}`);
    expect(parts.layers.map((l) => l.name)).toEqual(layers.map((l) => l.name));
  });

  it("concatenates the files of a manifest with several paths, in order", async () => {
    const { model, weights } = lenet();
    const dir = freshDir();
    const saved = await saveModel(model, `file://${dir}`);
    const bytes = new Uint8Array(saved.weights);
    writeFileSync(join(dir, "group1-shard1of2.bin"), bytes.subarray(0, 1001));
    writeFileSync(join(dir, "group1-shard2of2.bin"), bytes.subarray(1001));
    const specs = saved.modelJson.weightsManifest[0]!.weights;
    const json = { ...saved.modelJson, weightsManifest: [{ paths: ["./group1-shard1of2.bin", "group1-shard2of2.bin"], weights: specs.slice(0, 3) }, { paths: [], weights: specs.slice(3) }] };
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    const parts = await loadModelParts(`file://${dir}/model.json`);
    parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
  });

  it("leaves an earlier save untouched when saving fails", async () => {
    const dir = freshDir();
    await saveModel(lenet().model, `file://${dir}`);
    const before = [readFileSync(join(dir, "model.json")), readFileSync(join(dir, "weights.bin"))];
    const { layers, weights } = lenet();
    weights[3]!.data[2] = NaN;
    await expect(saveModel(fakeModel(layers, weights), `file://${dir}`)).rejects.toThrow("save: weight conv2d_1/bias has NaN at index 2");
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    expect(readFileSync(join(dir, "model.json")).equals(before[0]!)).toBe(true);
    expect(readFileSync(join(dir, "weights.bin")).equals(before[1]!)).toBe(true);
  });

  describe("refuses malformed files", () => {
    /** A saved LeNet-5 whose files `damage` then edits. */
    async function damaged(damage: (dir: string, json: Record<string, any>) => void): Promise<string> {
      const dir = freshDir();
      const saved = await saveModel(lenet().model, `file://${dir}`);
      damage(dir, JSON.parse(JSON.stringify(saved.modelJson)));
      return dir;
    }
    const writeJson = (dir: string, json: unknown) => writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    const truncate = (dir: string) => writeFileSync(join(dir, "weights.bin"), readFileSync(join(dir, "weights.bin")).subarray(0, 1000));
    const extend = (dir: string) => writeFileSync(join(dir, "weights.bin"), Buffer.concat([readFileSync(join(dir, "weights.bin")), Buffer.alloc(4)]));

    it.each([
      ["a missing model.json", (dir: string) => rmSync(join(dir, "model.json")), "loadModel: cannot read"],
      ["malformed JSON", (dir: string) => writeFileSync(join(dir, "model.json"), '{"modelTopology": '), "model.json is not valid JSON"],
      ["a missing weights file", (dir: string) => rmSync(join(dir, "weights.bin")), "weights.bin named in model.json does not exist"],
      ["a truncated weights.bin", (dir: string) => truncate(dir), /weights\.bin does not match \S+model\.json: the files come from different saves or weights\.bin is damaged \(model\.json records 246824 bytes of weights with CRC-32 0x[0-9a-f]{8}, the weights hold 1000 bytes\)$/],
      ["an oversized weights.bin", (dir: string) => extend(dir), /weights\.bin is damaged \(model\.json records 246824 bytes of weights with CRC-32 0x[0-9a-f]{8}, the weights hold 246828 bytes\)$/],
      ["a truncated weights.bin, no fingerprint", (dir: string, json: Record<string, any>) => { truncate(dir); writeJson(dir, withoutFingerprint(json)); }, "loadModel: weights are truncated: model.json declares 246824 bytes, the files hold 1000"],
      ["an oversized weights.bin, no fingerprint", (dir: string, json: Record<string, any>) => { extend(dir); writeJson(dir, withoutFingerprint(json)); }, "loadModel: weights are oversized: model.json declares 246824 bytes, the files hold 246828"],
      ["a fingerprint unlike the manifest", (dir: string, json: Record<string, any>) => { json.userDefinedMetadata.simdnet.weightsBytes = 1000; writeJson(dir, json); }, "model.json is damaged: userDefinedMetadata.simdnet.weightsBytes is 1000, its weights manifest declares 246824 bytes"],
      ["a weights path leaving the directory", (dir: string, json: Record<string, any>) => { json.weightsManifest[0].paths = ["../weights.bin"]; writeJson(dir, json); }, 'loadModel: weights path "../weights.bin" must be relative to model.json\'s directory and stay inside it'],
      ["an absolute weights path", (dir: string, json: Record<string, any>) => { json.weightsManifest[0].paths = [join(dir, "weights.bin")]; writeJson(dir, json); }, "must be relative to model.json's directory"],
      ["a weight of the wrong shape", (dir: string, json: Record<string, any>) => { json.weightsManifest[0].weights[1].shape = [2, 3]; writeJson(dir, json); }, 'weights manifest: weight "conv2d/bias" has shape [2, 3], the topology expects [6]'],
      ["a topology unlike the weights", (dir: string, json: Record<string, any>) => { json.modelTopology.config.layers[5].config.units = 121; writeJson(dir, json); }, 'weights manifest: weight "dense/kernel" has shape [400, 120], the topology expects [400, 121]'],
      ["an unsupported layer option", (dir: string, json: Record<string, any>) => { json.modelTopology.config.layers[0].config.data_format = "channels_first"; writeJson(dir, json); }, 'layer 0 ("conv2d", Conv2D) data_format: received "channels_first"'],
    ])("%s", async (_, damage, message) => {
      const dir = await damaged(damage);
      await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(message);
    });

    it("a mixed pair: weights.bin of one save beside model.json of another, same shapes, either way round", async () => {
      const layers = lenetDescriptors();
      const [older, newer] = [freshDir(), freshDir()];
      await saveModel(fakeModel(layers, randomWeights(layers, 6)), `file://${older}`);
      await saveModel(fakeModel(layers, randomWeights(layers, 7)), `file://${newer}`);
      const mixed = freshDir();
      for (const [json, weights] of [[older, newer], [newer, older]]) {
        await saveModel(fakeModel(layers, randomWeights(layers, 8)), `file://${mixed}`);
        copyFileSync(join(json!, "model.json"), join(mixed, "model.json"));
        copyFileSync(join(weights!, "weights.bin"), join(mixed, "weights.bin"));
        await expect(loadModelParts(`file://${mixed}`)).rejects.toThrow(
          `loadModel: ${join(mixed, "weights.bin")} does not match ${join(mixed, "model.json")}: the files come from different saves or weights.bin is damaged`,
        );
      }
    });

    it("a path that does not exist", async () => {
      await expect(loadModelParts(`file://${join(root, "nowhere")}`)).rejects.toThrow(`loadModel: no file or directory at ${join(root, "nowhere")}`);
    });
  });
});
