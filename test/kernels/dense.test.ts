import { expect, it } from "vitest";
import { denseBackward, denseForward } from "../../ts/kernels/dense.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { denseBackwardReference, denseForwardReference } from "../reference/dense.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

function nanBuffer(core: WasmCore, n: number): WasmBuffer {
  return upload(core, new Float32Array(n).fill(NaN));
}

/** Shapes: batch 1 and 64 among random ones, odd widths. */
function shapes(next: () => number): [number, number, number][] {
  const out: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [64, 33, 10], [64, 1, 17]];
  for (let i = 0; i < 12; i++) out.push([randomInt(next, 1, 40), randomInt(next, 1, 45), randomInt(next, 1, 21)]);
  return out;
}

describeEachCore("dense kernels", (getCore) => {
  it("forward matches the reference with and without bias", () => {
    const core = getCore();
    const next = rng(10);
    for (const [batch, inputs, units] of shapes(next)) {
      const [xa, wa, ba] = [randomArray(next, batch * inputs), randomArray(next, inputs * units), randomArray(next, units)];
      const [x, w, b, y] = [upload(core, xa), upload(core, wa), upload(core, ba), nanBuffer(core, batch * units)];
      for (const withBias of [true, false]) {
        denseForward(core, batch, inputs, units, x, w, withBias ? b : null, y);
        const expected = denseForwardReference(batch, inputs, units, xa, wa, withBias ? ba : null);
        expectClose(core.read(y), expected, `dense forward ${batch}x${inputs}->${units} bias=${withBias}`, 1e-5, 1e-5);
      }
      for (const buf of [x, w, b, y]) core.free(buf);
    }
  });

  it("backward matches the reference, and skips dx and db when null", () => {
    const core = getCore();
    const next = rng(11);
    for (const [batch, inputs, units] of shapes(next)) {
      const [xa, wa, dya] = [randomArray(next, batch * inputs), randomArray(next, inputs * units), randomArray(next, batch * units)];
      const [x, w, dy] = [upload(core, xa), upload(core, wa), upload(core, dya)];
      const [dx, dw, db] = [nanBuffer(core, batch * inputs), nanBuffer(core, inputs * units), nanBuffer(core, units)];
      const expected = denseBackwardReference(batch, inputs, units, xa, wa, dya);
      const what = `dense backward ${batch}x${inputs}->${units}`;
      denseBackward(core, batch, inputs, units, x, w, dy, dx, dw, db);
      expectClose(core.read(dx), expected.dx, `${what} dx`, 1e-5, 1e-5);
      expectClose(core.read(dw), expected.dw, `${what} dw`, 1e-5, 1e-5);
      expectClose(core.read(db), expected.db, `${what} db`, 1e-5, 1e-5);
      core.write(dx, new Float32Array(batch * inputs).fill(7));
      core.write(db, new Float32Array(units).fill(7));
      denseBackward(core, batch, inputs, units, x, w, dy, null, dw, null);
      expectClose(core.read(dw), expected.dw, `${what} dw alone`, 1e-5, 1e-5);
      expect(core.read(dx).every((v) => v === 7) && core.read(db).every((v) => v === 7), `${what}: untouched`).toBe(true);
      for (const buf of [x, w, dy, dx, dw, db]) core.free(buf);
    }
  });

  it("rejects bad sizes and short buffers by name", () => {
    const core = getCore();
    const [x, w, y, short] = [core.alloc(6), core.alloc(12), core.alloc(8), core.alloc(3)];
    expect(() => denseForward(core, 0, 3, 4, x, w, null, y)).toThrow("denseForward: batch must be a whole number >= 1, received 0");
    expect(() => denseForward(core, 2, 1.5, 4, x, w, null, y)).toThrow("denseForward: inputs must be a whole number >= 1, received 1.5");
    expect(() => denseForward(core, 2, 3, NaN, x, w, null, y)).toThrow("denseForward: units must be a whole number >= 1, received NaN");
    expect(() => denseForward(core, 2, 3, 4, x, w, short, y)).toThrow("denseForward: bias holds 3 elements, expected at least 4");
    expect(() => denseForward(core, 2, 3, 4, x, short, null, y)).toThrow("denseForward: w holds 3 elements, expected at least 12");
    expect(() => denseBackward(core, 2, 3, 4, x, w, y, short, w, null)).toThrow("denseBackward: dx holds 3 elements, expected at least 6");
    expect(() => denseBackward(core, 2, 3, 4, x, w, short, null, w, null)).toThrow("denseBackward: dy holds 3 elements, expected at least 8");
    for (const buf of [x, w, y, short]) core.free(buf);
  });

  it("rejects outputs that overlap another argument by name, before writing", () => {
    const core = getCore();
    const arena = core.alloc(64);
    core.write(arena, Array.from({ length: 64 }, (_, i) => i));
    const at = (offset: number, length: number) => arena.subarray(offset, length);
    const [x, w, bias, dy] = [at(0, 6), at(6, 12), at(18, 4), at(22, 8)];
    const message = "share memory; an output must not overlap another argument";
    expect(() => denseForward(core, 2, 3, 4, x, w, bias, at(4, 8))).toThrow(`denseForward: x and y ${message}`);
    expect(() => denseForward(core, 2, 3, 4, x, w, bias, at(20, 8))).toThrow(`denseForward: bias and y ${message}`);
    expect(() => denseBackward(core, 2, 3, 4, x, w, dy, at(29, 6), at(40, 12), null)).toThrow(`denseBackward: dy and dx ${message}`);
    expect(() => denseBackward(core, 2, 3, 4, x, w, dy, at(30, 6), at(35, 12), null)).toThrow(`denseBackward: dx and dw ${message}`);
    expect(() => denseBackward(core, 2, 3, 4, x, w, dy, null, at(40, 12), at(51, 4))).toThrow(`denseBackward: dw and db ${message}`);
    // Inputs may share memory: only outputs are exclusive.
    denseForward(core, 2, 3, 4, x, at(0, 12), at(0, 4), at(30, 8));
    expect(Array.from(core.read(arena)).slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    core.free(arena);
  });
});
