/**
 * The pieces of data-parallel training, in one thread: shard sizes, the weighted
 * combination, and replicas (on their own wasm cores) whose shard gradients combine to
 * the model's full-batch gradient, dropout masks included, on random models and splits.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { Sequential } from "../../ts/model/sequential.js";
import { sizeOf } from "../../ts/shapes.js";
import { H_COUNT, H_OFFSET, jobBytes, jobViews, type JobSizes } from "../../ts/parallel/job_buffer.js";
import { combine, shardSizes } from "../../ts/parallel/data_parallel.js";
import { chainInbound } from "../../ts/model/graph.js";
import { Replica, replicaLayers } from "../../ts/parallel/replica.js";
import { createCore, init } from "../../ts/wasm/loader.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { runShards } from "../helpers/replica.js";

let replicaCore: WasmCore;

beforeAll(async () => {
  await init();
  replicaCore = await createCore("simd");
});

describe("shardSizes", () => {
  it("splits every count into n contiguous shards that differ by at most one, largest first", () => {
    for (let count = 1; count <= 40; count++) {
      for (let n = 1; n <= 5; n++) {
        const s = shardSizes(count, n);
        expect(s).toHaveLength(n);
        expect(s.reduce((a, b) => a + b, 0)).toBe(count);
        expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
        for (let i = 1; i < n; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]!);
        expect(s[0]).toBeGreaterThan(0);
      }
    }
  });
});

describe("combine", () => {
  it("is the shard-size-weighted mean of shard gradients", () => {
    const next = rng(3);
    const g = randomArray(next, 50);
    const others = [{ grads: randomArray(next, 50), count: 3 }, { grads: randomArray(next, 50), count: 2 }];
    const expected = Array.from(g, (v, k) => (4 * v + 3 * others[0]!.grads[k]! + 2 * others[1]!.grads[k]!) / 9);
    combine(g, 4, others, 9);
    expectClose(g, expected, "combined gradient", 1e-6, 1e-7);
  });
});

/** A random small model: conv or dense stacks, with dropout somewhere. */
function randomModel(next: () => number, seed: number): { model: Sequential; inputShape: number[] } {
  const conv = next() < 0.5;
  const inputShape = conv ? [randomInt(next, 4, 7), randomInt(next, 4, 7), randomInt(next, 1, 2)] : [randomInt(next, 3, 12)];
  const stack: Layer[] = conv
    ? [
        layers.conv2d({ filters: randomInt(next, 2, 4), kernelSize: 3, padding: "same", activation: "relu", inputShape }),
        layers.dropout({ rate: 0.25 + 0.5 * next() }),
        layers.maxPooling2d(),
        layers.flatten(),
      ]
    : [layers.dense({ units: randomInt(next, 3, 9), activation: "tanh", inputShape }), layers.dropout({ rate: 0.4 })];
  const classes = randomInt(next, 2, 5);
  stack.push(layers.dropout({ rate: 0.3, ...(next() < 0.5 ? { seed: 77 } : {}) }));
  stack.push(layers.dense({ units: classes, activation: "softmax" }));
  const model = new Sequential({ seed, layers: stack });
  model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  return { model, inputShape };
}

describe("Replica", () => {
  it("shard gradients combine to the model's full-batch gradient (same dropout masks)", () => {
    const next = rng(11);
    for (let trial = 0; trial < 12; trial++) {
      const { model, inputShape } = randomModel(next, trial);
      const batch = randomInt(next, 2, 9);
      const classes = model.outputShape![0]!;
      const x = { data: randomArray(next, batch * sizeOf(inputShape)), shape: [batch, ...inputShape] };
      const y = { data: new Float32Array(batch * classes), shape: [batch, classes] };
      for (let i = 0; i < batch; i++) y.data[i * classes + randomInt(next, 0, classes - 1)] = 1;
      const seed = randomInt(next, 0, 1000);
      const step = randomInt(next, 1, 50);
      const full = model.lossAndGradients(x, y, seed, step);

      const parts = randomInt(next, 2, Math.min(4, batch));
      const shards = shardSizes(batch, parts);
      const sizes: JobSizes = { params: model.countParams(), layers: model.layers.length, shard: shards[0]!, inSize: sizeOf(inputShape), outSize: classes };
      const replica = new Replica(replicaCore, { layers: replicaLayers(model.describeLayers()), inbound: chainInbound(model.layers.length), trainable: model.layers.map(() => true), layout: model.getWeights().map(() => true), inputShape, loss: "categoricalCrossentropy", batch, sizes });
      const job = jobViews(new ArrayBuffer(jobBytes(sizes)), sizes);
      const params = model.getWeights().flatMap((w) => Array.from(w.data));
      const shardsRun = runShards(replica, job, sizes, shards, { x: x.data, y: y.data, params, seed, step });
      expect(shardsRun.loss).toBeCloseTo(full.loss, 5);
      expectClose(shardsRun.grads, full.grads, `trial ${trial} gradient`, 1e-4, 1e-6);
      replica.dispose();
      model.dispose();
    }
    expect(replicaCore.liveBuffers).toBe(0);
  });

  it("rejects a shard that does not fit its batch, naming the shard", () => {
    const { model, inputShape } = randomModel(rng(5), 1);
    const sizes: JobSizes = { params: model.countParams(), layers: model.layers.length, shard: 2, inSize: sizeOf(inputShape), outSize: model.outputShape![0]! };
    const replica = new Replica(replicaCore, { layers: replicaLayers(model.describeLayers()), inbound: chainInbound(model.layers.length), trainable: model.layers.map(() => true), layout: model.getWeights().map(() => true), inputShape, loss: "categoricalCrossentropy", batch: 4, sizes });
    const job = jobViews(new ArrayBuffer(jobBytes(sizes)), sizes);
    job.header[H_COUNT] = 2;
    job.header[H_OFFSET] = 3;
    expect(() => replica.run(job)).toThrow("shard [3, 5) does not fit shards of 2 in a batch of 4");
    replica.dispose();
    model.dispose();
  });
});
