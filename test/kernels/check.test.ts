/**
 * The shared argument checks of ts/kernels/check.ts: which buffer pairs count as
 * overlapping, null (optional) buffers, and the limit a wasm32 kernel can address.
 */
import { expect, it } from "vitest";
import { checkedPointers, type BufferArg } from "../../ts/kernels/check.js";
import { dropoutBackward } from "../../ts/kernels/dropout.js";
import { denseForward } from "../../ts/kernels/dense.js";
import { WasmBuffer } from "../../ts/wasm/core.js";
import { describeEachCore } from "../helpers/cores.js";

describeEachCore("kernel argument checks", (getCore) => {
  it("rejects a written buffer that shares a byte with another, and nothing else", () => {
    const core = getCore();
    const arena = core.alloc(16);
    const at = (offset: number, length: number) => arena.subarray(offset, length);
    const check = (args: BufferArg[]) => () => checkedPointers(core, "op", args);
    const clash = "op: a and b share memory; an output must not overlap another argument";
    expect(check([["a", at(0, 4), 4, false], ["b", at(3, 4), 4, true]])).toThrow(clash);
    expect(check([["a", at(3, 4), 4, true], ["b", at(0, 4), 4, false]])).toThrow(clash);
    expect(check([["a", at(0, 8), 8, true], ["b", at(2, 2), 2, true]])).toThrow(clash);
    // The first clashing pair in argument order is the one named.
    expect(check([["x", at(8, 4), 4, false], ["a", at(0, 4), 4, true], ["b", at(0, 4), 4, false]])).toThrow(clash);
    // Touching ends, read-only overlaps, lengths the kernel does not use, and empty spans are fine.
    const base = arena.ptr;
    expect(checkedPointers(core, "op", [["a", at(0, 4), 4, true], ["b", at(4, 4), 4, true]])).toEqual([base, base + 16]);
    expect(checkedPointers(core, "op", [["a", at(0, 8), 8, false], ["b", at(2, 4), 4, false]])).toEqual([base, base + 8]);
    expect(checkedPointers(core, "op", [["a", at(0, 8), 2, true], ["b", at(2, 4), 4, false]])).toEqual([base, base + 8]);
    expect(checkedPointers(core, "op", [["a", at(0, 8), 0, true], ["b", at(0, 8), 8, true]])).toEqual([base, base]);
    // A null buffer is pointer 0 and never clashes; a present one is still checked.
    expect(checkedPointers(core, "op", [["a", null, 4, true], ["b", at(0, 4), 4, true]])).toEqual([0, base]);
    expect(check([["a", null, 4, true], ["b", at(0, 3), 4, true]])).toThrow("op: b holds 3 elements, expected at least 4");
    core.free(arena);
  });

  it("rejects spans over the 2 GiB a wasm32 kernel can address, before calling", () => {
    const core = getCore();
    // Never passed to a kernel: each call must throw before it reaches the module.
    const huge = (ptr: number) => new WasmBuffer(core, ptr, 2 ** 29 + 1, "f32");
    const limit = "over the 2 GiB a wasm32 kernel can address";
    expect(() => dropoutBackward(core, 2 ** 29, huge(16), huge(16))).toThrow(`dropoutBackward: mask would hold 536870912 floats, ${limit}`);
    expect(() => denseForward(core, 2 ** 29, 1, 1, huge(16), huge(16), null, huge(16))).toThrow(`denseForward: x would hold 536870912 floats, ${limit}`);
    expect(() => checkedPointers(core, "op", [["a", huge(16), 2 ** 29 - 1, false]])).not.toThrow();
  });
});
