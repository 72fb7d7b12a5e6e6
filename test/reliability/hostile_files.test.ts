/**
 * Hostile model folders: a model.json whose weights path (or the weights file itself, or
 * a directory on its way) is a FIFO, a device, a directory or a symbolic link out of the
 * folder. Loading reads only regular files inside the model's folder (real paths), at most
 * the size model.json declares, never hangs, and says which file and why.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, constants as fsConstants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDigitCsv, loadIdxImages, loadIdxLabels, readDataFile } from "../../ts/data/files.js";
import { loadModelParts, saveModel } from "../../ts/io/handlers.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { init } from "../../ts/wasm/loader.js";
import { tinyConvNet } from "../helpers/models.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-hostile-"));
let modelJson = "";
let weights: Uint8Array = new Uint8Array(0);
let count = 0;

beforeAll(async () => {
  await init();
  const m = tinyConvNet({ seed: 1, filters: 2 });
  await saveModel(m, `file://${join(root, "original")}`);
  m.dispose();
  modelJson = readFileSync(join(root, "original", "model.json"), "utf8");
  weights = new Uint8Array(readFileSync(join(root, "original", "weights.bin")));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh model folder; `paths` replaces the manifest's weight paths when given. */
function folder(paths?: string[]): string {
  const dir = join(root, `case-${count++}`);
  mkdirSync(dir);
  const json = JSON.parse(modelJson) as { weightsManifest: { paths: string[] }[] };
  if (paths) json.weightsManifest[0]!.paths = paths;
  writeFileSync(join(dir, "model.json"), JSON.stringify(json));
  return dir;
}

/** Rejects within `ms` or fails the test (a hang is the bug these tests look for). */
async function settlesQuickly<T>(p: Promise<T>, ms: number, unblock: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      unblock();
      reject(new Error(`the load did not settle within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("weights files that are not regular files", () => {
  it("a FIFO is refused at once, without waiting for a writer", async () => {
    const dir = folder();
    const fifo = join(dir, "weights.bin");
    execFileSync("mkfifo", [fifo]);
    // If the load blocks in open(), opening the FIFO for writing releases it.
    const unblock = () => closeSync(openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
    await expect(settlesQuickly(loadModelParts(`file://${dir}`), 3000, unblock)).rejects.toThrow(
      `loadModel: weights file ${fifo} named in model.json is a FIFO (named pipe), not a regular file`,
    );
  });

  it("a symbolic link to /dev/zero is refused, not read until memory runs out", async () => {
    const dir = folder();
    symlinkSync("/dev/zero", join(dir, "weights.bin"));
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(/loadModel: weights file .*weights\.bin named in model\.json (resolves to \/dev\/zero, outside the model's folder|is a character device)/);
  });

  it("a directory is named as such, not a raw EISDIR", async () => {
    const dir = folder(["sub"]);
    mkdirSync(join(dir, "sub"));
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(`loadModel: weights file ${join(dir, "sub")} named in model.json is a directory, not a regular file`);
  });

  it("a model.json that is a FIFO or a directory is refused at once", async () => {
    const dir = join(root, `case-${count++}`);
    mkdirSync(dir);
    const fifo = join(dir, "model.json");
    execFileSync("mkfifo", [fifo]);
    const unblock = () => closeSync(openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
    await expect(settlesQuickly(loadModelParts(`file://${fifo}`), 3000, unblock)).rejects.toThrow(`loadModel: ${fifo} is a FIFO (named pipe), not a regular file`);
    const nested = join(root, `case-${count++}`);
    mkdirSync(join(nested, "model.json"), { recursive: true });
    await expect(loadModelParts(`file://${nested}`)).rejects.toThrow(`loadModel: ${join(nested, "model.json")} is a directory, not a regular file`);
  });
});

describe("symbolic links out of the model's folder", () => {
  it("weights.bin -> ../outside.bin is refused, naming both paths", async () => {
    const dir = folder();
    const outside = join(root, `outside-${count}.bin`);
    writeFileSync(outside, weights);
    symlinkSync(outside, join(dir, "weights.bin"));
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(
      `loadModel: weights file ${join(dir, "weights.bin")} named in model.json resolves to ${outside}, outside the model's folder ${dir}`,
    );
  });

  it("a path through a linked directory is refused", async () => {
    const dir = folder(["linked/weights.bin"]);
    const elsewhere = join(root, `elsewhere-${count}`);
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "weights.bin"), weights);
    symlinkSync(elsewhere, join(dir, "linked"));
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(`resolves to ${join(elsewhere, "weights.bin")}, outside the model's folder ${dir}`);
  });

  it("a link that stays inside the folder still loads, and so does a folder reached through a link", async () => {
    const dir = folder();
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "real.bin"), weights);
    symlinkSync(join(dir, "data", "real.bin"), join(dir, "weights.bin"));
    const parts = await loadModelParts(`file://${dir}`);
    expect(parts.weights.length).toBe(4);
    const alias = join(root, `alias-${count}`);
    symlinkSync(dir, alias);
    expect((await loadModelParts(`file://${alias}/model.json`)).weights.length).toBe(4);
  });
});

describe("reads at most what model.json declares", () => {
  it("a weights file larger than declared is refused before it is read, naming the file", async () => {
    const dir = folder();
    const big = new Uint8Array(weights.length + 4);
    big.set(weights);
    writeFileSync(join(dir, "weights.bin"), big);
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(/weights\.bin/);
  });

  it("a model.json larger than the documented limit is refused before it is read", async () => {
    const dir = join(root, `case-${count++}`);
    mkdirSync(dir);
    symlinkSync("/dev/zero", join(dir, "model.json"));
    await expect(settlesQuickly(loadModelParts(`file://${dir}`), 3000, () => undefined)).rejects.toThrow(`loadModel: ${join(dir, "model.json")} is a character device, not a regular file`);
  });
});

describe("dataset files that are not regular files", () => {
  const loaders = [
    ["loadIdxImages", (p: string) => loadIdxImages(p)],
    ["loadIdxLabels", (p: string) => loadIdxLabels(p)],
    ["loadDigitCsv", (p: string) => loadDigitCsv(p)],
  ] as const;

  it.each(loaders)("%s refuses a FIFO at once", (name, load) => {
    const dir = join(root, `data-${count++}`);
    mkdirSync(dir);
    const fifo = join(dir, "data");
    execFileSync("mkfifo", [fifo]);
    // Synchronous: a blocking open would hang the test itself (vitest then times it out).
    expect(() => load(fifo)).toThrow(`${name}: ${fifo} is a FIFO (named pipe), not a regular file`);
  });

  it.each(loaders)("%s refuses /dev/zero and a directory, naming them", (name, load) => {
    expect(() => load("/dev/zero")).toThrow(`${name}: /dev/zero is a character device, not a regular file`);
    expect(() => load(root)).toThrow(`${name}: ${root} is a directory, not a regular file`);
  });

  it("readDataFile refuses a file above its limit before reading it", () => {
    const file = join(root, `big-${count++}`);
    writeFileSync(file, new Uint8Array(100));
    expect(() => readDataFile("test", file, 99)).toThrow(`test: ${file} holds 100 bytes, more than the 99 bytes allowed`);
    expect(readDataFile("test", file, 100).length).toBe(100);
  });
});

describe("simdnet predict's PNG input", () => {
  it("refuses a FIFO or a device as the image, naming it", async () => {
    const { predict } = await import("../../ts/cli/predict.js");
    const dir = join(root, `digits-${count++}`);
    const m = new Sequential({ seed: 1, layers: [layers.flatten({ inputShape: [28, 28, 1] }), layers.dense({ units: 10, activation: "softmax" })] });
    await saveModel(m, `file://${dir}`);
    m.dispose();
    const fifo = join(root, `image-${count++}.png`);
    execFileSync("mkfifo", [fifo]);
    const sink = { write: () => true, isTTY: false, columns: 80 } as unknown as NodeJS.WriteStream;
    await expect(predict([join(dir, "model.json"), fifo], sink)).rejects.toThrow(`predict: ${fifo} is a FIFO (named pipe), not a regular file`);
  });
});
