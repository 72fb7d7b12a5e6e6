/**
 * The inference epilogue kernels in both wasm modules against float64 references: the
 * epilogue alone (every combination of scale, shift, residual and clip, odd channel
 * counts), the batch-norm fold against bias-then-batch-normalization, and the fused
 * conv2d, depthwise and dense forward passes against the reference layer followed by the
 * reference epilogue, on random shapes (odd sizes, stride 2, both paddings, batch 1) and
 * batches spanning several blocks; bad arguments are refused before any call.
 */
import { expect, it } from "vitest";
import {
  conv2dForwardFused, denseForwardFused, depthwiseForwardFused, epilogueApply, epilogueFoldBatchNorm, type Epilogue,
} from "../../ts/kernels/epilogue.js";
import { conv2dScratchLength } from "../../ts/kernels/conv2d.js";
import { conv2dDims, depthwiseDims, type Padding } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";
import { normalizeReference } from "../reference/batch_norm.js";
import { conv2dForwardRef } from "../reference/conv2d.js";
import { denseForwardReference } from "../reference/dense.js";
import { depthwiseForwardRef } from "../reference/depthwise.js";

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

/** The epilogue from its definition, in float64, over a `[rows, c]` output. */
function epilogueRef(y: ArrayLike<number>, c: number, p: Parts): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const ch = i % c;
    const v = y[i]! * (p.scale ? p.scale[ch]! : 1) + (p.shift ? p.shift[ch]! : 0) + (p.residual ? p.residual[i]! : 0);
    out[i] = Math.min(Math.max(v, p.lo), p.hi);
  }
  return out;
}

/** A random epilogue's host arrays. */
interface Parts {
  scale: Float32Array | null;
  shift: Float32Array | null;
  residual: Float32Array | null;
  lo: number;
  hi: number;
}

const CLIPS: [number, number][] = [[-Infinity, Infinity], [0, Infinity], [0, 6], [0, 0.5]];

function randomParts(next: () => number, c: number, len: number): Parts {
  const [lo, hi] = CLIPS[randomInt(next, 0, CLIPS.length - 1)]!;
  return {
    scale: next() < 0.5 ? randomArray(next, c) : null,
    shift: next() < 0.5 ? randomArray(next, c) : null,
    residual: next() < 0.5 ? randomArray(next, len, -3, 3) : null,
    lo,
    hi,
  };
}

/** The parts uploaded: the epilogue argument and its buffers (to free). */
function uploadParts(core: WasmCore, p: Parts): { e: Epilogue; bufs: WasmBuffer[] } {
  const up = (a: Float32Array | null) => (a ? upload(core, a) : null);
  const e: Epilogue = { scale: up(p.scale), shift: up(p.shift), residual: up(p.residual), lo: p.lo, hi: p.hi };
  return { e, bufs: [e.scale, e.shift, e.residual].filter((b): b is WasmBuffer => b !== null) };
}

describeEachCore("epilogue kernels", (getCore) => {
  it("epilogueApply matches the reference for every combination of parts", () => {
    const core = getCore();
    const next = rng(31);
    for (let trial = 0; trial < 120; trial++) {
      const c = randomInt(next, 1, 37);
      const rows = randomInt(next, 1, 9);
      const p = randomParts(next, c, rows * c);
      const ya = randomArray(next, rows * c, -8, 8);
      const { e, bufs } = uploadParts(core, p);
      const y = upload(core, ya);
      epilogueApply(core, rows, c, e, y);
      expectClose(core.read(y), epilogueRef(ya, c, p), `trial ${trial}: ${rows}x${c}`, 1e-6, 1e-6);
      for (const b of [...bufs, y]) core.free(b);
    }
  });

  it("epilogueFoldBatchNorm equals adding the bias, then batch normalization", () => {
    const core = getCore();
    const next = rng(32);
    for (let trial = 0; trial < 40; trial++) {
      const c = randomInt(next, 1, 70);
      const rows = randomInt(next, 1, 4);
      const acc = randomArray(next, rows * c);
      const gamma = next() < 0.5 ? randomArray(next, c) : null;
      const beta = next() < 0.5 ? randomArray(next, c) : null;
      const bias = next() < 0.5 ? randomArray(next, c) : null;
      const mean = randomArray(next, c);
      const variance = randomArray(next, c, 0, 3);
      const eps = 1e-3;
      const up = (a: Float32Array | null) => (a ? upload(core, a) : null);
      const [g, b, m, v, bb] = [up(gamma), up(beta), upload(core, mean), upload(core, variance), up(bias)];
      const [scale, shift] = [core.alloc(c), core.alloc(c)];
      epilogueFoldBatchNorm(core, c, eps, g, b, m, v, bb, scale, shift);
      const y = upload(core, acc);
      epilogueApply(core, rows, c, { scale, shift, residual: null, lo: -Infinity, hi: Infinity }, y);
      const biased = acc.map((a, i) => a + (bias ? bias[i % c]! : 0));
      expectClose(core.read(y), normalizeReference(rows, c, eps, biased, mean, variance, gamma, beta), `trial ${trial}: ${c} channels`, 1e-5, 1e-5);
      for (const buf of [g, b, m, v, bb, scale, shift, y]) if (buf) core.free(buf);
    }
  });

  it("conv2dForwardFused matches the reference convolution, then the epilogue", () => {
    const core = getCore();
    const next = rng(33);
    const cases: [number, number, number, number, number, number, number, Padding][] = [
      // batch, size, inC, k, outC, stride, dilation, padding; the last ones span several blocks
      [1, 32, 3, 3, 16, 1, 1, "same"], [2, 16, 8, 1, 24, 1, 1, "same"], [3, 9, 5, 3, 7, 2, 1, "valid"], [1, 7, 4, 3, 6, 1, 2, "same"],
      [5, 16, 8, 3, 40, 1, 1, "same"], [7, 16, 40, 1, 40, 1, 1, "valid"], [3, 32, 6, 3, 24, 2, 1, "same"],
    ];
    for (let i = 0; i < 16; i++) {
      const dil = next() < 0.2 ? 2 : 1;
      cases.push([randomInt(next, 1, 3), randomInt(next, 3, 11), randomInt(next, 1, 9), randomInt(next, 1, 3), randomInt(next, 1, 19),
        dil > 1 ? 1 : randomInt(next, 1, 2), dil, next() < 0.5 ? "same" : "valid"]);
    }
    for (const [batch, size, inC, k, outC, s, dil, padding] of cases) {
      const d = conv2dDims(batch, size, size, inC, k, k, outC, s, s, padding, dil, dil);
      const [xa, wa] = [randomArray(next, batch * size * size * inC), randomArray(next, k * k * inC * outC)];
      const outLen = batch * d.outH * d.outW * outC;
      const p = randomParts(next, outC, outLen);
      const { e, bufs } = uploadParts(core, p);
      const [x, w, y] = [upload(core, xa), upload(core, wa), upload(core, new Float32Array(outLen).fill(NaN))];
      const scratch = core.alloc(Math.max(1, conv2dScratchLength(core, d)));
      conv2dForwardFused(core, d, x, w, e, y, scratch);
      const what = `conv ${batch}x${size}x${size}x${inC} k${k} s${s} d${dil} ${padding} -> ${outC}`;
      expectClose(core.read(y), epilogueRef(conv2dForwardRef(d, xa, wa, null), outC, p), what, 1e-4, 1e-4);
      for (const b of [...bufs, x, w, y, scratch]) core.free(b);
    }
  });

  it("depthwiseForwardFused matches the reference depthwise convolution, then the epilogue", () => {
    const core = getCore();
    const next = rng(34);
    const cases: [number, number, number, number, number, number, Padding][] = [
      // batch, size, channels, multiplier, k, stride, padding; the last spans several blocks
      [1, 12, 16, 1, 3, 1, "same"], [2, 9, 5, 2, 3, 2, "valid"], [1, 7, 3, 1, 3, 2, "same"], [3, 48, 72, 1, 3, 2, "same"],
    ];
    for (let i = 0; i < 14; i++) {
      cases.push([randomInt(next, 1, 3), randomInt(next, 3, 11), randomInt(next, 1, 19), randomInt(next, 1, 2), randomInt(next, 1, 3),
        randomInt(next, 1, 2), next() < 0.5 ? "same" : "valid"]);
    }
    for (const [batch, size, c, m, k, s, padding] of cases) {
      const d = depthwiseDims(batch, size, size, c, k, k, m, s, s, padding, 1, 1);
      const [xa, wa] = [randomArray(next, batch * size * size * c), randomArray(next, k * k * c * m)];
      const oc = c * m;
      const outLen = batch * d.outH * d.outW * oc;
      const p = randomParts(next, oc, outLen);
      const { e, bufs } = uploadParts(core, p);
      const [x, w, y] = [upload(core, xa), upload(core, wa), upload(core, new Float32Array(outLen).fill(NaN))];
      depthwiseForwardFused(core, d, x, w, e, y);
      const what = `depthwise ${batch}x${size}x${size}x${c} m${m} k${k} s${s} ${padding}`;
      expectClose(core.read(y), epilogueRef(depthwiseForwardRef(d, xa, wa, null), oc, p), what, 1e-4, 1e-4);
      for (const b of [...bufs, x, w, y]) core.free(b);
    }
  });

  it("denseForwardFused matches the reference dense layer, then the epilogue", () => {
    const core = getCore();
    const next = rng(35);
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 64, 10], [64, 33, 10]];
    for (let i = 0; i < 10; i++) shapes.push([randomInt(next, 1, 20), randomInt(next, 1, 40), randomInt(next, 1, 21)]);
    for (const [batch, inputs, units] of shapes) {
      const [xa, wa] = [randomArray(next, batch * inputs), randomArray(next, inputs * units)];
      const p = randomParts(next, units, batch * units);
      const { e, bufs } = uploadParts(core, p);
      const [x, w, y] = [upload(core, xa), upload(core, wa), upload(core, new Float32Array(batch * units).fill(NaN))];
      denseForwardFused(core, batch, inputs, units, x, w, e, y);
      expectClose(core.read(y), epilogueRef(denseForwardReference(batch, inputs, units, xa, wa, null), units, p), `dense ${batch}x${inputs}->${units}`, 1e-4, 1e-4);
      for (const b of [...bufs, x, w, y]) core.free(b);
    }
  });

  it("refuses bad clips, short buffers and an output overlapping an input, before any call", () => {
    const core = getCore();
    const y = upload(core, [1, 2, 3, 4, 5, 6]);
    const short = core.alloc(2);
    const none: Epilogue = { scale: null, shift: null, residual: null, lo: -Infinity, hi: Infinity };
    expect(() => epilogueApply(core, 2, 3, { ...none, lo: NaN }, y)).toThrow(/epilogueApply: epilogue.lo must be a number/);
    expect(() => epilogueApply(core, 2, 3, { ...none, lo: 1, hi: 0 }, y)).toThrow(/epilogue.hi must be a number >= epilogue.lo \(1/);
    expect(() => epilogueApply(core, 2, 3, { ...none, scale: short }, y)).toThrow(/epilogueApply: scale/);
    expect(() => epilogueApply(core, 2, 3, { ...none, residual: y }, y)).toThrow(/residual and y share memory/);
    expect(() => epilogueApply(core, 0, 3, none, y)).toThrow(/rows must be a whole number >= 1, received 0/);
    expect(() => epilogueFoldBatchNorm(core, 3, -1, null, null, y, y, null, short, short)).toThrow(/epsilon must be a finite number >= 0/);
    expect(core.read(y)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    core.free(y);
    core.free(short);
  });
});
