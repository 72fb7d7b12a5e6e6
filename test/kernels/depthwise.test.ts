import { expect, it } from "vitest";
import {
  depthwiseBackwardBias, depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward, pad2dBackward, pad2dForward,
} from "../../ts/kernels/depthwise.js";
import { depthwiseDims, type DepthwiseDims, type Padding } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { depthwiseBackwardFilterRef, depthwiseBackwardInputRef, depthwiseForwardRef } from "../reference/depthwise.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

function randomDims(next: () => number): DepthwiseDims | null {
  const padding: Padding = next() < 0.5 ? "same" : "valid";
  const [inH, inW, kH, kW] = [randomInt(next, 1, 9), randomInt(next, 1, 9), randomInt(next, 1, 4), randomInt(next, 1, 4)];
  const [dH, dW] = [randomInt(next, 1, 3), randomInt(next, 1, 3)];
  if (padding === "valid" && ((kH - 1) * dH + 1 > inH || (kW - 1) * dW + 1 > inW)) return null;
  return depthwiseDims(randomInt(next, 1, 3), inH, inW, randomInt(next, 1, 13), kH, kW, randomInt(next, 1, 3),
    randomInt(next, 1, 3), randomInt(next, 1, 3), padding, dH, dW);
}

function checkCase(core: WasmCore, d: DepthwiseDims, next: () => number): void {
  const what = JSON.stringify(d);
  const oc = d.channels * d.multiplier;
  const [nx, ny, nw] = [d.batch * d.inH * d.inW * d.channels, d.batch * d.outH * d.outW * oc, d.kH * d.kW * oc];
  const [xa, wa, ba, dya] = [randomArray(next, nx), randomArray(next, nw), randomArray(next, oc), randomArray(next, ny)];
  const [x, w, b, dy] = [upload(core, xa), upload(core, wa), upload(core, ba), upload(core, dya)];
  const [y, dx, dw, db] = [core.alloc(ny), core.alloc(nx), core.alloc(nw), core.alloc(oc)];
  // NaN in every output: a kernel must write each element, not accumulate into it.
  for (const o of [y, dx, dw, db]) core.f32(o).fill(NaN);
  depthwiseForward(core, d, x, w, b, y);
  expectClose(core.read(y), depthwiseForwardRef(d, xa, wa, ba), `forward ${what}`, 1e-4, 1e-5);
  depthwiseForward(core, d, x, w, null, y);
  expectClose(core.read(y), depthwiseForwardRef(d, xa, wa, null), `forward without bias ${what}`, 1e-4, 1e-5);
  depthwiseBackwardInput(core, d, dy, w, dx);
  expectClose(core.read(dx), depthwiseBackwardInputRef(d, dya, wa), `dx ${what}`, 1e-4, 1e-5);
  depthwiseBackwardFilter(core, d, x, dy, dw);
  expectClose(core.read(dw), depthwiseBackwardFilterRef(d, xa, dya), `dw ${what}`, 1e-4, 1e-4);
  depthwiseBackwardBias(core, d, dy, db);
  const dbRef = new Float64Array(oc);
  dya.forEach((v, i) => (dbRef[i % oc] += v));
  expectClose(core.read(db), dbRef, `db ${what}`, 1e-4, 1e-4);
  for (const buf of [x, w, b, dy, y, dx, dw, db]) core.free(buf);
}

describeEachCore("depthwise conv2d and zero-padding kernels", (getCore) => {
  it("match the reference on random shapes (multipliers, strides, dilations, both paddings)", () => {
    const next = rng(5);
    let checked = 0;
    while (checked < 60) {
      const d = randomDims(next);
      if (!d) continue;
      checkCase(getCore(), d, next);
      checked++;
    }
  });

  it("match the reference on MobileNet-like shapes", () => {
    const next = rng(6);
    for (const d of [
      depthwiseDims(2, 12, 12, 16, 3, 3, 1, 1, 1, "same"),
      depthwiseDims(2, 12, 12, 24, 3, 3, 1, 2, 2, "same"),
      depthwiseDims(1, 7, 7, 37, 3, 3, 1, 1, 1, "valid"),
      depthwiseDims(1, 9, 9, 5, 3, 3, 4, 2, 2, "same", 2, 2),
      // Channel counts past the 16-lane blocks with 4-lane and scalar tails, rows wide
      // enough for interior columns, strides 1 and 2 with both paddings, batch 1.
      depthwiseDims(1, 11, 13, 21, 3, 3, 1, 1, 1, "same"),
      depthwiseDims(2, 13, 11, 35, 3, 3, 1, 2, 2, "valid"),
      depthwiseDims(1, 12, 14, 19, 3, 3, 1, 2, 2, "same"),
      depthwiseDims(1, 10, 10, 3, 3, 3, 1, 1, 1, "valid"),
      depthwiseDims(1, 9, 12, 33, 5, 5, 1, 1, 2, "same"),
      depthwiseDims(1, 8, 15, 17, 3, 3, 1, 1, 1, "same", 2, 2),
      depthwiseDims(1, 4, 4, 48, 1, 1, 1, 1, 1, "valid"),
    ]) checkCase(getCore(), d, next);
  });

  it("reject bad dims by name", () => {
    const core = getCore();
    const d = depthwiseDims(1, 5, 5, 2, 3, 3, 1, 1, 1, "valid");
    const [x, w, y] = [core.alloc(50), core.alloc(18), core.alloc(18)];
    expect(() => depthwiseForward(core, { ...d, multiplier: 0 }, x, w, null, y)).toThrow("depthwiseForward: dims.multiplier is 0");
    expect(() => depthwiseForward(core, { ...d, outH: 4 }, x, w, null, y)).toThrow("depthwiseForward: dims.outH is 4, but the shapes give 3; make dims with depthwiseDims()");
    expect(() => depthwiseForward(core, { ...d, dilationH: 3 }, x, w, null, y)).toThrow(
      "depthwiseForward: the dilated kernel spans 7x3, larger than the input (5x5) with valid padding",
    );
    expect(() => depthwiseForward(core, d, x, w.subarray(0, 17), null, y)).toThrow("depthwiseForward: w holds 17 elements, expected at least 18");
    for (const buf of [x, w, y]) core.free(buf);
  });

  it("zero padding pads and its backward crops, on random shapes", () => {
    const core = getCore();
    const next = rng(8);
    for (let i = 0; i < 30; i++) {
      const d = { batch: randomInt(next, 1, 3), h: randomInt(next, 1, 6), w: randomInt(next, 1, 6), c: randomInt(next, 1, 5),
        top: randomInt(next, 0, 3), bottom: randomInt(next, 0, 3), left: randomInt(next, 0, 3), right: randomInt(next, 0, 3) };
      const [oh, ow] = [d.top + d.h + d.bottom, d.left + d.w + d.right];
      const xa = randomArray(next, d.batch * d.h * d.w * d.c);
      const [x, y, dx] = [upload(core, xa), core.alloc(d.batch * oh * ow * d.c), core.alloc(xa.length)];
      core.f32(y).fill(NaN);
      pad2dForward(core, d, x, y);
      const want = new Float32Array(d.batch * oh * ow * d.c);
      for (let n = 0; n < d.batch; n++) for (let r = 0; r < d.h; r++) for (let q = 0; q < d.w; q++) for (let k = 0; k < d.c; k++) {
        want[((n * oh + r + d.top) * ow + q + d.left) * d.c + k] = xa[((n * d.h + r) * d.w + q) * d.c + k]!;
      }
      expect(Array.from(core.read(y))).toEqual(Array.from(want));
      pad2dBackward(core, d, y, dx);
      expect(Array.from(core.read(dx))).toEqual(Array.from(xa));
      for (const buf of [x, y, dx]) core.free(buf);
    }
    const x = core.alloc(4);
    expect(() => pad2dForward(core, { batch: 1, h: 2, w: 2, c: 1, top: -1, bottom: 0, left: 0, right: 0 }, x, x)).toThrow(
      "pad2dForward: dims.top must be a whole number from 0 to 2147483647, received -1",
    );
    core.free(x);
  });
});
