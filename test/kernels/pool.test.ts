import { expect, it } from "vitest";
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "../../ts/kernels/pool.js";
import { pool2dDims, type Padding, type Pool2dDims } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { avgPool2dBackwardRef, avgPool2dForwardRef, maxPool2dBackwardRef, maxPool2dForwardRef } from "../reference/pool.js";

/** Cells after each output that a kernel must leave alone. */
const GUARD = 5;

function randomDims(next: () => number): Pool2dDims {
  const padding: Padding = next() < 0.5 ? "same" : "valid";
  const [inH, inW] = [randomInt(next, 1, 13), randomInt(next, 1, 13)];
  const pMax = (n: number) => Math.min(padding === "same" ? n + 2 : n, 4);
  return pool2dDims(
    randomInt(next, 1, 3), inH, inW, randomInt(next, 1, 17),
    randomInt(next, 1, pMax(inH)), randomInt(next, 1, pMax(inW)), randomInt(next, 1, 3), randomInt(next, 1, 3), padding,
  );
}

const lengths = (d: Pool2dDims) => ({ x: d.batch * d.inH * d.inW * d.channels, y: d.batch * d.outH * d.outW * d.channels });

/** Allocates buffers for one case and frees them together. */
function withBuffers(core: WasmCore, body: (alloc: (n: number, kind?: "f32" | "u32") => WasmBuffer) => void): void {
  const all: WasmBuffer[] = [];
  try {
    body((n, kind = "f32") => {
      const b = core.alloc(n + GUARD, kind);
      // NaN (or all-ones indices) everywhere, so unwritten or overrun cells show.
      if (kind === "f32") core.f32(b).fill(NaN);
      else core.u32(b).fill(0xffffffff);
      all.push(b);
      return b;
    });
  } finally {
    for (const b of all) core.free(b);
  }
}

function checkCase(core: WasmCore, d: Pool2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const n = lengths(d);
  const [x, dy] = [randomArray(next, n.x), randomArray(next, n.y)];
  withBuffers(core, (alloc) => {
    const [xb, dyb] = [alloc(n.x), alloc(n.y)];
    core.write(xb, x);
    core.write(dyb, dy);
    const read = (b: WasmBuffer, len: number, name: string) => {
      const all = core.read(b);
      expect(all.subarray(len).every(Number.isNaN), `${name}: wrote past its end ${what}`).toBe(true);
      return all.subarray(0, len);
    };

    const [y, argmax] = [alloc(n.y), alloc(n.y, "u32")];
    maxPool2dForward(core, d, xb, y, argmax);
    const want = maxPool2dForwardRef(d, x);
    expect(Array.from(read(y, n.y, "y")), `max forward ${what}`).toEqual(Array.from(want.y));
    expect(Array.from(core.u32(argmax)), `argmax ${what}`).toEqual([...Array.from(want.argmax), ...new Array<number>(GUARD).fill(0xffffffff)]);

    const dx = alloc(n.x);
    maxPool2dBackward(core, d, dyb, argmax, dx);
    expectClose(read(dx, n.x, "dx"), maxPool2dBackwardRef(d, x, dy), `max backward ${what}`, 1e-5, 1e-6);

    const yAvg = alloc(n.y);
    avgPool2dForward(core, d, xb, yAvg);
    expectClose(read(yAvg, n.y, "y"), avgPool2dForwardRef(d, x), `avg forward ${what}`, 1e-5, 1e-6);

    const dxAvg = alloc(n.x);
    avgPool2dBackward(core, d, dyb, dxAvg);
    expectClose(read(dxAvg, n.x, "dx"), avgPool2dBackwardRef(d, dy), `avg backward ${what}`, 1e-5, 1e-6);
  });
}

describeEachCore("pooling kernels", (getCore) => {
  it("match the reference on random shapes", () => {
    const next = rng(11);
    for (let i = 0; i < 150; i++) checkCase(getCore(), randomDims(next), next);
  });

  it("handle global windows, windows past the input, batch 64 and the LeNet-5 shapes", () => {
    const next = rng(12);
    for (const d of [
      pool2dDims(2, 5, 3, 7, 5, 3, 1, 1, "valid"), // global pooling
      pool2dDims(2, 5, 3, 7, 5, 3, 2, 2, "same"),
      pool2dDims(1, 3, 2, 5, 6, 5, 1, 1, "same"), // window larger than the input
      pool2dDims(64, 4, 4, 3, 2, 2, 2, 2, "valid"),
      pool2dDims(64, 5, 5, 17, 3, 3, 1, 1, "same"), // overlapping windows, 4 lanes + 1
      pool2dDims(3, 28, 28, 6, 2, 2, 2, 2, "valid"), // LeNet-5
      pool2dDims(3, 10, 10, 16, 2, 2, 2, 2, "valid"),
    ]) {
      checkCase(getCore(), d, next);
    }
  });

  it("match the reference on 2x2 stride-2 windows, through the dedicated and the general path", () => {
    // "valid" takes the 2x2 path (odd sizes leave a row or column in no window, which
    // dx must still zero); "same" on an even input has the same windows but takes the
    // general path. Channels 1..12 cover the SIMD steps' overlapping tail and the
    // narrower-than-four case.
    const next = rng(13);
    for (let i = 0; i < 120; i++) {
      const padding: Padding = next() < 0.5 ? "same" : "valid";
      const side = () => (padding === "same" ? 2 * randomInt(next, 1, 6) : randomInt(next, 2, 11));
      checkCase(getCore(), pool2dDims(randomInt(next, 1, 3), side(), side(), randomInt(next, 1, 12), 2, 2, 2, 2, padding), next);
    }
  });

  it("never lets a padded cell win, and gives ties to the first cell", () => {
    const core = getCore();
    const d = pool2dDims(1, 3, 3, 5, 2, 2, 2, 2, "same");
    withBuffers(core, (alloc) => {
      const [x, y, argmax] = [alloc(45), alloc(20), alloc(20, "u32")];
      for (const fill of [-Infinity, -3, 0]) {
        core.f32(x).fill(fill);
        maxPool2dForward(core, d, x, y, argmax);
        expect(Array.from(core.read(y).subarray(0, 20)).every((v) => v === fill)).toBe(true);
        // Windows start at pixels 0, 2, 6 and 8; each channel's first cell wins.
        const starts = [0, 2, 6, 8].flatMap((p) => [0, 1, 2, 3, 4].map((c) => p * 5 + c));
        expect(Array.from(core.u32(argmax).subarray(0, 20))).toEqual(starts);
      }
    });
  });

  it("reject bad dims, buffers and arg-max values by name, before writing anything", () => {
    const core = getCore();
    const d = pool2dDims(2, 4, 4, 3, 2, 2, 2, 2, "valid");
    const n = lengths(d);
    withBuffers(core, (alloc) => {
      const [x, y, argmax, dx] = [alloc(n.x), alloc(n.y), alloc(n.y, "u32"), alloc(n.x)];
      expect(() => maxPool2dForward(core, { ...d, outW: 3 }, x, y, argmax)).toThrow(
        "maxPool2dForward: dims.outW is 3, but the shapes give 2; make dims with pool2dDims()",
      );
      expect(() => avgPool2dForward(core, pool2dDims(1, 4, 4, 3, 5, 2, 1, 1, "valid"), x, y)).toThrow(
        "avgPool2dForward: the pool window (5x2) is larger than the input (4x4) with valid padding",
      );
      expect(() => avgPool2dForward(core, { ...d, channels: -3 }, x, y)).toThrow("avgPool2dForward: dims.channels is -3; expected a whole number");
      expect(() => avgPool2dBackward(core, d, y.subarray(0, 3), dx)).toThrow(`avgPool2dBackward: dy holds 3 elements, expected at least ${n.y}`);
      expect(() => maxPool2dForward(core, d, x, y, dx)).toThrow("maxPool2dForward: argmax holds f32, expected u32");
      expect(() => avgPool2dBackward(core, d, dx, dx)).toThrow("avgPool2dBackward: dy and dx share memory");
      expect(() => avgPool2dBackward(core, pool2dDims(4096, 512, 512, 1, 2, 2, 2, 2, "valid"), y, dx)).toThrow(
        "avgPool2dBackward: x would hold 1073741824 floats, over the 2 GiB a wasm32 kernel can address",
      );
      expect(() => maxPool2dBackward(core, d, y, argmax, x.subarray(0, n.x - 1))).toThrow(
        `maxPool2dBackward: dx holds ${n.x - 1} elements, expected at least ${n.x}`,
      );
      // Arg-max values outside the input: refused by the kernel before it writes dx.
      core.u32(argmax).fill(0);
      core.u32(argmax)[7] = n.x;
      expect(() => maxPool2dBackward(core, d, y, argmax, dx)).toThrow(
        `maxPool2dBackward: argmax[7] is ${n.x}, not an index of the input (${n.x} elements); pass the argmax written by maxPool2dForward`,
      );
      expect(core.read(dx).every(Number.isNaN) && core.read(y).every(Number.isNaN)).toBe(true);
    });
  });
});
