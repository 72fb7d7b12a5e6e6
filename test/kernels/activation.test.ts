import { expect, it } from "vitest";
import { ACTIVATION_KINDS, activationBackward, activationForward, type ActivationKind } from "../../ts/kernels/activation.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { activationBackwardReference, activationReference } from "../reference/activation.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

function shapes(next: () => number): [number, number][] {
  const out: [number, number][] = [[1, 1], [1, 10], [64, 10], [64, 7], [3, 1]];
  for (let i = 0; i < 8; i++) out.push([randomInt(next, 1, 40), randomInt(next, 1, 37)]);
  return out;
}

describeEachCore("activation kernels", (getCore) => {
  for (const kind of ACTIVATION_KINDS) {
    it(`${kind}: forward and backward match the reference on random shapes`, () => {
      const core = getCore();
      const next = rng(20 + ACTIVATION_KINDS.indexOf(kind));
      for (const [rows, cols] of shapes(next)) {
        const xa = randomArray(next, rows * cols, -6, 6);
        const dya = randomArray(next, rows * cols);
        const [xy, dxy] = [upload(core, xa), upload(core, dya)];
        const what = `${kind} ${rows}x${cols}`;
        activationForward(core, kind, rows, cols, xy);
        expectClose(core.read(xy), activationReference(kind, cols, xa), `${what} forward`, 2e-6, 1e-7);
        activationBackward(core, kind, rows, cols, xy, dxy);
        expectClose(core.read(dxy), activationBackwardReference(kind, cols, xa, dya), `${what} backward`, 1e-4, 1e-6);
        core.free(xy);
        core.free(dxy);
      }
    });
  }

  it("softmax is stable for huge logits and relu passes NaN through", () => {
    const core = getCore();
    const xy = upload(core, [1e4, 1e4 - 1, -1e4, 0]);
    activationForward(core, "softmax", 1, 4, xy);
    expectClose(core.read(xy), activationReference("softmax", 4, [1e4, 1e4 - 1, -1e4, 0]), "huge logits", 1e-6, 1e-7);
    const r = upload(core, [NaN, -2, 3, -0.5, 1]);
    activationForward(core, "relu", 1, 5, r);
    const out = Array.from(core.read(r));
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out.slice(1)).toEqual([0, 3, 0, 1]);
    core.free(xy);
    core.free(r);
  });

  it("rejects unknown kinds, bad sizes and short buffers by name", () => {
    const core = getCore();
    const [a, b] = [core.alloc(6), core.alloc(5)];
    expect(() => activationForward(core, "gelu" as ActivationKind, 2, 3, a)).toThrow(
      'activationForward: kind must be one of "linear", "relu", "sigmoid", "tanh", "softmax", received "gelu"',
    );
    expect(() => activationForward(core, "relu", 0, 3, a)).toThrow("activationForward: rows must be a whole number >= 1, received 0");
    expect(() => activationForward(core, "linear", 2, 3, b)).toThrow("activationForward: xy holds 5 elements, expected at least 6");
    expect(() => activationBackward(core, "softmax", 2, 3, a, b)).toThrow("activationBackward: dxy holds 5 elements, expected at least 6");
    expect(() => activationBackward(core, "tanh", 2, 2.5, a, a)).toThrow("activationBackward: cols must be a whole number >= 1, received 2.5");
    core.free(a);
    core.free(b);
  });

  it("rejects a backward dxy that overlaps y by name, before writing", () => {
    const core = getCore();
    const arena = core.alloc(12);
    core.write(arena, Array.from({ length: 12 }, (_, i) => i + 1));
    for (const kind of ACTIVATION_KINDS) {
      expect(() => activationBackward(core, kind, 2, 3, arena.subarray(0, 6), arena.subarray(5, 6))).toThrow(
        "activationBackward: y and dxy share memory; an output must not overlap another argument",
      );
    }
    expect(Array.from(core.read(arena))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    core.free(arena);
  });
});
