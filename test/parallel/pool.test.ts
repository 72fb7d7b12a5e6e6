/**
 * Workers parked between fit calls (ts/parallel/pool.ts): a fit that ends well parks its
 * workers, the next fit takes them back (keeping the replica for the same model, rebuilding
 * it for another) and trains exactly as fresh workers would; unclaimed workers stop when
 * their time is up; a failed fit's workers are stopped, never parked; both transports.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { parallelTesting, type Transport } from "../../ts/parallel/data_parallel.js";
import { poolTesting, releaseWorkers } from "../../ts/parallel/pool.js";
import { liveWorkers, parkedWorkers, spawnedWorkers } from "../../ts/parallel/spawn.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { thirdsData } from "../helpers/models.js";

beforeAll(async () => {
  await init();
});

afterEach(async () => {
  parallelTesting.transport = null;
  parallelTesting.failAtStep = 0;
  poolTesting.lingerMs = null;
  await releaseWorkers();
  expect(liveWorkers()).toBe(0);
  expect(parkedWorkers()).toBe(0);
});

function model(units: number): Sequential {
  const m = new Sequential({
    seed: 3,
    layers: [
      layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation: "relu", inputShape: [6, 6, 1] }),
      layers.flatten(),
      layers.dropout({ rate: 0.25 }),
      layers.dense({ units, activation: "relu" }),
      layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
  return m;
}

async function trained(units: number, workers: number): Promise<Float32Array> {
  const { x, y } = thirdsData(30, 1);
  const m = model(units);
  await m.fit(x, y, { epochs: 2, batchSize: 7, seed: 4, workers, verbose: 0 });
  const w = Float32Array.from(m.getWeights().flatMap((t) => Array.from(t.data)));
  m.dispose();
  return w;
}

describe("workers parked between fit calls", () => {
  it.each(["shared", "message"] as Transport[])("are taken back by the next fit, same model or another, and train as fresh ones (%s transport)", async (transport) => {
    parallelTesting.transport = transport;
    const one = { 5: await trained(5, 1), 9: await trained(9, 1) };
    const before = spawnedWorkers();
    const first = await trained(5, 3);
    expect(spawnedWorkers() - before).toBe(2);
    expect(parkedWorkers()).toBe(2);
    expect(liveWorkers()).toBe(0);
    // The same model again: the parked workers keep their replicas.
    const again = await trained(5, 3);
    // Another model: the parked workers rebuild their replicas; a third worker is started.
    const other = await trained(9, 4);
    expect(spawnedWorkers() - before).toBe(3);
    expect(parkedWorkers()).toBe(3);
    expectClose(first, one[5], "first fit", 1e-4, 1e-5);
    expectClose(again, first, "same model, parked workers", 0, 0);
    expectClose(other, one[9], "another model, parked workers", 1e-4, 1e-5);
  }, 60_000);

  it("stop by themselves when no fit claims them in time", async () => {
    poolTesting.lingerMs = 150;
    await trained(5, 2);
    expect(parkedWorkers()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(parkedWorkers()).toBe(0);
    expect(liveWorkers()).toBe(0);
  }, 30_000);

  it("are not kept when the linger time is 0, nor after a failed fit", async () => {
    poolTesting.lingerMs = 0;
    await trained(5, 2);
    expect(parkedWorkers()).toBe(0);
    poolTesting.lingerMs = null;
    parallelTesting.failAtStep = 2;
    await expect(trained(5, 3)).rejects.toThrow(/data-parallel worker \d failed: simulated failure at step 2/);
    expect(parkedWorkers()).toBe(0);
    expect(liveWorkers()).toBe(0);
  }, 30_000);
});
