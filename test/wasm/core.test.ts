import { describe, expect, it } from "vitest";
import { createCore, simdSupported } from "../../ts/wasm/loader.js";
import { describeEachCore } from "../helpers/cores.js";

describe("loader", () => {
  it("detects SIMD support in this Node", () => {
    expect(simdSupported()).toBe(true);
  });

  it("reports a missing module file clearly", async () => {
    await expect(createCore("simd", new URL("file:///nonexistent/simdnet.wasm"))).rejects.toThrow(/cannot read the wasm module/);
  });

  it("accepts the module as bytes", async () => {
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(new URL("../../wasm/simdnet-scalar.wasm", import.meta.url));
    const core = await createCore("scalar", bytes);
    expect(core.simd).toBe(false);
  });
});

describeEachCore("wasm memory", (getCore) => {
  it("allocates zeroed, aligned, disjoint buffers", () => {
    const core = getCore();
    const a = core.alloc(37);
    const b = core.alloc(5);
    expect(a.ptr % 16).toBe(0);
    expect(b.ptr % 16).toBe(0);
    expect(a.ptr + 37 * 4 <= b.ptr || b.ptr + 5 * 4 <= a.ptr).toBe(true);
    expect(Array.from(core.f32(a)).every((v) => v === 0)).toBe(true);
    core.free(a);
    core.free(b);
  });

  it("keeps data and re-creates views when memory grows", () => {
    const core = getCore();
    const a = core.alloc(4);
    core.write(a, [1, 2, 3, 4]);
    const before = core.memoryBytes;
    const big = core.alloc(8 * 1024 * 1024); // 32 MiB forces growth
    expect(core.memoryBytes).toBeGreaterThan(before);
    expect(Array.from(core.f32(a))).toEqual([1, 2, 3, 4]);
    core.free(big);
    core.free(a);
  });

  it("rejects freed, foreign, short and mistyped buffers by name", async () => {
    const core = getCore();
    const other = await createCore("scalar");
    const a = core.alloc(3);
    expect(() => core.check("op", "x", a, 4)).toThrow("op: x holds 3 elements, expected at least 4");
    expect(() => core.check("op", "x", a, 3, "u32")).toThrow("op: x holds f32, expected u32");
    expect(() => other.check("op", "x", a, 1)).toThrow("op: x belongs to another wasm module");
    core.free(a);
    expect(() => core.check("op", "x", a, 1)).toThrow("op: x has been freed");
    expect(() => core.free(a)).toThrow(/not live/);
    expect(() => core.alloc(-1)).toThrow(/expected a whole number/);
    expect(() => core.fn("no_such_kernel")).toThrow(/no export "no_such_kernel"/);
  });

  it("makes windows that share memory, check bounds and die with their buffer", () => {
    const core = getCore();
    const a = core.alloc(10);
    const w = a.subarray(4, 3);
    core.f32(w).set([7, 8, 9]);
    expect(Array.from(core.f32(a)).slice(3, 8)).toEqual([0, 7, 8, 9, 0]);
    expect(w.subarray(1, 2).ptr).toBe(a.ptr + 5 * 4);
    expect(() => a.subarray(8, 3)).toThrow("window [8, 8+3) does not fit in a buffer of 10 elements");
    expect(() => core.free(w)).toThrow(/cannot be freed on its own/);
    core.free(a);
    expect(() => core.check("op", "w", w, 1)).toThrow("op: w has been freed");
  });

  it("reuses freed memory instead of growing", () => {
    const core = getCore();
    const first = core.alloc(1 << 16);
    core.free(first);
    const bytes = core.memoryBytes;
    for (let i = 0; i < 200; i++) core.free(core.alloc(1 << 16));
    expect(core.memoryBytes).toBe(bytes);
  });
});

describe("init", () => {
  it("is idempotent, and refuses a different request once loaded", async () => {
    const { init } = await import("../../ts/wasm/loader.js");
    const first = await init();
    expect(await init()).toEqual(first);
    expect(await init({ flavor: first.flavor })).toEqual(first);
    const other = first.flavor === "simd" ? "scalar" : "simd";
    await expect(init({ flavor: other })).rejects.toThrow(`init: the ${first.flavor} kernels are already loaded; cannot switch to ${other}`);
    await expect(init({ wasm: { simd: new Uint8Array(8) } })).rejects.toThrow("a wasm source applies only to the first init() call");
  });
});
