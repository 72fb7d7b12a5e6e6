/**
 * Random preprocessing layers (randomFlip, randomRotation, randomZoom, randomTranslation,
 * randomContrast) under data-parallel training: each sample's transform is drawn from
 * (seed, step, its position in the whole batch), so a replica training on a shard must
 * draw, for each of its samples, what one-worker training draws for that sample.
 * Checked on the augmented images themselves (each layer's output, recorded per sample)
 * and on the trained weights of `fit` with 1 and 2 workers.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { layerFromConfig, layers } from "../../ts/layers/index.js";
import type { Layer, LayerBuffers, Pass } from "../../ts/layers/layer.js";
import { RandomImageLayer } from "../../ts/layers/preprocessing/random_image_layer.js";
import { chainInbound } from "../../ts/model/graph.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { shardSizes } from "../../ts/parallel/data_parallel.js";
import { jobBytes, jobViews, type JobSizes } from "../../ts/parallel/job_buffer.js";
import { Replica, replicaLayers } from "../../ts/parallel/replica.js";
import { liveWorkers } from "../../ts/parallel/spawn.js";
import type { LayerDescriptor } from "../../ts/io/topology.js";
import { sizeOf } from "../../ts/shapes.js";
import { createCore, init } from "../../ts/wasm/loader.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { runShards } from "../helpers/replica.js";

const SHAPE = [7, 6, 2];
const CLASSES = 3;

let replicaCore: WasmCore;

beforeAll(async () => {
  await init();
  replicaCore = await createCore("simd");
});

afterEach(() => {
  expect(liveWorkers()).toBe(0);
});

/** Every kind of random image layer, one with its own seed, then a small classifier. */
function augmentedModel(seed: number): Sequential {
  const m = new Sequential({
    seed,
    layers: [
      layers.randomFlip({ mode: "horizontal_and_vertical", inputShape: SHAPE }),
      layers.randomRotation({ factor: 0.2 }),
      layers.randomZoom({ heightFactor: 0.3 }),
      layers.randomTranslation({ heightFactor: 0.2, widthFactor: 0.2, fillMode: "constant" }),
      layers.randomContrast({ factor: 0.6, seed: 41, valueRange: [0, 1] }),
      layers.flatten(),
      layers.dense({ units: CLASSES, activation: "softmax" }),
    ],
  });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: "categoricalCrossentropy" });
  return m;
}

/**
 * Makes `layer` (a random image layer) record its output per batch position while
 * training: `seen[position]` is the sample's augmented image. `offset` gives the batch
 * position of the pass's first sample (a replica's shard offset).
 */
function record(layer: Layer, seen: Map<string, Float32Array[]>, offset: () => number): void {
  const forward = layer.forward.bind(layer);
  const size = sizeOf(SHAPE);
  layer.forward = (core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean) => {
    forward(core, pass, bufs, activate);
    if (!pass.training) return;
    const y = core.f32(bufs.y);
    const rows = seen.get(layer.name) ?? [];
    for (let i = 0; i < pass.count; i++) rows[offset() + i] = y.slice(i * size, (i + 1) * size);
    seen.set(layer.name, rows);
  };
}

function data(next: () => number, n: number): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
  const x = { data: randomArray(next, n * sizeOf(SHAPE)).map((v) => Math.abs(v) % 1), shape: [n, ...SHAPE] };
  const y = { data: new Float32Array(n * CLASSES), shape: [n, CLASSES] };
  for (let i = 0; i < n; i++) y.data[i * CLASSES + randomInt(next, 0, CLASSES - 1)] = 1;
  return { x, y };
}

describe("random preprocessing layers in replicas", () => {
  it("a shard's samples get the augmented images one-worker training gives them, and the gradients combine", () => {
    const next = rng(15);
    for (let trial = 0; trial < 6; trial++) {
      const model = augmentedModel(trial);
      const batch = randomInt(next, 3, 10);
      const { x, y } = data(next, batch);
      const seed = randomInt(next, 0, 100_000);
      const step = randomInt(next, 1, 1000);

      const want = new Map<string, Float32Array[]>();
      for (const l of model.layers) if (l instanceof RandomImageLayer) record(l, want, () => 0);
      const full = model.lossAndGradients(x, y, seed, step);

      const shards = shardSizes(batch, randomInt(next, 2, Math.min(4, batch)));
      const sizes: JobSizes = { params: model.countParams(), layers: model.layers.length, shard: shards[0]!, inSize: sizeOf(SHAPE), outSize: CLASSES };
      const got = new Map<string, Float32Array[]>();
      let offset = 0;
      const makeLayer = (d: LayerDescriptor): Layer => {
        const layer = layerFromConfig(d.className, { ...d.config, name: d.name });
        if (layer instanceof RandomImageLayer) record(layer, got, () => offset);
        return layer;
      };
      const spec = {
        layers: replicaLayers(model.describeLayers()), inbound: chainInbound(model.layers.length), trainable: model.layers.map(() => true),
        layout: model.getWeights().map(() => true), inputShape: SHAPE, loss: "categoricalCrossentropy" as const, batch, sizes,
      };
      const replica = new Replica(replicaCore, spec, makeLayer);
      const job = jobViews(new ArrayBuffer(jobBytes(sizes)), sizes);
      const params = model.getWeights().flatMap((w) => Array.from(w.data));
      const shardsRun = runShards(replica, job, sizes, shards, { x: x.data, y: y.data, params, seed, step }, (first) => (offset = first));

      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      expect(want.size).toBe(5);
      for (const [name, rows] of want) {
        expect(rows).toHaveLength(batch);
        for (let i = 0; i < batch; i++) expectClose(got.get(name)![i]!, rows[i]!, `trial ${trial}, ${name}, sample ${i}`, 1e-6, 1e-7);
      }
      // The draws differ between samples (else equal images would prove nothing).
      const flips = want.get(model.layers[0]!.name)!;
      expect(flips.some((row, i) => row.some((v, k) => v !== x.data[i * sizeOf(SHAPE) + k]))).toBe(true);

      expect(shardsRun.loss).toBeCloseTo(full.loss, 5);
      expectClose(shardsRun.grads, full.grads, `trial ${trial} gradient`, 1e-4, 1e-6);
      replica.dispose();
      model.dispose();
    }
    expect(replicaCore.liveBuffers).toBe(0);
  });

  it("fit with 2 and 3 workers trains the weights one worker trains", async () => {
    const { x, y } = data(rng(8), 37);
    const runs: Float32Array[] = [];
    for (const workers of [1, 2, 3]) {
      const m = augmentedModel(4);
      await m.fit(x, y, { epochs: 2, batchSize: 9, seed: 6, workers, verbose: 0 });
      runs.push(Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.data))));
      m.dispose();
    }
    expectClose(runs[1]!, runs[0]!, "2 workers", 1e-4, 1e-5);
    expectClose(runs[2]!, runs[0]!, "3 workers", 1e-4, 1e-5);
  });
});
