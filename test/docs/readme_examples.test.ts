/**
 * README.md's TypeScript examples work as written.
 *
 * Each ```ts block of README.md is extracted at test time and run, in order, as a module
 * under test/docs/.tmp/ (git-ignored, removed afterwards) with `from "simdnet"` pointing
 * at ts/index.ts; later blocks see what earlier ones declared (see readme_blocks.ts). The
 * process works in a fresh directory under .tmp while they run, so the examples' relative
 * "file://./models/..." paths stay inside it.
 *
 * One test-only change keeps the file quick: every `epochs: N` in the examples becomes
 * `epochs: 1` (EPOCHS below). Nothing else in the code is touched.
 *
 * Besides "it runs without throwing", each block is checked for what the README promises:
 * the summary table, that every fit ran its epochs and returned a History, that evaluate
 * reports a model that has learned, that a saved and loaded model predicts exactly the
 * same, and that training on augmented batches changes the weights. A final test makes
 * sure these checks all fired, so that the README cannot lose them unnoticed.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { History, Model, Sequential, type Tensor } from "../../ts/index.js";
import { blockModules, tsBlocks } from "./readme_blocks.js";

/** Epochs every `fit` in the examples runs for in this test. */
const EPOCHS = 1;

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = tsBlocks(readme);
const runDir = join(root, "test", "docs", ".tmp", `run-${process.pid}-${Date.now().toString(36)}`);
const workDir = join(runDir, "cwd");
const entry = relative(runDir, join(root, "ts", "index.js")).split(sep).join("/");
const fileName = (index: number): string => `readme-block-${index}.ts`;
const modules = blockModules(blocks, {
  entry,
  fileName,
  rewrite: (code) => code.replace(/\bepochs:\s*\d+/g, `epochs: ${EPOCHS}`),
});

/** What each block exported, for the blocks after it. */
const exportsOf = new Map<number, Record<string, unknown>>();
/** Which of the README's promises were checked (see the last test). */
const checked = new Set<string>();
const originalCwd = process.cwd();

beforeAll(() => {
  mkdirSync(workDir, { recursive: true });
  modules.forEach((source, i) => writeFileSync(join(runDir, fileName(i + 1)), source));
  // Vitest runs each test file in its own forked process (vitest.config.ts: pool "forks"),
  // where changing the working directory is allowed and affects no other file.
  process.chdir(workDir);
});

afterAll(() => {
  process.chdir(originalCwd);
  for (const ex of exportsOf.values()) {
    for (const value of Object.values(ex)) if (value instanceof Sequential) value.dispose();
  }
  rmSync(runDir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(runDir)); // .tmp itself, unless another run is using it
  } catch {
    // not empty: leave it
  }
});

/** The latest value any earlier block exported under `name`. */
function earlier(name: string, before: number): unknown {
  for (let i = before - 1; i >= 1; i--) {
    const ex = exportsOf.get(i);
    if (ex && name in ex) return ex[name];
  }
  return undefined;
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && (v as Tensor).data instanceof Float32Array && Array.isArray((v as Tensor).shape);
}

function sameWeights(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => t.data.length === b[i]!.data.length && t.data.every((v, j) => v === b[i]!.data[j]));
}

describe("README.md TypeScript examples", () => {
  it("has TypeScript examples to check", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.some((b) => /\bepochs:\s*\d+/.test(b.code)), "no `epochs:` to shorten; update EPOCHS' comment").toBe(true);
  });

  for (const block of blocks) {
    it(`block ${block.index} (README.md line ${block.line}) runs and does what it says`, async () => {
      const printed: unknown[][] = [];
      const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        printed.push(args);
      });
      const previousModel = earlier("model", block.index);
      const before = previousModel instanceof Sequential ? previousModel.getWeights() : null;
      let ex: Record<string, unknown>;
      try {
        ex = (await import(pathToFileURL(join(runDir, fileName(block.index))).href)) as Record<string, unknown>;
      } finally {
        log.mockRestore();
      }
      exportsOf.set(block.index, ex);
      const lines = printed.filter((args) => typeof args[0] === "string").map((args) => args[0] as string);
      const model = ex.model instanceof Sequential ? ex.model : previousModel instanceof Sequential ? previousModel : null;

      // Every fit printed one line per epoch (verbose defaults to 1): it ran EPOCHS epochs.
      const fits = (block.code.match(/\.fit\(/g) ?? []).length;
      if (!/verbose:\s*0/.test(block.code)) {
        expect(lines.filter((l) => l.startsWith(`Epoch ${EPOCHS}/${EPOCHS} - `)).length, "epoch lines of fit").toBe(fits);
        if (fits > 0) checked.add("fit ran");
      }

      const summarized = /(\w+)\.summary\(/.exec(block.code);
      if (summarized) {
        // The model the block summarizes: the binding it calls summary on (a graph model in
        // the functional example), else the walkthrough's Sequential.
        const named = ex[summarized[1]!] ?? earlier(summarized[1]!, block.index);
        const summarizedModel = named instanceof Model ? named : model;
        const table = lines.join("\n");
        expect(table).toContain(`Model: "${summarizedModel?.name}"`);
        expect(table).toContain(`Total params: ${summarizedModel!.countParams().toLocaleString("en-US")}`);
        if (/explain:\s*true/.test(block.code)) expect(table).toMatch(/output: \(\d+ [+-] /);
        checked.add("summary");
      }

      if ("history" in ex) {
        const history = ex.history as History;
        expect(history).toBeInstanceOf(History);
        expect(history.epoch).toEqual([...Array(EPOCHS).keys()]);
        for (const values of Object.values(history.history)) expect(values).toHaveLength(EPOCHS);
        expect(Object.keys(history.history)).toEqual(expect.arrayContaining(["loss"]));
        if (/validationSplit|validationData/.test(block.code)) expect(Object.keys(history.history)).toContain("val_loss");
        if (/reduceLROnPlateau/.test(block.code)) expect(Object.keys(history.history)).toContain("learning_rate");
        if (/metrics:\s*\[\s*"acc(uracy)?"/.test(block.code)) expect(Object.keys(history.history)).toContain("accuracy");
        checked.add("history");
      }

      // An evaluate result the block prints: `{ loss, accuracy }` of a model that learned.
      for (const args of printed) {
        const value = args[0] as { loss?: unknown; accuracy?: unknown } | undefined;
        if (typeof value !== "object" || value === null || typeof value.loss !== "number") continue;
        expect(Number.isFinite(value.loss)).toBe(true);
        if (typeof value.accuracy === "number") {
          // LeNet-5 on the bundled MNIST digits is past 90% after one epoch; 0.8 leaves room.
          expect(value.accuracy).toBeGreaterThan(0.8);
          checked.add("evaluate");
        }
      }

      // A model loaded back from what the block saved predicts exactly like the original.
      if (ex.again instanceof Sequential && model) {
        const x = (ex.test as { x?: unknown } | undefined)?.x ?? (earlier("test", block.index) as { x?: unknown } | undefined)?.x;
        expect(isTensor(x), "the block's test.x").toBe(true);
        const expected = model.predict(x as Tensor);
        const probabilities = isTensor(ex.probabilities) ? ex.probabilities : ex.again.predict(x as Tensor);
        expect(probabilities.shape).toEqual(expected.shape);
        expect(sameWeights([probabilities], [expected]), "loaded model's predictions").toBe(true);
        expect(sameWeights(ex.again.getWeights(), model.getWeights())).toBe(true);
        const saved = /save\(\s*"file:\/\/([^"]+)"/.exec(block.code);
        if (saved) {
          for (const file of ["model.json", "weights.bin"]) expect(statSync(join(workDir, saved[1]!, file)).size).toBeGreaterThan(0);
        }
        checked.add("save and load");
      }

      // Training an earlier block's model (e.g. on augmented batches) changes its weights.
      if (before && /\bmodel\.fit\(/.test(block.code) && previousModel instanceof Sequential && !("model" in ex)) {
        expect(sameWeights(previousModel.getWeights(), before), "weights after fit").toBe(false);
        if (/ImageDataGenerator/.test(block.code)) checked.add("augmented fit");
      }
    });
  }

  it("checked every promise of the examples", () => {
    expect([...checked].sort()).toEqual(["augmented fit", "evaluate", "fit ran", "history", "save and load", "summary"]);
  });
});
