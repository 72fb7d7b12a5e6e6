import { expect, it } from "vitest";
import {
  conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength,
} from "../../ts/kernels/conv2d.js";
import { conv2dDims, type Conv2dDims, type Padding } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import {
  conv2dBackwardBiasRef, conv2dBackwardFilterRef, conv2dBackwardInputRef, conv2dForwardRef,
} from "../reference/conv2d.js";

/** Cells after each output that a kernel must leave alone. */
const GUARD = 5;

/** A random case: odd sizes, strides 1..3, both paddings, kernels up to (past, under same) the input. */
function randomDims(next: () => number, maxBatch: number): Conv2dDims {
  const padding: Padding = next() < 0.5 ? "same" : "valid";
  const [inH, inW] = [randomInt(next, 1, 11), randomInt(next, 1, 11)];
  const kMax = (n: number) => Math.min(padding === "same" ? n + 2 : n, 5);
  return conv2dDims(
    randomInt(next, 1, maxBatch), inH, inW, randomInt(next, 1, 17),
    randomInt(next, 1, kMax(inH)), randomInt(next, 1, kMax(inW)), randomInt(next, 1, 17),
    randomInt(next, 1, 3), randomInt(next, 1, 3), padding,
  );
}

const lengths = (d: Conv2dDims) => ({
  x: d.batch * d.inH * d.inW * d.inC,
  y: d.batch * d.outH * d.outW * d.outC,
  w: d.kH * d.kW * d.inC * d.outC,
});

/** Buffers of one test case, freed together. */
class Buffers {
  private readonly all: WasmBuffer[] = [];
  constructor(private readonly core: WasmCore) {}
  /** An input filled with `values`. */
  input(values: Float32Array): WasmBuffer {
    const b = this.track(this.core.alloc(values.length));
    this.core.write(b, values);
    return b;
  }
  /** An output of `n` floats plus a guard, all NaN, so unwritten or overrun cells show. */
  output(n: number): WasmBuffer {
    const b = this.track(this.core.alloc(n + GUARD));
    this.core.f32(b).fill(NaN);
    return b;
  }
  /** The first `n` floats of an output, after checking that its guard is untouched. */
  read(b: WasmBuffer, n: number, what: string): Float32Array {
    const all = this.core.read(b);
    expect(all.subarray(n).every(Number.isNaN), `${what}: wrote past its end`).toBe(true);
    return all.subarray(0, n);
  }
  freeAll(): void {
    for (const b of this.all) this.core.free(b);
  }
  private track(b: WasmBuffer): WasmBuffer {
    this.all.push(b);
    return b;
  }
}

/** Runs the four kernels on `d` and compares each with the reference. */
function checkCase(core: WasmCore, d: Conv2dDims, next: () => number): void {
  const what = JSON.stringify(d);
  const n = lengths(d);
  const [x, w, bias, dy] = [randomArray(next, n.x), randomArray(next, n.w), randomArray(next, d.outC), randomArray(next, n.y)];
  const bufs = new Buffers(core);
  const scratch = bufs.output(conv2dScratchLength(core, d));
  const tol = (terms: number) => 2e-6 * terms + 1e-5;
  try {
    const [xb, wb, bb, dyb] = [bufs.input(x), bufs.input(w), bufs.input(bias), bufs.input(dy)];
    const patch = d.kH * d.kW * d.inC;
    const rows = d.batch * d.outH * d.outW;

    const y = bufs.output(n.y);
    conv2dForward(core, d, xb, wb, bb, y, scratch);
    expectClose(bufs.read(y, n.y, "y"), conv2dForwardRef(d, x, w, bias), `forward ${what}`, 1e-4, tol(patch));
    const yNoBias = bufs.output(n.y);
    conv2dForward(core, d, xb, wb, null, yNoBias, scratch);
    expectClose(bufs.read(yNoBias, n.y, "y"), conv2dForwardRef(d, x, w, null), `forward without bias ${what}`, 1e-4, tol(patch));

    const dx = bufs.output(n.x);
    conv2dBackwardInput(core, d, dyb, wb, dx, scratch);
    expectClose(bufs.read(dx, n.x, "dx"), conv2dBackwardInputRef(d, dy, w), `backward input ${what}`, 1e-4, tol(d.kH * d.kW * d.outC));

    const dw = bufs.output(n.w);
    conv2dBackwardFilter(core, d, xb, dyb, dw, scratch);
    expectClose(bufs.read(dw, n.w, "dw"), conv2dBackwardFilterRef(d, x, dy), `backward filter ${what}`, 1e-4, tol(rows));

    const db = bufs.output(d.outC);
    conv2dBackwardBias(core, d, dyb, db);
    expectClose(bufs.read(db, d.outC, "db"), conv2dBackwardBiasRef(d, dy), `backward bias ${what}`, 1e-4, tol(rows));
  } finally {
    bufs.freeAll();
  }
}

describeEachCore("conv2d kernels", (getCore) => {
  it("match the reference on random shapes", () => {
    const next = rng(1);
    for (let i = 0; i < 80; i++) checkCase(getCore(), randomDims(next, 3), next);
  });

  it("match the reference with dilation (Keras's dilationRate) on random shapes", () => {
    const next = rng(41);
    let checked = 0;
    while (checked < 40) {
      const padding: Padding = next() < 0.5 ? "same" : "valid";
      const [inH, inW, kH, kW] = [randomInt(next, 1, 11), randomInt(next, 1, 11), randomInt(next, 1, 3), randomInt(next, 1, 3)];
      const [dH, dW] = [randomInt(next, 1, 3), randomInt(next, 1, 3)];
      if (padding === "valid" && ((kH - 1) * dH + 1 > inH || (kW - 1) * dW + 1 > inW)) continue;
      // Keras refuses strides > 1 with dilation > 1 in Conv2D; the kernel still computes the definition.
      const strides = dH > 1 || dW > 1 ? [1, 1] : [randomInt(next, 1, 3), randomInt(next, 1, 3)];
      const d = conv2dDims(randomInt(next, 1, 2), inH, inW, randomInt(next, 1, 9), kH, kW, randomInt(next, 1, 9), strides[0]!, strides[1]!, padding, dH, dW);
      checkCase(getCore(), d, next);
      checked++;
    }
  });

  it("rejects a dilated kernel spanning past the input under valid padding", () => {
    const d = conv2dDims(1, 6, 9, 1, 3, 1, 1, 1, 1, "same", 3, 1);
    expect(() => conv2dScratchLength(getCore(), { ...d, padding: "valid" })).toThrow(
      "conv2dScratchLength: the dilated kernel spans 7x1, larger than the input (6x9) with valid padding",
    );
    expect(() => conv2dScratchLength(getCore(), { ...d, dilationH: 0 })).toThrow("conv2dScratchLength: dims.dilationH is 0");
  });

  it("match the reference with batch 64", () => {
    const next = rng(2);
    checkCase(getCore(), conv2dDims(64, 5, 4, 3, 3, 2, 5, 1, 2, "same"), next);
    checkCase(getCore(), conv2dDims(64, 7, 7, 2, 3, 3, 4, 2, 2, "valid"), next);
  });

  it("match the reference on the direct path (at most 4 input channels) with wide rows", () => {
    const next = rng(5);
    for (const d of [
      conv2dDims(3, 9, 28, 1, 5, 5, 6, 1, 1, "same"), // full 8- and 4-pixel blocks
      conv2dDims(2, 8, 19, 3, 3, 4, 16, 1, 2, "valid"), // three filter blocks, a scalar tail
      conv2dDims(2, 11, 23, 4, 5, 3, 7, 2, 3, "same"),
      conv2dDims(1, 6, 30, 2, 2, 7, 1, 3, 1, "valid"),
    ]) {
      checkCase(getCore(), d, next);
    }
  });

  it("handle a kernel equal to the input, 1x1 kernels and kernels past the input", () => {
    const next = rng(3);
    for (const d of [
      conv2dDims(2, 5, 7, 3, 5, 7, 4, 1, 1, "valid"), // one output pixel
      conv2dDims(3, 5, 7, 3, 5, 7, 4, 2, 3, "same"),
      conv2dDims(1, 1, 1, 1, 1, 1, 1, 1, 1, "valid"),
      conv2dDims(4, 6, 5, 9, 1, 1, 17, 1, 1, "valid"), // pointwise: no scratch
      conv2dDims(2, 7, 7, 5, 1, 1, 3, 2, 2, "same"),
      conv2dDims(1, 3, 2, 2, 6, 5, 3, 1, 1, "same"), // kernel larger than the input
    ]) {
      checkCase(getCore(), d, next);
    }
    expect(conv2dScratchLength(getCore(), conv2dDims(4, 6, 5, 9, 1, 1, 17, 1, 1, "valid"))).toBe(0);
  });

  it("match the reference on the Winograd path (3x3, stride 1, 8-256 channels in fours)", () => {
    const next = rng(6);
    for (const d of [
      conv2dDims(2, 8, 8, 16, 3, 3, 16, 1, 1, "same"), // ResNet-20's shapes, smaller
      conv2dDims(1, 16, 16, 32, 3, 3, 32, 1, 1, "same"),
      conv2dDims(3, 8, 8, 64, 3, 3, 64, 1, 1, "same"), // several blocks of 32 tiles
      conv2dDims(2, 7, 9, 8, 3, 3, 12, 1, 1, "same"), // odd sizes: tiles over the edge
      conv2dDims(2, 7, 6, 12, 3, 3, 8, 1, 1, "valid"),
      conv2dDims(1, 3, 3, 8, 3, 3, 8, 1, 1, "valid"), // one output pixel
      conv2dDims(2, 1, 2, 8, 3, 3, 8, 1, 1, "same"), // an image smaller than a tile window
      conv2dDims(3, 21, 20, 8, 3, 3, 8, 1, 1, "same"), // several blocks of 256 tiles
      conv2dDims(2, 5, 4, 128, 3, 3, 96, 1, 1, "same"), // a transformed filter too wide for the pack
    ]) {
      checkCase(getCore(), d, next);
    }
  });

  it("match the reference on the LeNet-5 layer shapes", () => {
    const next = rng(4);
    checkCase(getCore(), conv2dDims(2, 28, 28, 1, 5, 5, 6, 1, 1, "same"), next);
    checkCase(getCore(), conv2dDims(2, 14, 14, 6, 5, 5, 16, 1, 1, "valid"), next);
    checkCase(getCore(), conv2dDims(1, 32, 32, 3, 5, 5, 6, 1, 1, "valid"), next);
  });

  it("split a large batch into chunks with bounded scratch", () => {
    const d = conv2dDims(64, 16, 16, 17, 3, 3, 3, 1, 1, "same");
    const patchMatrix = 64 * 16 * 16 * 3 * 3 * 17;
    const scratch = conv2dScratchLength(getCore(), d);
    expect(scratch).toBeGreaterThan(0);
    expect(scratch).toBeLessThan(patchMatrix / 2);
    expect(conv2dScratchLength(getCore(), conv2dDims(1024, 16, 16, 17, 3, 3, 3, 1, 1, "same"))).toBe(scratch);
    checkCase(getCore(), d, rng(5));
  });

  it("reject bad dims and buffers by name, before writing anything", () => {
    const core = getCore();
    const d = conv2dDims(2, 5, 5, 3, 3, 3, 4, 1, 1, "valid");
    const n = lengths(d);
    const bufs = new Buffers(core);
    try {
      const [x, w, y, s] = [bufs.output(n.x), bufs.output(n.w), bufs.output(n.y), bufs.output(conv2dScratchLength(core, d))];
      const fwd = (dims: Conv2dDims, xb = x, yb = y, sb = s) => () => conv2dForward(core, dims, xb, w, null, yb, sb);
      expect(fwd({ ...d, outH: 4 })).toThrow("conv2dForward: dims.outH is 4, but the shapes give 3; make dims with conv2dDims()");
      expect(fwd({ ...d, padLeft: 1 })).toThrow("conv2dForward: dims.padLeft is 1, but the shapes give 0");
      expect(fwd({ ...d, batch: 1.5 })).toThrow("conv2dForward: dims.batch is 1.5; expected a whole number from 1 to 2147483647");
      expect(fwd({ ...d, strideW: 0 })).toThrow("conv2dForward: dims.strideW is 0; expected a whole number");
      expect(fwd({ ...d, inC: 2 ** 32 })).toThrow("conv2dForward: dims.inC is 4294967296; expected a whole number");
      expect(fwd({ ...d, padding: "full" as Padding })).toThrow('conv2dForward: dims.padding is "full"; expected "valid" or "same"');
      expect(fwd(conv2dDims(1, 3, 4, 3, 5, 2, 4, 1, 1, "valid"))).toThrow(
        "conv2dForward: the kernel (5x2) is larger than the input (3x4) with valid padding",
      );
      expect(fwd(d, x.subarray(0, n.x - 1))).toThrow(`conv2dForward: x holds ${n.x - 1} elements, expected at least ${n.x}`);
      expect(fwd(d, x, y, s.subarray(0, 10))).toThrow(/conv2dForward: scratch holds 10 elements, expected at least \d+/);
      expect(fwd(d, x, x)).toThrow("conv2dForward: x and y share memory; an output must not overlap another argument");
      expect(() => conv2dBackwardInput(core, d, y, w, s.subarray(5, n.x), s)).toThrow("conv2dBackwardInput: dx and scratch share memory");
      expect(() => conv2dBackwardFilter(core, d, x, y, w.subarray(0, 5), s)).toThrow(
        `conv2dBackwardFilter: dw holds 5 elements, expected at least ${n.w}`,
      );
      expect(() => conv2dBackwardBias(core, { ...d, outW: 2.5 }, y, w)).toThrow("conv2dBackwardBias: dims.outW is 2.5");
      expect(() => conv2dScratchLength(core, { ...d, kW: 6 })).toThrow("conv2dScratchLength: the kernel (3x6) is larger");
      expect(() => conv2dScratchLength(core, conv2dDims(1, 4096, 4096, 64, 1, 1, 1, 1, 1, "valid"))).toThrow(
        "conv2dScratchLength: x would hold 1073741824 floats, over the 2 GiB a wasm32 kernel can address",
      );
      // 32 rows of a 2^24-float patch: the kernel fits, the scratch would not.
      expect(() => conv2dForward(core, conv2dDims(1, 8, 8, 16, 1024, 1024, 1, 1, 1, "same"), x, w, null, y, s)).toThrow(
        "conv2dForward: the scratch for these shapes would be over the 2 GiB a wasm32 kernel can address",
      );
      // Nothing was written by the refused calls.
      expect(core.read(y).every(Number.isNaN) && core.read(x).every(Number.isNaN)).toBe(true);
    } finally {
      bufs.freeAll();
    }
  });
});
