/**
 * Buffers are sized by the data, not by the batchSize option (issue 12, item 5): a huge
 * batchSize on a few samples plans for those samples; a large predict runs in chunks, so
 * wasm memory (which never shrinks) grows by one chunk's plan, not by every sample's; a
 * fit whose batch cannot fit says which argument to lower and how far, before anything
 * changes; large images work with the default batch size.
 *
 * The tests run in this order on purpose: wasm memory only grows, so the peak-memory
 * measurement comes first, before any other test has grown the memory it would reuse.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Model } from "../../ts/model/model.js";
import { INFERENCE_BUDGET, INFERENCE_CHUNK } from "../../ts/model/memory.js";
import { Sequential } from "../../ts/model/sequential.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import type { Tensor } from "../../ts/tensor.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { liveWorkers } from "../../ts/parallel/spawn.js";
import { expectClose } from "../helpers/assert.js";
import { noiseData, tinyConvNet, weightBits } from "../helpers/models.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const MiB = 2 ** 20;

/** Bytes of one sample's input and layer outputs. */
function perImageBytes(m: Model): number {
  return 4 * [m.inputShape!, ...m.layers.map((l) => l.outputShape!)].reduce((s, sh) => s + sh.reduce((a, b) => a! * b!, 1)!, 0);
}

/** The batch the model's current plan holds (0: none). */
function planBatch(m: Model): number {
  return (m as unknown as { memory: { planBatch: number } }).memory.planBatch;
}

function images(n: number, shape: number[], seed: number): Tensor {
  return { data: randomArray(rng(seed), n * shape.reduce((a, b) => a * b, 1)), shape: [n, ...shape] };
}

describe("memory is sized by the data, not by batchSize", () => {
  it("predicting 2,000 LeNet images at batchSize 2000 grows wasm memory by one chunk's plan, not 2,000 images' worth", () => {
    const core = getCore();
    const m = lenet5();
    const x = images(2000, [28, 28, 1], 1);
    const before = core.memoryBytes;
    const out = m.predict(x, { batchSize: 2000 });
    const growth = core.memoryBytes - before;
    // One image's input and layer outputs (36 KiB for LeNet's "keras" layout) times 2000
    // is over 60 MiB (the plan for all 2000 grew memory by 52 MB before chunking); a chunk's
    // plan holds at most 256 of them, and the weights take < 1 MiB.
    const perImage = perImageBytes(m);
    expect(perImage * 2000).toBeGreaterThan(60 * MiB);
    // The bound docs/reliability.md states: a chunk plans at most 256 samples and 64 MiB.
    expect(growth).toBeLessThanOrEqual(Math.min(64 * MiB, perImage * 256) + 2 * MiB);
    expect([INFERENCE_CHUNK, INFERENCE_BUDGET]).toEqual([256, 64 * MiB]);
    expect(planBatch(m)).toBeLessThanOrEqual(256);
    // Same results as small batches: each sample's output depends on that sample only.
    expect(Array.from(out.data)).toEqual(Array.from(m.predict(x, { batchSize: 7 }).data));
    expect(out.shape).toEqual([2000, 10]);
  });

  it("batchSize 1e9 on 20 samples: predict, activations, evaluate and fit plan for 20 and give what batchSize 20 gives", async () => {
    const core = getCore();
    const { x, y } = noiseData(20, 3);
    const compiled = (): Model => {
      const m = tinyConvNet({ seed: 5, filters: 4 });
      m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
      return m;
    };
    const huge = compiled();
    const ref = compiled();
    const before = core.memoryBytes;
    const out = huge.predict(x, { batchSize: 1e9 });
    expect(planBatch(huge)).toBe(20);
    expect(Array.from(out.data)).toEqual(Array.from(ref.predict(x, { batchSize: 20 }).data));
    const acts = huge.activations(x, { batchSize: 1e9 });
    expect(planBatch(huge)).toBe(20);
    expect(Array.from(acts.at(-1)!.data)).toEqual(Array.from(out.data));
    expect(huge.evaluate(x, y, { batchSize: 1e9 })).toEqual(ref.evaluate(x, y, { batchSize: 20 }));
    await huge.fit(x, y, { batchSize: 1e9, epochs: 2, seed: 9, verbose: 0, validationData: [x, y] });
    expect(planBatch(huge)).toBe(20);
    await ref.fit(x, y, { batchSize: 20, epochs: 2, seed: 9, verbose: 0, validationData: [x, y] });
    expect(weightBits(huge)).toEqual(weightBits(ref));
    // A 20-sample plan of 6x6 images is kilobytes; 1e9 samples would not even be addressable.
    expect(core.memoryBytes - before).toBeLessThanOrEqual(2 * MiB);
  });

  it("a fit whose batch cannot fit in wasm32 memory names batchSize and the largest that fits, with nothing changed", async () => {
    const core = getCore();
    // One sample's training buffers: at the second convolution's backward pass, both
    // convolutions' outputs and their gradients are live, 4 x 512 x 512 x 64 floats =
    // 256 MiB (the input and the rest are about 1 MiB more). wasm32 holds 4 GiB, less a
    // 16 MiB margin: 15 samples (about 3855 MiB) fit, 16 (about 4112 MiB) do not.
    const m = new Sequential({
      seed: 1,
      layers: [
        layers.conv2d({ filters: 64, kernelSize: 1, inputShape: [512, 512, 1] }),
        layers.conv2d({ filters: 64, kernelSize: 1 }),
        layers.maxPooling2d({ poolSize: 64 }),
        layers.flatten(),
        layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    const x = images(20, [512, 512, 1], 2);
    const y: Tensor = { data: Float32Array.from({ length: 20 }, (_, i) => i % 2), shape: [20] };
    m.getWeights(); // places the weights, so that what follows must not change memory
    const state = () => ({ weights: weightBits(m), training: JSON.stringify(m.getTrainingState()), bytes: core.memoryBytes, live: core.liveBuffers, plan: planBatch(m) });
    const was = state();
    await expect(m.fit(x, y, { batchSize: 20, verbose: 0 })).rejects.toThrow(
      /^fit: batchSize 20 needs 51\d\d\.\d MiB of wasm memory for the buffers of one batch, more than the 40\d\d\.\d MiB wasm32 memory has left .*; lower batchSize to 15 or less$/);
    await expect(m.fit(x, y, { batchSize: 16, verbose: 0 })).rejects.toThrow(/^fit: batchSize 16 needs 41\d\d\.\d MiB .*; lower batchSize to 15 or less$/);
    // The default batch size (32) is capped by the 20 samples, and says so.
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/^fit: batchSize 32 needs 51\d\d\.\d MiB .* \(of 20 samples, all there are\), .*lower batchSize to 15 or less$/);
    // A buffer past the 2 GiB a kernel addresses is refused too (here 40 x 64 MiB).
    const x40 = { data: new Float32Array(40 * 512 * 512), shape: [40, 512, 512, 1] };
    const y40: Tensor = { data: new Float32Array(40), shape: [40] };
    await expect(m.fit(x40, y40, { batchSize: 40, verbose: 0 })).rejects.toThrow(/^fit: batchSize 40 needs over 2 GiB .*lower batchSize to 15 or less$/);
    expect(state()).toEqual(was);
  });

  it("two 1700x1700 images: predict, evaluate and fit work with the default batch size", async () => {
    const m = new Sequential({
      seed: 2,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 3, activation: "relu", inputShape: [1700, 1700, 1] }),
        layers.maxPooling2d({ poolSize: 16 }),
        layers.flatten(),
        layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
    const x = images(2, [1700, 1700, 1], 4);
    const y: Tensor = { data: Float32Array.from([0, 1]), shape: [2] };
    const out = m.predict(x);
    expect(out.shape).toEqual([2, 2]);
    // One image's convolution output is 92 MiB, over the chunk budget: chunks of one.
    expect(planBatch(m)).toBe(1);
    const one = m.predict({ data: x.data.subarray(1700 * 1700), shape: [1, 1700, 1700, 1] });
    expect(Array.from(out.data.subarray(2))).toEqual(Array.from(one.data));
    expect(Number.isFinite(m.evaluate(x, y).loss)).toBe(true);
    const h = await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(planBatch(m)).toBe(2);
    expect(Number.isFinite(h.history.loss![0]!)).toBe(true);
  }, 60_000);

  it("batchSize 1e9 with workers: 2 gives each worker a share of the 20 samples, not of 1e9", async () => {
    const { x, y } = noiseData(20, 6);
    const run = async (workers: number) => {
      const m = tinyConvNet({ seed: 7, filters: 3 });
      m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
      await m.fit(x, y, { batchSize: 1e9, epochs: 2, seed: 3, workers, verbose: 0 });
      return m.getWeights();
    };
    const one = await run(1);
    const two = await run(2);
    two.forEach((w, i) => expectClose(w.data, one[i]!.data, `weight ${i}`));
    expect(liveWorkers()).toBe(0);
  }, 60_000);

  it("a sample too large for any plan: predict, evaluate and activations say so, naming the call", () => {
    // One sample's convolution output alone is 1024 x 1024 x 1024 floats = 4 GiB.
    const m = new Sequential({
      seed: 3,
      layers: [
        layers.conv2d({ filters: 1024, kernelSize: 1, inputShape: [1024, 1024, 1] }),
        layers.maxPooling2d({ poolSize: 256 }),
        layers.flatten(),
        layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
    const x = { data: new Float32Array(1024 * 1024), shape: [1, 1024, 1024, 1] };
    const y: Tensor = { data: new Float32Array(1), shape: [1] };
    const core = getCore();
    const bytes = core.memoryBytes;
    expect(() => m.predict(x)).toThrow(/^predict: one sample needs over 2 GiB .* the input is too large for this model$/);
    expect(() => m.activations(x)).toThrow(/^activations: one sample needs /);
    expect(() => m.evaluate(x, y)).toThrow(/^evaluate: one sample needs /);
    expect(core.memoryBytes).toBe(bytes);
  });

  it("when the engine refuses a chunk's memory, predict splits it further and gives the same outputs; fit names batchSize", async () => {
    const core = getCore();
    const { x, y } = noiseData(40, 8);
    const make = () => {
      const m = tinyConvNet({ seed: 4, filters: 2 });
      m.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
      return m;
    };
    const ref = make().predict(x);
    const m = make();
    m.getWeights(); // weights placed before the engine starts refusing
    // An engine (say, a browser tab) that cannot grow memory past what 5 samples need.
    const alloc = core.alloc.bind(core);
    const fiveSamples = 5 * 6 * 6 * 2 * 4 + 64 * 4;
    vi.spyOn(core, "alloc").mockImplementation((length, kind) => {
      if (length * 4 > fiveSamples) throw new Error(`simdnet: out of wasm memory allocating ${length * 4} bytes (memory is ${core.memoryBytes} bytes)`);
      return alloc(length, kind);
    });
    const out = m.predict(x, { batchSize: 40 });
    expect(planBatch(m)).toBeLessThan(40);
    expect(planBatch(m)).toBeGreaterThan(0);
    expect(Array.from(out.data)).toEqual(Array.from(ref.data));
    const before = { weights: weightBits(m), training: JSON.stringify(m.getTrainingState()) };
    await expect(m.fit(x, y, { batchSize: 40, verbose: 0 })).rejects.toThrow(
      /^fit: batchSize 40 needs \d+\.\d MiB of wasm memory for the buffers of one batch, which the engine could not allocate \(simdnet: out of wasm memory .*\); lower batchSize \(e\.g\. to 20\)$/);
    expect({ weights: weightBits(m), training: JSON.stringify(m.getTrainingState()) }).toEqual(before);
  });
});
