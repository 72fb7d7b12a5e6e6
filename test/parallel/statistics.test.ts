/**
 * Workers and non-trainable state (BatchNormalization's moving statistics): each replica
 * moves the statistics with its own shard's batch statistics and sends them back with
 * the job; the main thread makes them the mean over the participants (MirroredStrategy's
 * MEAN aggregation), leaving weights nobody changed bit for bit. Tested with a layer that
 * keeps a statistic as BN does (test/graph/fake_layers.ts), and end to end with the real
 * BatchNormalization once the layer registry has one.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import type { Layer } from "../../ts/layers/layer.js";
import { layerFromConfig } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input } from "../../ts/model/symbolic.js";
import { trainableFlags } from "../../ts/model/weights.js";
import { averageStatistics, shardSizes } from "../../ts/parallel/data_parallel.js";
import { H_COUNT, H_OFFSET, H_STEP, jobBytes, jobViews, type JobSizes } from "../../ts/parallel/job_buffer.js";
import { Replica, replicaLayers } from "../../ts/parallel/replica.js";
import { sizeOf } from "../../ts/shapes.js";
import { createCore, init } from "../../ts/wasm/loader.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, rng } from "../helpers/random.js";
import { ScaleWithStats } from "../graph/fake_layers.js";

let replicaCore: WasmCore;
beforeAll(async () => {
  await init();
  replicaCore = await createCore("simd");
});

describe("averageStatistics", () => {
  it("averages from `from` on, over the main thread and the others; unchanged values stay exact", () => {
    const own = Float32Array.from([1, 2, 0.1, 0.7, 5]);
    const a = Float32Array.from([9, 9, 0.3, 0.7, 6]);
    const b = Float32Array.from([9, 9, 0.5, 0.7, 7]);
    averageStatistics(own, 2, [a, b]);
    expect(Array.from(own.subarray(0, 2))).toEqual([1, 2]);
    expectClose(own.subarray(2), [0.3, 0.7, 6], "means", 1e-6, 1e-7);
    expect(own[3]).toBe(Math.fround(0.7)); // (0.7 + 0.7 + 0.7) / 3 would round; nobody changed it
    const alone = Float32Array.from([1, 2]);
    averageStatistics(alone, 0, []);
    expect(Array.from(alone)).toEqual([1, 2]);
  });
});

describe("a replica sends back the statistics its shard moved", () => {
  it("moving = 0.5 old + 0.5 shard mean; the mean over shards is what the model keeps", () => {
    const x0 = input({ shape: [5] });
    const stats = new ScaleWithStats();
    const out = layers.dense({ units: 3, activation: "softmax" }).apply(stats.apply(layers.dense({ units: 4, activation: "tanh" }).apply(x0)));
    const model = new Model({ inputs: x0, outputs: out, seed: 3 });
    const batch = 6;
    const next = rng(2);
    const x = { data: randomArray(next, batch * 5), shape: [batch, 5] };
    const y = { data: new Float32Array(batch * 3).map((_, i) => (i % 3 === 0 ? 1 : 0)), shape: [batch, 3] };
    const hidden = model.activations(x)[0]!.data; // the statistic layer's input
    const shards = shardSizes(batch, 2);
    const sizes: JobSizes = { params: model.countParams(), layers: model.layers.length, shard: shards[0]!, inSize: 5, outSize: 3 };
    const makeLayer = (d: { className: string; name: string; config: Record<string, unknown> }): Layer => {
      if (d.className !== "ScaleWithStats") return layerFromConfig(d.className, { ...d.config, name: d.name });
      const l = new ScaleWithStats();
      l.name = d.name;
      return l;
    };
    const layout = trainableFlags(model.layers);
    const replica = new Replica(replicaCore, {
      layers: replicaLayers(model.describeLayers()), inbound: model.graph().inbound.map((i) => [...i]), trainable: model.layers.map(() => true), layout,
      inputShape: [5], loss: "categoricalCrossentropy", batch, sizes,
    }, makeLayer);
    const job = jobViews(new ArrayBuffer(jobBytes(sizes)), sizes);
    // The model's params as the store lays them out: trainable first, then `moving` (zeros).
    const w = model.getWeights();
    const trained = w.filter((_, i) => layout[i]).flatMap((t) => Array.from(t.data));
    const frozen = w.filter((_, i) => !layout[i]).flatMap((t) => Array.from(t.data));
    const params = Float32Array.from([...trained, ...frozen]);
    const from = trained.length;
    const returned: Float32Array[] = [];
    let offset = 0;
    for (const count of shards) {
      job.header[H_COUNT] = count;
      job.header[H_OFFSET] = offset;
      job.header[H_STEP] = 1;
      job.params.set(params);
      job.inputs.set(x.data.subarray(offset * 5, (offset + count) * 5));
      job.labels.set(y.data.subarray(offset * 3, (offset + count) * 3));
      replica.run(job);
      const expected = new Float32Array(4);
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let r = offset; r < offset + count; r++) s += hidden[r * 4 + j]!;
        expected[j] = 0.5 * frozen[j]! + 0.5 * (s / count);
      }
      expectClose(job.params.subarray(from), expected, `shard at ${offset}: moving`, 1e-5, 1e-6);
      expect(Array.from(job.params.subarray(0, from))).toEqual(trained.map(Math.fround));
      returned.push(job.params.slice());
      offset += count;
    }
    // The main thread holds the first shard's update; the mean over both is the full mean here (equal shards).
    const main = returned[0]!.slice();
    averageStatistics(main, from, [returned[1]!]);
    const full = new Float32Array(4).map((_, j) => {
      let s = 0;
      for (let r = 0; r < batch; r++) s += hidden[r * 4 + j]!;
      return 0.5 * frozen[j]! + 0.5 * (s / batch);
    });
    expectClose(main.subarray(from), full, "averaged moving", 1e-5, 1e-6);
    replica.dispose();
    model.dispose();
  });
});

// The real BatchNormalization comes with the layer registry's batchNormalization factory.
const batchNormalization = (layers as unknown as Record<string, ((o?: object) => Layer) | undefined>).batchNormalization;

describe.skipIf(!batchNormalization)("BatchNormalization with workers (MirroredStrategy's behaviour)", () => {
  it("each worker normalizes its shard; moving statistics are the mean of the workers' updates", async () => {
    const x0 = input({ shape: [2, 2, 3] });
    const bn = batchNormalization!();
    const out = layers.dense({ units: 2, activation: "softmax" }).apply(layers.flatten().apply(bn.apply(x0)));
    const model = new Model({ inputs: x0, outputs: out, seed: 1 });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const n = 8;
    const next = rng(4);
    const x = { data: randomArray(next, n * 12, -2, 3), shape: [n, 2, 2, 3] };
    const y = { data: new Float32Array(n * 2).map((_, i) => i % 2), shape: [n, 2] };
    await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, workers: 2 });
    const [, , movingMean, movingVariance] = bn.getWeights();
    // Shards: samples 0..3 and 4..7; per channel, each shard's biased variance.
    const shardStats = [0, 4].map((start) => Array.from({ length: 3 }, (_, c) => {
      const v: number[] = [];
      for (let s = start; s < start + 4; s++) for (let p = 0; p < 4; p++) v.push(x.data[s * 12 + p * 3 + c]!);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
    }));
    for (let c = 0; c < 3; c++) {
      const mean = (shardStats[0]![c]!.mean + shardStats[1]![c]!.mean) / 2;
      const variance = (shardStats[0]![c]!.variance + shardStats[1]![c]!.variance) / 2;
      expect(movingMean!.data[c]).toBeCloseTo(0.01 * mean, 5);
      expect(movingVariance!.data[c]).toBeCloseTo(0.99 + 0.01 * variance, 5);
    }
    expect(sizeOf(movingMean!.shape)).toBe(3);
    model.dispose();
  });
});

describe("replicaLayers", () => {
  it("sends option objects with a class (a regularizer) as { className, config }, which getRegularizer reads back", async () => {
    const { getRegularizer, regularizers } = await import("../../ts/regularizers.js");
    const r = regularizers.l2(0.01);
    const [d] = replicaLayers([{ className: "Dense", name: "d", config: { units: 2, kernelRegularizer: r, kernelInitializer: "zeros" } }]);
    expect(d!.config).toEqual({ units: 2, kernelRegularizer: { className: "L2", config: r.getConfig() } });
    const cloned = structuredClone(d!.config.kernelRegularizer);
    expect(getRegularizer("test", "kernelRegularizer", cloned).getConfig()).toEqual(r.getConfig());
  });
});
