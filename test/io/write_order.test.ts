/**
 * The write order of a file save, by making the rename of weights.bin fail as a crash
 * between the two renames would: model.json is renamed first, so what is left is the new
 * model.json beside the old weights.bin, and that pair is refused, never loaded.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadModelParts, saveModel } from "../../ts/io/handlers.js";
import { fakeModel, lenetDescriptors, randomWeights } from "./fixtures.js";

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const root = mkdtempSync(join(tmpdir(), "simdnet-write-order-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a save interrupted between its two renames", () => {
  it("renames model.json first, and the mixed pair left behind is refused", async () => {
    const layers = lenetDescriptors();
    const dir = join(root, "ckpt");
    await saveModel(fakeModel(layers, randomWeights(layers, 1)), `file://${dir}`);
    const rename = vi.mocked(fs.rename);
    rename.mockClear();
    rename.mockImplementationOnce(async (from, to) => {
      expect(String(to)).toBe(join(dir, "model.json"));
      await vi.importActual<typeof import("node:fs/promises")>("node:fs/promises").then((real) => real.rename(from, to));
    });
    rename.mockImplementationOnce(async () => {
      throw new Error("power cut");
    });
    await expect(saveModel(fakeModel(layers, randomWeights(layers, 2)), `file://${dir}`)).rejects.toThrow("power cut");
    expect(rename).toHaveBeenCalledTimes(2);
    expect(String(rename.mock.calls[1]![1])).toBe(join(dir, "weights.bin"));
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(
      `loadModel: ${join(dir, "weights.bin")} does not match ${join(dir, "model.json")}: the files come from different saves or weights.bin is damaged`,
    );
    // The next save repairs the pair.
    await saveModel(fakeModel(layers, randomWeights(layers, 3)), `file://${dir}`);
    await expect(loadModelParts(`file://${dir}`)).resolves.toBeDefined();
  });
});
