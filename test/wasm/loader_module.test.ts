/**
 * getModule(): every core made by createCore() or init() keeps its compiled module, which
 * instantiates into a working core again, also in a worker thread it is posted to (what
 * data-parallel workers do instead of fetching the .wasm file).
 */
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { WasmCore } from "../../ts/wasm/core.js";
import { createCore, getCore, getModule, init, type WasmFlavor } from "../../ts/wasm/loader.js";

beforeAll(async () => {
  await init();
});

/** Round-trips a few values through fresh memory of `core`. */
function roundTrip(core: WasmCore): number[] {
  const buffer = core.alloc(3);
  core.write(buffer, [1.5, -2, 7]);
  const values = Array.from(core.f32(buffer));
  core.free(buffer);
  return values;
}

describe("getModule", () => {
  it("returns the module init() loaded, the same object every time", () => {
    const module = getModule();
    expect(module).toBeInstanceOf(WebAssembly.Module);
    expect(getModule(getCore())).toBe(module);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain("simdnet_alloc");
  });

  it.each<WasmFlavor>(["simd", "scalar"])("gives a %s module that instantiates into an independent working core", async (flavor) => {
    const bytes = await readFile(new URL(`../../wasm/simdnet-${flavor}.wasm`, import.meta.url));
    const first = await createCore(flavor, bytes);
    const module = getModule(first);
    const second = await createCore(flavor, module);
    expect(getModule(second)).toBe(module);
    expect(second.simd).toBe(flavor === "simd");
    expect(roundTrip(second)).toEqual([1.5, -2, 7]);
    expect(second).not.toBe(first);
  });

  it("rejects a core it did not make", async () => {
    const instance = await WebAssembly.instantiate(getModule(), {});
    expect(() => getModule(new WasmCore(instance, true))).toThrow("getModule: this core was not made by createCore() or init()");
  });

  it("posts to a worker thread, which instantiates it without the .wasm file", async () => {
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       parentPort.once("message", async (module) => {
         const instance = await WebAssembly.instantiate(module, {});
         parentPort.postMessage(typeof instance.exports.simdnet_alloc);
       });`,
      { eval: true },
    );
    try {
      const reply = new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      worker.postMessage(getModule());
      expect(await reply).toBe("function");
    } finally {
      await worker.terminate();
    }
  });
});
