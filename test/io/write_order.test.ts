/**
 * A save interrupted between its two renames, simulated by making the rename of
 * weights.bin fail as a crash would: model.json is renamed first, so what is left is the
 * new model.json beside the old weights.bin, with the new weights in a `weights.bin.tmp-*`
 * file. A load completes that save from the temporary file when exactly one matches the
 * fingerprint model.json records, and refuses the pair otherwise.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { loadModelParts, saveModel } from "../../ts/io/handlers.js";
import { expectSameFloats, fakeModel, lenetDescriptors, randomWeights } from "./fixtures.js";

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const root = mkdtempSync(join(tmpdir(), "simdnet-write-order-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const layers = lenetDescriptors();
let dirs = 0;

/**
 * Saves weights of seed 1 to a fresh directory, then saves weights of seed 2 there with a
 * power cut between the renames. Returns the directory, the weights of the interrupted
 * save and its temporary weights file's name.
 */
async function interruptedSave(): Promise<{ dir: string; weights: ReturnType<typeof randomWeights>; temp: string }> {
  const dir = join(root, `ckpt${dirs++}`);
  await saveModel(fakeModel(layers, randomWeights(layers, 1)), `file://${dir}`);
  const rename = vi.mocked(fs.rename);
  rename.mockClear();
  rename.mockImplementationOnce(async (from, to) => {
    expect(String(to)).toBe(join(dir, "model.json"));
    const real = await vi.importActual<typeof import("node:fs/promises")>("node:fs/promises");
    await real.rename(from, to);
  });
  rename.mockImplementationOnce(async () => {
    throw new Error("power cut");
  });
  const weights = randomWeights(layers, 2);
  await expect(saveModel(fakeModel(layers, weights), `file://${dir}`)).rejects.toThrow("power cut");
  expect(rename).toHaveBeenCalledTimes(2);
  expect(String(rename.mock.calls[1]![1])).toBe(join(dir, "weights.bin"));
  const left = readdirSync(dir).sort();
  expect(left).toHaveLength(3);
  expect(left.slice(0, 2)).toEqual(["model.json", "weights.bin"]);
  expect(left[2]).toMatch(/^weights\.bin\.tmp-\d+-[0-9a-z]+-[0-9a-z]*$/);
  return { dir, weights, temp: left[2]! };
}

function refusal(dir: string): string {
  return `loadModel: ${join(dir, "weights.bin")} does not match ${join(dir, "model.json")}: the files come from different saves or weights.bin is damaged`;
}

describe("a save interrupted between its two renames", () => {
  it("renames model.json first; a load completes the save from the temporary weights, bit for bit, warns once and changes no file", async () => {
    const { dir, weights, temp } = await interruptedSave();
    const before = readdirSync(dir).sort();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const parts = await loadModelParts(`file://${dir}`);
    expect(parts.weights).toHaveLength(weights.length);
    parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain(`completed an interrupted save from ${join(dir, temp)}`);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("completes the save when weights.bin was never written (the first save was the one cut)", async () => {
    const { dir, weights } = await interruptedSave();
    rmSync(join(dir, "weights.bin"));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const parts = await loadModelParts(`file://${dir}`);
    parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("does not use a damaged temporary file: the pair is refused as before", async () => {
    const { dir, temp } = await interruptedSave();
    const bytes = readFileSync(join(dir, temp));
    bytes[bytes.length >> 1]! ^= 1; // one bit of one float
    writeFileSync(join(dir, temp), bytes);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(refusal(dir));
    writeFileSync(join(dir, temp), bytes.subarray(0, bytes.length - 4)); // truncated
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(refusal(dir));
    expect(warn).not.toHaveBeenCalled();
  });

  it("refuses the pair when two temporary files match (which save they came from is unclear)", async () => {
    const { dir, temp } = await interruptedSave();
    copyFileSync(join(dir, temp), join(dir, "weights.bin.tmp-1-abc-def"));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(refusal(dir));
    expect(warn).not.toHaveBeenCalled();
  });

  it("ignores files that are not named as a save names its temporary files", async () => {
    const { dir, temp } = await interruptedSave();
    for (const name of ["weights.bin.bak", "weights.bin.tmp-x", "old-weights.bin.tmp-1-a-b"]) copyFileSync(join(dir, temp), join(dir, name));
    rmSync(join(dir, temp));
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(refusal(dir));
  });

  it("a later save replaces both files and removes the leftovers of unfinished saves, nothing else", async () => {
    const { dir } = await interruptedSave();
    writeFileSync(join(dir, "model.json.tmp-1-abc-def"), "{");
    writeFileSync(join(dir, "notes.txt"), "mine");
    const weights = randomWeights(layers, 3);
    await saveModel(fakeModel(layers, weights), `file://${dir}`);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "notes.txt", "weights.bin"]);
    const warn = vi.spyOn(console, "warn");
    const parts = await loadModelParts(`file://${dir}`);
    parts.weights.forEach((w, i) => expectSameFloats(w.data, weights[i]!.data, `weight ${i}`));
    expect(warn).not.toHaveBeenCalled();
  });
});
