/**
 * The shared argument checks of ts/kernels/check.ts: which buffer pairs count as
 * overlapping, null (optional) buffers, and the limit a wasm32 kernel can address.
 */
import { expect, it } from "vitest";
import { checkedPointers, type BufferArg } from "../../ts/kernels/check.js";
import { dropoutBackward } from "../../ts/kernels/dropout.js";
import { denseForward } from "../../ts/kernels/dense.js";
import { WasmBuffer } from "../../ts/wasm/core.js";
import { conv2dForward, conv2dScratchLength } from "../../ts/kernels/conv2d.js";
import { avgPool2dForward } from "../../ts/kernels/pool.js";
import { conv2dDims, pool2dDims } from "../../ts/shapes.js";
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

  it("still rejects wrong derived dims after the same geometry passed (the remembered geometries)", () => {
    const core = getCore();
    const d = conv2dDims(1, 6, 6, 1, 3, 3, 2, 1, 1, "valid");
    const same = conv2dDims(1, 6, 6, 1, 3, 3, 2, 1, 1, "same");
    const buf = (n: number) => core.alloc(Math.max(n, 1));
    const [x, w, b, y, s] = [buf(36), buf(18), buf(2), buf(72), buf(conv2dScratchLength(core, same))];
    conv2dForward(core, d, x, w, b, y, s);
    conv2dForward(core, same, x, w, b, y, s);
    const fwd = (dims: typeof d) => () => conv2dForward(core, dims, x, w, b, y, s);
    expect(fwd({ ...d, outH: 5 })).toThrow("conv2dForward: dims.outH is 5, but the shapes give 4; make dims with conv2dDims()");
    // A valid geometry's derived fields under the other padding are still wrong.
    expect(fwd({ ...d, padding: "same" })).toThrow("conv2dForward: dims.outH is 4, but the shapes give 6; make dims with conv2dDims()");
    expect(fwd({ ...same, padTop: 0 })).toThrow("conv2dForward: dims.padTop is 0, but the shapes give 1; make dims with conv2dDims()");
    // A pooling window with a conv's remembered geometry is checked on its own.
    const p = pool2dDims(1, 6, 6, 1, 3, 3, 1, 1, "valid");
    avgPool2dForward(core, p, x, y);
    expect(() => avgPool2dForward(core, { ...p, outW: 3 }, x, y)).toThrow("avgPool2dForward: dims.outW is 3, but the shapes give 4; make dims with pool2dDims()");
    // Many geometries (more than are remembered) are each checked correctly.
    for (let n = 3; n < 60; n++) {
      const big = pool2dDims(1, n, 6, 1, 3, 3, 1, 1, "valid");
      const input = core.alloc(n * 6);
      const out = core.alloc(big.outH * big.outW);
      avgPool2dForward(core, big, input, out);
      expect(() => avgPool2dForward(core, { ...big, outH: big.outH + 1 }, input, out)).toThrow(`dims.outH is ${big.outH + 1}`);
      core.free(input);
      core.free(out);
    }
    for (const buffer of [x, w, b, y, s]) core.free(buffer);
  });
});
