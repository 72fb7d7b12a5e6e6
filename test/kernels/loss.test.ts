import { expect, it } from "vitest";
import { categoricalCrossEntropy, countCorrect, meanSquaredError, softmaxCrossEntropy } from "../../ts/kernels/loss.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { activationReference } from "../reference/activation.js";
import {
  categoricalCrossEntropyReference,
  countCorrectReference,
  meanSquaredErrorReference,
  softmaxCrossEntropyReference,
} from "../reference/loss.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

function oneHot(next: () => number, batch: number, classes: number): Float32Array {
  const y = new Float32Array(batch * classes);
  for (let r = 0; r < batch; r++) y[r * classes + randomInt(next, 0, classes - 1)] = 1;
  return y;
}

/**
 * The gradient of a double-precision reference loss by central differences. The step is
 * 1e-6, or a tenth of a smaller |x| so that it never crosses a clipping kink near 0.
 */
function referenceGradient(loss: (x: Float64Array) => number, x: ArrayLike<number>): Float64Array {
  const at = Float64Array.from(x);
  return at.map((v, i) => {
    const h = Math.min(1e-6, Math.abs(v) / 10) || 1e-6;
    at[i] = v + h;
    const up = loss(at);
    at[i] = v - h;
    const down = loss(at);
    at[i] = v;
    return (up - down) / (2 * h);
  });
}

function shapes(next: () => number): [number, number][] {
  const out: [number, number][] = [[1, 1], [1, 10], [64, 10], [64, 3], [5, 2]];
  for (let i = 0; i < 6; i++) out.push([randomInt(next, 1, 40), randomInt(next, 2, 17)]);
  return out;
}

describeEachCore("loss kernels", (getCore) => {
  it("softmaxCrossEntropy matches the reference loss, probabilities and gradient", () => {
    const core = getCore();
    const next = rng(30);
    for (const [batch, classes] of shapes(next)) {
      const [xa, ya] = [randomArray(next, batch * classes, -5, 5), oneHot(next, batch, classes)];
      const [logits, labels, probs, d] = [upload(core, xa), upload(core, ya), core.alloc(xa.length), core.alloc(xa.length)];
      const what = `softmaxCrossEntropy ${batch}x${classes}`;
      const loss = softmaxCrossEntropy(core, batch, classes, logits, labels, probs, d);
      expectClose([loss], [softmaxCrossEntropyReference(classes, xa, ya)], `${what} loss`, 1e-5, 1e-6);
      expectClose(core.read(probs), activationReference("softmax", classes, xa), `${what} probs`, 1e-5, 1e-7);
      const grad = referenceGradient((x) => softmaxCrossEntropyReference(classes, x, ya), xa);
      expectClose(core.read(d), grad, `${what} dlogits`, 1e-4, 1e-6);
      for (const b of [logits, labels, probs, d]) core.free(b);
    }
  });

  it("softmaxCrossEntropy stays finite for logits like 1e4", () => {
    const core = getCore();
    const xa = [1e4, -1e4, 0, 2e4, 2e4 - 3, 0];
    const ya = [0, 1, 0, 0, 1, 0];
    const [logits, labels, probs, d] = [upload(core, xa), upload(core, ya), core.alloc(6), core.alloc(6)];
    const loss = softmaxCrossEntropy(core, 2, 3, logits, labels, probs, d);
    // Row 1: log-sum-exp = 1e4, loss 2e4. Row 2: loss = 3 + ln(1 + e^-3). Mean of both.
    expect(loss).toBeCloseTo((2e4 + 3 + Math.log(1 + Math.exp(-3))) / 2, 2);
    expectClose(core.read(d), [0.5, -0.5, 0, 0.5 * (1 / (1 + Math.exp(-3))), 0.5 * (Math.exp(-3) / (1 + Math.exp(-3)) - 1), 0], "huge logits gradient", 1e-5, 1e-7);
    for (const b of [logits, labels, probs, d]) core.free(b);
  });

  it("categoricalCrossEntropy matches the reference, including clipped and unnormalized rows", () => {
    const core = getCore();
    const next = rng(31);
    for (const [batch, classes] of shapes(next)) {
      const pa = Float32Array.from(activationReference("softmax", classes, randomArray(next, batch * classes, -4, 4)));
      if (classes > 2) {
        // Move row 0's first value below the clip floor, keeping the row sum, so that no
        // value sits near either clip edge (central differences must not straddle one).
        pa[1]! += pa[0]! - 1e-9;
        pa[0] = 1e-9;
      }
      for (let j = 0; j < classes; j++) pa[(batch - 1) * classes + j]! *= 1.7; // a row summing to 1.7
      const ya = oneHot(next, batch, classes);
      const [probs, labels, d] = [upload(core, pa), upload(core, ya), core.alloc(pa.length)];
      const what = `categoricalCrossEntropy ${batch}x${classes}`;
      const loss = categoricalCrossEntropy(core, batch, classes, probs, labels, d);
      expectClose([loss], [categoricalCrossEntropyReference(classes, pa, ya)], `${what} loss`, 1e-5, 1e-6);
      const grad = referenceGradient((p) => categoricalCrossEntropyReference(classes, p, ya), pa);
      expectClose(core.read(d), grad, `${what} dprobs`, 1e-3, 1e-4);
      for (const b of [probs, labels, d]) core.free(b);
    }
  });

  it("categoricalCrossEntropy clips at Keras's epsilon", () => {
    const core = getCore();
    const [probs, labels, d] = [upload(core, [0, 1]), upload(core, [1, 0]), core.alloc(2)];
    // p = 0 for the true class is clipped to 1e-7: loss = -ln(1e-7) = 16.118..., gradient 0 there.
    expect(categoricalCrossEntropy(core, 1, 2, probs, labels, d)).toBeCloseTo(-Math.log(Math.fround(1e-7)), 4);
    expect(Array.from(core.read(d))).toEqual([0, 0]);
    for (const b of [probs, labels, d]) core.free(b);
  });

  it("meanSquaredError matches the reference", () => {
    const core = getCore();
    const next = rng(32);
    for (const [batch, width] of shapes(next)) {
      const [pa, ta] = [randomArray(next, batch * width), randomArray(next, batch * width)];
      const [pred, target, d] = [upload(core, pa), upload(core, ta), core.alloc(pa.length)];
      const what = `meanSquaredError ${batch}x${width}`;
      const loss = meanSquaredError(core, batch, width, pred, target, d);
      expectClose([loss], [meanSquaredErrorReference(pa, ta)], `${what} loss`, 1e-5, 1e-7);
      expectClose(core.read(d), pa.map((p, i) => (2 * (p - ta[i]!)) / pa.length), `${what} dpred`, 1e-5, 1e-9);
      for (const b of [pred, target, d]) core.free(b);
    }
  });

  it("countCorrect matches the reference and gives ties to the first index", () => {
    const core = getCore();
    const next = rng(33);
    for (const [batch, classes] of shapes(next)) {
      const [sa, ya] = [randomArray(next, batch * classes), oneHot(next, batch, classes)];
      const [scores, labels] = [upload(core, sa), upload(core, ya)];
      expect(countCorrect(core, batch, classes, scores, labels)).toBe(countCorrectReference(classes, sa, ya));
      core.free(scores);
      core.free(labels);
    }
    const [scores, labels] = [upload(core, [0.5, 0.1, 0.5, 0.2, 0.7, 0.1]), upload(core, [1, 0, 0, 0, 0, 1])];
    expect(countCorrect(core, 2, 3, scores, labels)).toBe(1);
    core.free(scores);
    core.free(labels);
  });

  it("rejects bad sizes and short buffers by name", () => {
    const core = getCore();
    const [a, short] = [core.alloc(6), core.alloc(5)];
    expect(() => softmaxCrossEntropy(core, 0, 3, a, a, a, a)).toThrow("softmaxCrossEntropy: batch must be a whole number >= 1, received 0");
    expect(() => softmaxCrossEntropy(core, 2, 3, a, short, a, a)).toThrow("softmaxCrossEntropy: labels holds 5 elements, expected at least 6");
    expect(() => categoricalCrossEntropy(core, 2, -3, a, a, a)).toThrow("categoricalCrossEntropy: classes must be a whole number >= 1, received -3");
    expect(() => categoricalCrossEntropy(core, 2, 3, a, a, short)).toThrow("categoricalCrossEntropy: dprobs holds 5 elements, expected at least 6");
    expect(() => meanSquaredError(core, 2, 0.5, a, a, a)).toThrow("meanSquaredError: width must be a whole number >= 1, received 0.5");
    expect(() => meanSquaredError(core, 2, 3, short, a, a)).toThrow("meanSquaredError: pred holds 5 elements, expected at least 6");
    expect(() => countCorrect(core, 2, 3, a, short)).toThrow("countCorrect: labels holds 5 elements, expected at least 6");
    core.free(a);
    core.free(short);
  });

  it("rejects outputs that overlap another argument by name, before writing", () => {
    const core = getCore();
    const arena = core.alloc(30);
    const at = (offset: number) => arena.subarray(offset, 6);
    const message = "share memory; an output must not overlap another argument";
    expect(() => softmaxCrossEntropy(core, 2, 3, at(0), at(6), at(5), at(12))).toThrow(`softmaxCrossEntropy: logits and probs ${message}`);
    expect(() => softmaxCrossEntropy(core, 2, 3, at(0), at(6), at(12), at(17))).toThrow(`softmaxCrossEntropy: probs and dlogits ${message}`);
    expect(() => categoricalCrossEntropy(core, 2, 3, at(0), at(6), at(10))).toThrow(`categoricalCrossEntropy: labels and dprobs ${message}`);
    expect(() => meanSquaredError(core, 2, 3, at(0), at(6), at(0))).toThrow(`meanSquaredError: pred and dpred ${message}`);
    expect(Array.from(core.read(arena))).toEqual(new Array(30).fill(0));
    // Inputs may share memory: countCorrect writes nothing.
    expect(countCorrect(core, 2, 3, at(0), at(0))).toBe(2);
    core.free(arena);
  });
});
