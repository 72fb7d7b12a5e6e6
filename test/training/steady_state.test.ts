/**
 * A steady-state training step allocates nothing in wasm and cuts no new buffers or
 * windows: memory is the same after every epoch, and a longer fit makes exactly as many
 * WasmBuffer objects as a shorter one (the count does not grow with the steps). Counts,
 * not times or heap bytes, so the test is robust on a busy machine; bench/garbage.ts
 * measures the JavaScript bytes per step.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Logs } from "../../ts/callbacks/callback.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import type { Tensor } from "../../ts/tensor.js";
import { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { randomArray, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function data(n: number): { x: Tensor; y: Tensor } {
  const next = rng(3);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  return { x: { data: randomArray(next, n * 784, 0, 1), shape: [n, 28, 28, 1] }, y: { data: labels, shape: [n] } };
}

describe("steady-state training", () => {
  it("keeps wasm memory and live buffers constant from epoch to epoch", async () => {
    const core = getCore();
    const m = lenet5({ seed: 1 });
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = data(48);
    const seen: [number, number][] = [];
    const record = { onEpochEnd: (_epoch: number, _logs?: Logs) => void seen.push([core.memoryBytes, core.liveBuffers]) };
    await m.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [record] });
    expect(seen).toHaveLength(4);
    for (const s of seen) expect(s).toEqual(seen[0]);
    m.dispose();
  });

  it("makes no more wasm buffers or windows in a fit of 12 steps than in one of 2", async () => {
    const m = lenet5({ seed: 2 });
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = data(96);
    const slice = (t: Tensor, n: number, width: number): Tensor => ({ data: t.data.subarray(0, n * width), shape: [n, ...t.shape.slice(1)] });
    const fitSteps = (steps: number) => m.fit(slice(x, 8 * steps, 784), slice(y, 8 * steps, 1), { batchSize: 8, verbose: 0 });
    await fitSteps(2); // plans the buffers
    const windows = vi.spyOn(WasmBuffer.prototype, "subarray");
    const allocs = vi.spyOn(WasmCore.prototype, "alloc");
    const count = async (steps: number) => {
      windows.mockClear();
      allocs.mockClear();
      await fitSteps(steps);
      return windows.mock.calls.length + allocs.mock.calls.length;
    };
    const short = await count(2);
    expect(await count(12)).toBe(short);
    m.dispose();
  });
});
