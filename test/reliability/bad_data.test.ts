/**
 * Bad data: every call that receives it throws a plain Error naming the argument and
 * the place (index, row, weight, file), leaves the model bit for bit as it was and wasm
 * memory as it was (no buffers left behind, no growth). Covers the arrays given to fit,
 * evaluate and predict, and damaged saved files: truncated, bit-flipped, resized,
 * declaring huge shapes or holding NaN, and a weights.bin from another save. Saved
 * model.json records the CRC-32 of the weights; damage to the weights is also checked
 * without it (as in a TF.js file) to reach the size and value checks behind it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSequential } from "../../ts/io/sequential_io.js";
import type { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { tinyConvNet, weightBits } from "../helpers/models.js";
import { randomArray, rng } from "../helpers/random.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-bad-data-"));
beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function small(loss: string): Sequential {
  const m = tinyConvNet({ seed: 1, filters: 2 });
  m.compile({ optimizer: optimizers.adam(), loss, metrics: ["accuracy"] });
  return m;
}

function inputs(n: number, seed = 2): Tensor {
  return { data: randomArray(rng(seed), n * 36), shape: [n, 6, 6, 1] };
}

function sparse(n: number): Tensor {
  return { data: Float32Array.from({ length: n }, (_, i) => i % 3), shape: [n] };
}

function oneHot(n: number): Tensor {
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) data[i * 3 + (i % 3)] = 1;
  return { data, shape: [n, 3] };
}

function withValue(t: Tensor, index: number, value: number): Tensor {
  const data = new Float32Array(t.data);
  data[index] = value;
  return { data, shape: t.shape };
}

/** Model state and wasm memory, to compare before and after a failed call. */
function state(m: Sequential): unknown {
  const core = getCore();
  return { weights: weightBits(m), training: JSON.stringify(m.getTrainingState()), bytes: core.memoryBytes, live: core.liveBuffers };
}

async function expectRefused(m: Sequential, call: () => unknown, message: string | RegExp): Promise<void> {
  const before = state(m);
  let error: unknown = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, String(message)).toBeInstanceOf(Error);
  expect((error as Error).constructor).toBe(Error);
  if (typeof message === "string") expect((error as Error).message).toContain(message);
  else expect((error as Error).message).toMatch(message);
  expect(state(m)).toEqual(before);
}

describe("bad arrays for fit, evaluate and predict", () => {
  it("NaN or Infinity anywhere in x is refused naming the index, by all three calls", async () => {
    const m = small("sparseCategoricalCrossentropy");
    const x = inputs(5);
    const y = sparse(5);
    m.predict(x);
    await m.fit(x, y, { epochs: 1, verbose: 0 }); // plan and optimizer state exist
    const next = rng(9);
    for (let trial = 0; trial < 12; trial++) {
      const index = Math.floor(next() * x.data.length);
      const value = [Number.NaN, Infinity, -Infinity][trial % 3]!;
      const bad = withValue(x, index, value);
      const text = `x holds ${value} at index ${index}; inputs must be finite`;
      await expectRefused(m, () => m.fit(bad, y, { verbose: 0 }), `fit: ${text}`);
      await expectRefused(m, () => m.evaluate(bad, y), `evaluate: ${text}`);
      await expectRefused(m, () => m.predict(bad), `predict: ${text}`);
      await expectRefused(m, () => m.fit(x, y, { verbose: 0, validationData: [bad, y] }), `fit: validationData[0] holds ${value} at index ${index}`);
    }
    m.dispose();
  });

  it("class indices out of range, fractional or NaN are refused naming the sample", async () => {
    const m = small("sparseCategoricalCrossentropy");
    const x = inputs(5);
    for (const [i, v] of [[0, 3], [4, -1], [2, 1.5], [1, Number.NaN], [3, 1e9]] as const) {
      const y = withValue(sparse(5), i, v);
      await expectRefused(m, () => m.fit(x, y, { verbose: 0 }), `fit: y[${i}] is ${v}, expected a class index: a whole number in [0, 3)`);
      await expectRefused(m, () => m.evaluate(x, y), `evaluate: y[${i}] is ${v}`);
    }
    m.dispose();
  });

  it("one-hot rows that are not one-hot are refused naming the row", async () => {
    const m = small("categoricalCrossentropy");
    const x = inputs(4);
    const cases: [number[], number][] = [
      [[1, 1, 0], 2], // two classes
      [[0, 0, 0], 0], // none
      [[2, -1, 0], 3], // sums to 1 but out of [0, 1]
      [[0.5, 0.75, 0], 1],
    ];
    for (const [row, at] of cases) {
      const y = oneHot(4);
      y.data.set(row, at * 3);
      const message = `y row ${at} is [${row.join(", ")}]`;
      await expectRefused(m, () => m.fit(x, y, { verbose: 0 }), `fit: ${message}`);
      await expectRefused(m, () => m.evaluate(x, y), `evaluate: ${message}`);
    }
    // Smoothed labels are distributions, and accepted.
    const smooth = oneHot(4);
    smooth.data.set([0.9, 0.05, 0.05], 0);
    expect(Number.isFinite(m.evaluate(x, smooth).loss)).toBe(true);
    m.dispose();
  });

  it("x and y of different lengths, and wrong shapes, are refused", async () => {
    const m = small("sparseCategoricalCrossentropy");
    const x = inputs(6);
    const cases: [() => unknown, string][] = [
      [() => m.fit(x, sparse(5), { verbose: 0 }), "fit: x has 6 samples but y has 5 (shape [5])"],
      [() => m.evaluate(x, sparse(7)), "evaluate: x has 6 samples but y has 7 (shape [7])"],
      [() => m.fit({ data: x.data, shape: [6, 36] }, sparse(6), { verbose: 0 }), "fit: x has shape [6, 36], expected [n, 6, 6, 1]"],
      [() => m.predict({ data: x.data, shape: [6, 6, 6] }), "predict: x has shape [6, 6, 6], expected [n, 6, 6, 1]"],
      [() => m.predict({ data: x.data.subarray(1), shape: [6, 6, 6, 1] }), "predict: x holds 215 values, expected 216 for shape [6, 6, 6, 1]"],
      [() => m.evaluate(x, { data: new Float32Array(5), shape: [6] }), "evaluate: y holds 5 values, expected 6 for shape [6]"],
      [() => m.predict([1, 2, 3] as never), "predict: x must be a tensor { data: Float32Array, shape }, received an Array of 3 items; make one with tensor(values, shape)"],
      [() => m.fit(x, { data: new Int32Array(6), shape: [6] } as never, { verbose: 0 }), "fit: y must be a tensor { data: Float32Array, shape }, received an object whose data is an Int32Array of 6 values"],
      [() => m.evaluate(x.data as never, sparse(6)), "evaluate: x must be a tensor { data: Float32Array, shape }, received a Float32Array of 216 values; make one with tensor(values, shape)"],
    ];
    for (const [call, message] of cases) await expectRefused(m, call, message);
    m.dispose();
  });
});

describe("damaged saved files", () => {
  /** A model trained `epochs` epochs, saved with its optimizer state; returns the file paths and bytes. */
  async function saved(name: string, epochs = 1): Promise<{ dir: string; json: string; weights: Buffer }> {
    const m = small("sparseCategoricalCrossentropy");
    await m.fit(inputs(6), sparse(6), { epochs, verbose: 0, seed: 1 });
    const dir = join(root, name);
    await m.save(`file://${dir}`, { includeOptimizer: true });
    m.dispose();
    return { dir, json: readFileSync(join(dir, "model.json"), "utf8"), weights: readFileSync(join(dir, "weights.bin")) };
  }

  /** `json` without the weights' fingerprint, as TF.js writes model.json. */
  function unfingerprinted(json: string): string {
    const doc = JSON.parse(json);
    delete doc.userDefinedMetadata.simdnet.weightsBytes;
    delete doc.userDefinedMetadata.simdnet.weightsCrc32;
    return JSON.stringify(doc);
  }
  const mismatch = (dir: string, found: string) =>
    new RegExp(`^loadModel: ${join(dir, "weights.bin")} does not match ${join(dir, "model.json")}: the files come from different saves or weights\\.bin is damaged \\(model\\.json records \\d+ bytes of weights with CRC-32 0x[0-9a-f]{8}, the weights hold ${found}\\)$`);

  /** Writes the damaged files, loads them and expects a plain Error; wasm memory untouched. */
  async function expectLoadRefused(dir: string, json: string, weights: Uint8Array, message: string | RegExp | null): Promise<"refused" | "loaded"> {
    writeFileSync(join(dir, "model.json"), json);
    writeFileSync(join(dir, "weights.bin"), weights);
    const witness = small("sparseCategoricalCrossentropy");
    const core = getCore();
    const before = { witness: state(witness), bytes: core.memoryBytes, live: core.liveBuffers };
    let error: unknown = null;
    let model: Model | null = null;
    try {
      model = await loadSequential(`file://${dir}/model.json`);
    } catch (e) {
      error = e;
    }
    if (model) {
      // A flip that leaves a valid file (e.g. in a mantissa) loads a model that works.
      expect(message).toBeNull();
      expect(model.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
      model.dispose();
      witness.dispose();
      return "loaded";
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor, (error as Error).message).toBe(Error);
    expect((error as Error).message).not.toMatch(/Cannot read|undefined is not|is not a function|unreachable/);
    if (typeof message === "string") expect((error as Error).message).toContain(message);
    else if (message) expect((error as Error).message).toMatch(message);
    expect({ witness: state(witness), bytes: core.memoryBytes, live: core.liveBuffers }).toEqual(before);
    witness.dispose();
    return "refused";
  }

  it("model.json truncated at any point is refused as invalid JSON", async () => {
    const { dir, json, weights } = await saved("truncated-json");
    const next = rng(3);
    for (let trial = 0; trial < 15; trial++) {
      const cut = Math.floor(next() * (json.length - 1));
      await expectLoadRefused(dir, json.slice(0, cut), weights, `${join(dir, "model.json")} is not valid JSON`);
    }
  });

  it("weights.bin truncated or oversized is refused before it is read", async () => {
    const { dir, json, weights } = await saved("resized-weights");
    const plain = unfingerprinted(json);
    for (const size of [0, 4, weights.length - 4, weights.length - 1]) {
      await expectLoadRefused(dir, json, weights.subarray(0, size), mismatch(dir, `${size} bytes`));
      await expectLoadRefused(dir, plain, weights.subarray(0, size), `loadModel: weights are truncated: model.json declares ${weights.length} bytes, the files hold ${size}`);
    }
    const longer = new Uint8Array(weights.length + 8);
    longer.set(weights);
    await expectLoadRefused(dir, json, longer, mismatch(dir, `${weights.length + 8} bytes`));
    await expectLoadRefused(dir, plain, longer, `loadModel: weights are oversized: model.json declares ${weights.length} bytes, the files hold ${weights.length + 8}`);
  });

  it("a weights.bin from another save of the same shapes is refused (a crash between the renames)", async () => {
    // Two checkpoints of one run, after epochs 1 and 2: the same shapes, other values.
    const older = await saved("mixed-older", 1);
    const { dir, json, weights } = await saved("mixed-newer", 2);
    expect(weights.equals(older.weights)).toBe(false);
    // Either pairing: model.json renamed first leaves new JSON + old weights; the reverse, old JSON + new weights.
    await expectLoadRefused(dir, json, older.weights, mismatch(dir, `${weights.length} bytes with CRC-32 0x[0-9a-f]{8}`));
    await expectLoadRefused(dir, older.json, weights, mismatch(dir, `${weights.length} bytes with CRC-32 0x[0-9a-f]{8}`));
    expect(await expectLoadRefused(dir, json, weights, null)).toBe("loaded");
  });

  it("NaN or Infinity in a weight or in the optimizer state is refused naming it", async () => {
    const { dir, json, weights } = await saved("nan-weights");
    const nan = new Uint8Array(weights);
    new DataView(nan.buffer).setFloat32(4 * 3, Number.NaN, true);
    await expectLoadRefused(dir, json, nan, mismatch(dir, `${weights.length} bytes with CRC-32 0x[0-9a-f]{8}`));
    // Without the checksum (a TF.js file), the value check names the weight.
    const plain = unfingerprinted(json);
    await expectLoadRefused(dir, plain, nan, "load: weight conv2d/kernel has NaN at index 3; expected finite numbers");
    const inf = new Uint8Array(weights);
    // The last float is the Adam v slot of the dense bias's last element.
    new DataView(inf.buffer).setFloat32(inf.length - 4, Infinity, true);
    await expectLoadRefused(dir, plain, inf, "load: weight dense/bias/v (optimizer state) has Infinity at index 2");
  });

  it("declared huge or mismatched shapes are refused without allocating them", async () => {
    const { dir, json, weights } = await saved("huge-shapes");
    const doc = JSON.parse(json);
    const specs = doc.weightsManifest[0].weights;
    specs[0].shape = [3, 3, 1, 2_000_000_000];
    await expectLoadRefused(dir, JSON.stringify(doc), weights, `loadModel: ${join(dir, "model.json")} is damaged: userDefinedMetadata.simdnet.weightsBytes is ${weights.length}, its weights manifest declares 72000000496 bytes`);
    await expectLoadRefused(dir, unfingerprinted(JSON.stringify(doc)), weights, `loadModel: weights are truncated: model.json declares 72000000496 bytes, the files hold ${weights.length}`);
    specs[0].shape = [1e300];
    await expectLoadRefused(dir, JSON.stringify(doc), weights, "weights manifest: weight \"conv2d/kernel\" shape[0]: received 1e+300, expected a whole number >= 0");
    const filters = JSON.parse(json);
    filters.modelTopology.config.layers[0].config.filters = 1_000_000_000;
    await expectLoadRefused(dir, JSON.stringify(filters), weights, 'weights manifest: weight "conv2d/kernel" has shape [3, 3, 1, 2], the topology expects [3, 3, 1, 1000000000]');
    const iter = JSON.parse(json);
    iter.weightsManifest[0].weights.find((s: { name: string }) => s.name === "iter").dtype = "constructor";
    await expectLoadRefused(dir, JSON.stringify(iter), weights, 'weights manifest: weight "iter" dtype: received "constructor", expected "float32" or "int32"');
  });

  it("random bit flips: in weights.bin always refused; in model.json a plain Error or a working model, never a crash", async () => {
    const { dir, json, weights } = await saved("bit-flips");
    const next = rng(17);
    const text = new TextEncoder().encode(json);
    const flippedWeights = mismatch(dir, `${weights.length} bytes with CRC-32 0x[0-9a-f]{8}`);
    let jsonRefused = 0;
    for (let trial = 0; trial < 60; trial++) {
      const flipJson = trial % 2 === 0;
      const bytes = new Uint8Array(flipJson ? text : weights);
      const at = Math.floor(next() * bytes.length);
      bytes[at]! ^= 1 << Math.floor(next() * 8);
      if (flipJson) {
        if ((await expectLoadRefused(dir, new TextDecoder().decode(bytes), weights, null)) === "refused") jsonRefused++;
      } else {
        await expectLoadRefused(dir, json, bytes, flippedWeights);
      }
    }
    // Most JSON flips break a name, a number or the syntax, or change the recorded CRC.
    // The checksum covers only the weights: a flip in, say, a digit of the learning rate
    // still loads, as a working model.
    expect(jsonRefused).toBeGreaterThan(10);
    // A flip in a float's mantissa leaves a finite value: only the checksum sees it.
    for (const bit of [0, 9, 22]) {
      const mantissa = new Uint8Array(weights);
      mantissa[4 * 7 + (bit >> 3)]! ^= 1 << (bit & 7);
      await expectLoadRefused(dir, json, mantissa, flippedWeights);
    }
    // Exponent bits all set (what flips in a float's high bits tend toward) make NaN or
    // Infinity, which the value check refuses even without the checksum.
    const exp = new Uint8Array(weights);
    exp[4 * 5 + 3]! |= 0x7f; // float 5, little-endian: 7 exponent bits in byte 3,
    exp[4 * 5 + 2]! |= 0x80; // the 8th at the top of byte 2
    await expectLoadRefused(dir, json, exp, flippedWeights);
    await expectLoadRefused(dir, unfingerprinted(json), exp, /load: weight conv2d\/kernel has (NaN|-?Infinity) at index 5/);
  });
});
