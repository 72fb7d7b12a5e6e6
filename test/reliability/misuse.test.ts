/**
 * The smaller cases of careless use and damaged input (issue 12, item 6): each gets a
 * plain Error naming the call, the argument and what was expected, before anything
 * changes; and nothing waits forever or grows without bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BatchSource } from "../../ts/data/batch_source.js";
import { parseDigitCsvBytes } from "../../ts/data/csv.js";
import { parseIdx } from "../../ts/data/idx.js";
import { decodePng } from "../../ts/data/png.js";
import { loadModelParts, saveModel } from "../../ts/io/handlers.js";
import { describeValue } from "../../ts/io/json.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { liveWorkers } from "../../ts/parallel/spawn.js";
import { parallelTesting } from "../../ts/parallel/data_parallel.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { thirdsData, tinyConvNet, weightBits } from "../helpers/models.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-misuse-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function compiled(): Sequential {
  const m = tinyConvNet({ seed: 1, filters: 2 });
  m.compile({ optimizer: optimizers.adam(), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** A call that must be refused with `message`, leaving weights, training state and wasm memory as they were. */
async function refused(m: Sequential, call: () => unknown, message: string | RegExp): Promise<void> {
  const core = getCore();
  const before = { w: weightBits(m), t: JSON.stringify(m.getTrainingState()), bytes: core.memoryBytes, live: core.liveBuffers };
  await expect((async () => call())()).rejects.toThrow(message);
  expect({ w: weightBits(m), t: JSON.stringify(m.getTrainingState()), bytes: core.memoryBytes, live: core.liveBuffers }).toEqual(before);
}

describe("a hand-written BatchSource's batchSize", () => {
  const source = (batchSize: unknown): BatchSource => {
    const { x, y } = thirdsData(12, 1);
    return {
      length: 12,
      batchSize: batchSize as number,
      sampleShape: [6, 6, 1],
      labelShape: [],
      startEpoch: () => undefined,
      fill: (start, count, xs, ys) => {
        xs.set(x.data.subarray(start * 36, (start + count) * 36));
        ys.set(y.data.subarray(start, start + count));
      },
    };
  };

  it.each([0, 2.5, NaN, "8", -1, Infinity])("%s is refused, naming the source", async (bad) => {
    const m = compiled();
    await refused(m, () => m.fit(source(bad), { epochs: 1, verbose: 0 }), `fit: the batch source's batchSize is ${describeValue(bad)}, expected a whole number >= 1`);
    m.dispose();
  });

  it("a good one trains", async () => {
    const m = compiled();
    const h = await m.fit(source(4), { epochs: 1, verbose: 0 });
    expect(h.history.loss!.length).toBe(1);
    m.dispose();
  });
});

describe("model.json", () => {
  let saved: { modelJson: Record<string, unknown>; weights: ArrayBuffer };
  beforeAll(async () => {
    const m = new Sequential({ seed: 2, layers: [layers.flatten({ inputShape: [6, 6, 1] }), layers.dense({ units: 3, activation: "softmax" })] });
    const s = await saveModel(m);
    m.dispose();
    saved = { modelJson: JSON.parse(JSON.stringify(s.modelJson)), weights: s.weights };
  });

  const nested = (depth: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  };
  /** model.json text with `field` of layer 1 set to an array nested `depth` deep (written as text: JSON.stringify itself recurses). */
  const deepText = (field: string, depth: number): string => {
    const json = JSON.parse(JSON.stringify(saved.modelJson));
    json.modelTopology.config.layers[1].config[field] = "DEEP";
    return JSON.stringify(json).replace('"DEEP"', `${"[".repeat(depth)}1${"]".repeat(depth)}`);
  };

  it("a 5,000-deep nested array in a field is an error naming the file and the field", async () => {
    const dir = join(root, "deep");
    await saveTo(dir, deepText("units", 5000), saved.weights);
    // Refused by its nesting (over 100 levels) before any field is read: the path names it.
    const file = join(dir, "model.json");
    await expect(loadModelParts(`file://${dir}`)).rejects.toThrow(`loadModel: ${file}: ${file} at modelTopology.config.layers[1].config.units[0][0][0][0][0][0]...: received arrays and objects nested deeper than 100 levels, expected at most 100`);
  });

  it("deep nesting in an unknown field or a whole 100,000-deep document is refused cleanly", async () => {
    await expect(loadModelParts({ modelJson: deepText("surprise", 5000), weights: saved.weights })).rejects.toThrow(/surprise/);
    const text = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    await expect(loadModelParts({ modelJson: text, weights: saved.weights })).rejects.toThrow(/^source\.modelJson/);
  });

  it("describeValue stays short and finite on deep, wide and cyclic values", () => {
    expect(describeValue(nested(100_000))).toMatch(/^\[{77}\.\.\.$/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toMatch(/^\{"a":1,"self":\{"a":1,"self":/);
    expect(describeValue({ a: [1, "x", null, undefined, true] })).toBe('{"a":[1,"x",null,null,true]}');
    expect(describeValue(new Array(1e6).fill(7)).length).toBe(80);
  });

  it("loading takes time linear in the number of layers (it was quadratic: 80,000 layers took 26.6 s)", async () => {
    const json = JSON.parse(JSON.stringify(saved.modelJson));
    delete json.userDefinedMetadata;
    const topology = json.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
    const flatten = topology[0]!;
    const many = (n: number) => {
      const doc = JSON.parse(JSON.stringify(json));
      doc.modelTopology.config.layers = [flatten, ...Array.from({ length: n }, (_, i) => ({ class_name: "Activation", config: { name: `act_${i}`, trainable: true, dtype: "float32", activation: "relu" } }))];
      doc.weightsManifest = [{ paths: ["weights.bin"], weights: [] }];
      return doc;
    };
    // The scaling, not the speed: 8 times the layers may take at most about 8 times as long
    // (quadratic work would take 64 times). Best of three runs each, against noise.
    const time = async (n: number) => {
      const doc = many(n);
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const began = performance.now();
        await loadModelParts({ modelJson: doc, weights: new ArrayBuffer(0) });
        best = Math.min(best, performance.now() - began);
      }
      return best;
    };
    const small = await time(5000);
    const large = await time(40_000);
    expect(large / small).toBeLessThan(24);
  });
});

async function saveTo(dir: string, text: string, weights: ArrayBuffer): Promise<void> {
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), text);
  writeFileSync(join(dir, "weights.bin"), new Uint8Array(weights));
}

describe("detached buffers", () => {
  const detached = (): ArrayBuffer => {
    const b = new ArrayBuffer(16);
    structuredClone(b, { transfer: [b] });
    return b;
  };

  it("loadModel names a detached weights buffer", async () => {
    const m = new Sequential({ seed: 2, layers: [layers.flatten({ inputShape: [6, 6, 1] }), layers.dense({ units: 3 })] });
    const s = await saveModel(m);
    m.dispose();
    await expect(loadModelParts({ modelJson: s.modelJson, weights: detached() })).rejects.toThrow(
      "loadModel: source.weights is a detached ArrayBuffer (it was transferred, e.g. to a worker, and holds nothing now); pass a buffer that still holds the bytes",
    );
    const buffer = new ArrayBuffer(16);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    await expect(loadModelParts({ modelJson: s.modelJson, weights: view })).rejects.toThrow("loadModel: source.weights is a detached ArrayBuffer");
  });

  it("the byte parsers name a view of a detached buffer instead of calling it empty or truncated", () => {
    const b = new ArrayBuffer(16);
    const view = new Uint8Array(b);
    structuredClone(b, { transfer: [b] });
    expect(() => parseIdx(view)).toThrow("parseIdx: bytes is a view of a detached ArrayBuffer");
    expect(() => decodePng(view)).toThrow("decodePng: bytes is a view of a detached ArrayBuffer");
    expect(() => parseDigitCsvBytes(view)).toThrow("parseDigitCsv: bytes is a view of a detached ArrayBuffer");
  });
});

describe("shapes and options", () => {
  it("a negative dimension in a tensor's shape is named as such", async () => {
    const m = compiled();
    const x = { data: new Float32Array(0), shape: [-10, 6, 6, 1] };
    const y = { data: new Float32Array(0), shape: [-10] };
    await refused(m, () => m.fit(x, y, { verbose: 0 }), "fit: x has shape [-10, 6, 6, 1]: the sample count -10 is not a whole number >= 0");
    await refused(m, () => m.predict(x), "predict: x has shape [-10, 6, 6, 1]: the sample count -10 is not a whole number >= 0");
    await refused(m, () => m.fit({ data: new Float32Array(36), shape: [1, 6, 6, 1] }, { data: new Float32Array(0), shape: [-1] }, { verbose: 0 }), "fit: y has shape [-1]: the sample count -1 is not a whole number >= 0");
    m.dispose();
  });

  it("fit(x, y, null) is refused", async () => {
    const m = compiled();
    const { x, y } = thirdsData(6, 1);
    await refused(m, () => m.fit(x, y, null as never), "fit: options must be an object, received null");
    m.dispose();
  });

  it("workers beyond the machine's cores (at least 4) are refused", async () => {
    const m = compiled();
    const { x, y } = thirdsData(6, 1);
    const { availableParallelism } = await import("node:os");
    const limit = Math.max(4, availableParallelism());
    await refused(m, () => m.fit(x, y, { workers: limit + 1, verbose: 0 }), `fit: workers is ${limit + 1}, more than the ${limit} this machine runs at once (${availableParallelism()} cores, at least 4 allowed)`);
    m.dispose();
  });
});

describe("a worker that stops answering", () => {
  afterEach(() => {
    parallelTesting.failAtStep = 0;
    parallelTesting.timeoutMs = null;
  });

  it.each(["shared", "message"] as const)("fit rejects after the timeout (%s transport), restores the weights and stops every worker", async (transport) => {
    const m = compiled();
    const { x, y } = thirdsData(24, 1);
    const before = weightBits(m);
    parallelTesting.transport = transport;
    parallelTesting.failAtStep = -2; // stop answering at step 2
    parallelTesting.timeoutMs = 1500;
    try {
      await expect(m.fit(x, y, { epochs: 1, batchSize: 8, workers: 2, verbose: 0 })).rejects.toThrow(
        /^fit: data-parallel worker 1 did not answer within 1\.5 s \(step 2\); it was stopped/,
      );
    } finally {
      parallelTesting.transport = null;
    }
    expect(weightBits(m)).toEqual(before);
    expect(liveWorkers()).toBe(0);
    m.dispose();
  }, 30_000);
});

describe("simdnet train --out", () => {
  it("a destination that cannot be a directory is refused before any training", async () => {
    const { train } = await import("../../ts/cli/train.js");
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    let written = "";
    const out = { write: (s: string) => ((written += s), true), isTTY: false, columns: 80 } as unknown as NodeJS.WriteStream;
    await expect(train(["--out", file, "--epochs", "1", "--quiet"], out)).rejects.toThrow(`--out ${file} is a file, not a directory`);
    await expect(train(["--out", join(file, "sub", "model"), "--epochs", "1", "--quiet"], out)).rejects.toThrow(`--out ${join(file, "sub", "model")}: ${file} is a file, so the directory cannot be made`);
    expect(written).toBe(""); // nothing was loaded or trained
  });
});
