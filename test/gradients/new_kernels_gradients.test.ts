/**
 * The backward kernels of issue 10's layers against central finite differences of the
 * scalar loss L = sum(y * r), r fixed and random, y from the forward wasm kernel, L summed
 * in float64: batch normalization (training and inference), depthwise conv2d, dilated
 * conv2d, zero padding and the Keras 3 activations. With dy = r each backward kernel must
 * return dL/d(its input).
 */
import { expect, it } from "vitest";
import {
  batchNormBackward, batchNormBackwardInference, batchNormForwardInference, batchNormForwardTrain,
} from "../../ts/kernels/batch_norm.js";
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength } from "../../ts/kernels/conv2d.js";
import {
  depthwiseBackwardBias, depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward, pad2dBackward, pad2dForward,
} from "../../ts/kernels/depthwise.js";
import { unaryBackward, unaryForward, type UnaryFn } from "../../ts/kernels/unary.js";
import { conv2dDims, depthwiseDims } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

function upload(core: WasmCore, values: ArrayLike<number>): WasmBuffer {
  const b = core.alloc(values.length);
  core.write(b, values);
  return b;
}

function dot(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i]! * r[i]!;
  return s;
}

/** Compares `grad` with central differences of `loss` in `param` at up to 30 sampled indices. */
function expectGradient(core: WasmCore, what: string, param: WasmBuffer, grad: Float32Array, h: number, loss: () => number, next: () => number): void {
  const n = grad.length;
  const idx = n <= 30 ? Array.from({ length: n }, (_, i) => i) : [0, n - 1, ...Array.from({ length: 28 }, () => randomInt(next, 0, n - 1))];
  for (const i of idx) {
    const v = core.f32(param)[i]!;
    const [up, down] = [Math.fround(v + h), Math.fround(v - h)];
    core.f32(param)[i] = up;
    const lu = loss();
    core.f32(param)[i] = down;
    const ld = loss();
    core.f32(param)[i] = v;
    const numeric = (lu - ld) / (up - down);
    const err = Math.abs(grad[i]! - numeric);
    expect(err <= 2e-3 + 2e-3 * Math.abs(numeric), `${what}[${i}]: backward ${grad[i]}, finite difference ${numeric}`).toBe(true);
  }
}

describeEachCore("gradients of the new kernels", (getCore) => {
  it("batch normalization, training: dx, dgamma, dbeta (with and without center/scale)", () => {
    const core = getCore();
    const next = rng(31);
    for (const [rows, c] of [[6, 3], [2, 5], [13, 7], [4, 66]] as const) {
      for (const [center, scale] of [[true, true], [false, true], [true, false], [false, false]] as const) {
        const r = randomArray(next, rows * c);
        const [x, g, b, rb] = [upload(core, randomArray(next, rows * c, -2, 2)), upload(core, randomArray(next, c, 0.5, 1.5)), upload(core, randomArray(next, c)), upload(core, r)];
        const [y, stats, dx, dg, db] = [core.alloc(rows * c), core.alloc(2 * c), core.alloc(rows * c), core.alloc(c), core.alloc(c)];
        const [gamma, beta] = [scale ? g : null, center ? b : null];
        const loss = () => {
          batchNormForwardTrain(core, rows, c, 1e-3, x, gamma, beta, y, stats);
          return dot(core.f32(y), r);
        };
        loss();
        batchNormBackward(core, rows, c, 1e-3, x, rb, gamma, stats, dx, dg, db);
        const what = `bn ${rows}x${c} center ${center} scale ${scale}`;
        // A small step: with few rows a channel's variance can be small and the loss curves
        // sharply in x. gamma and beta enter linearly.
        expectGradient(core, `dx ${what}`, x, core.read(dx), 2e-3, loss, next);
        expectGradient(core, `dgamma ${what}`, g, scale ? core.read(dg) : new Float32Array(c), 0.5, loss, next);
        expectGradient(core, `dbeta ${what}`, b, center ? core.read(db) : new Float32Array(c), 0.5, loss, next);
        for (const buf of [x, g, b, rb, y, stats, dx, dg, db]) core.free(buf);
      }
    }
  });

  it("batch normalization, inference: dx through the moving statistics", () => {
    const core = getCore();
    const next = rng(32);
    const [rows, c] = [5, 6];
    const r = randomArray(next, rows * c);
    const [x, g, b, mm, mv, rb] = [upload(core, randomArray(next, rows * c)), upload(core, randomArray(next, c)), upload(core, randomArray(next, c)),
      upload(core, randomArray(next, c)), upload(core, randomArray(next, c, 0.2, 2)), upload(core, r)];
    const [y, dx] = [core.alloc(rows * c), core.alloc(rows * c)];
    const loss = () => {
      batchNormForwardInference(core, rows, c, 1e-3, x, g, b, mm, mv, y);
      return dot(core.f32(y), r);
    };
    batchNormBackwardInference(core, rows, c, 1e-3, rb, g, mv, dx);
    expectGradient(core, "inference dx", x, core.read(dx), 0.5, loss, next);
    for (const buf of [x, g, b, mm, mv, rb, y, dx]) core.free(buf);
  });

  it("depthwise conv2d: dx, dw, db", () => {
    const core = getCore();
    const next = rng(33);
    for (const d of [depthwiseDims(2, 6, 5, 3, 3, 3, 1, 1, 1, "same"), depthwiseDims(1, 7, 7, 2, 3, 2, 3, 2, 1, "valid"), depthwiseDims(2, 8, 6, 5, 3, 3, 2, 2, 2, "same", 2, 2)]) {
      const oc = d.channels * d.multiplier;
      const [nx, ny, nw] = [d.batch * d.inH * d.inW * d.channels, d.batch * d.outH * d.outW * oc, d.kH * d.kW * oc];
      const r = randomArray(next, ny);
      const [x, w, b, rb] = [upload(core, randomArray(next, nx)), upload(core, randomArray(next, nw)), upload(core, randomArray(next, oc)), upload(core, r)];
      const [y, dx, dw, db] = [core.alloc(ny), core.alloc(nx), core.alloc(nw), core.alloc(oc)];
      const loss = () => {
        depthwiseForward(core, d, x, w, b, y);
        return dot(core.f32(y), r);
      };
      depthwiseBackwardInput(core, d, rb, w, dx);
      depthwiseBackwardFilter(core, d, x, rb, dw);
      depthwiseBackwardBias(core, d, rb, db);
      const what = JSON.stringify(d);
      // Linear in each argument: a large step loses nothing to curvature.
      expectGradient(core, `dx ${what}`, x, core.read(dx), 0.5, loss, next);
      expectGradient(core, `dw ${what}`, w, core.read(dw), 0.5, loss, next);
      expectGradient(core, `db ${what}`, b, core.read(db), 0.5, loss, next);
      for (const buf of [x, w, b, rb, y, dx, dw, db]) core.free(buf);
    }
  });

  it("dilated conv2d: dx, dw", () => {
    const core = getCore();
    const next = rng(34);
    for (const d of [conv2dDims(2, 7, 6, 3, 3, 2, 4, 1, 1, "same", 2, 3), conv2dDims(1, 9, 9, 2, 3, 3, 3, 1, 1, "valid", 3, 2)]) {
      const [nx, ny, nw] = [d.batch * d.inH * d.inW * d.inC, d.batch * d.outH * d.outW * d.outC, d.kH * d.kW * d.inC * d.outC];
      const r = randomArray(next, ny);
      const [x, w, rb] = [upload(core, randomArray(next, nx)), upload(core, randomArray(next, nw)), upload(core, r)];
      const [y, dx, dw, scratch] = [core.alloc(ny), core.alloc(nx), core.alloc(nw), core.alloc(Math.max(1, conv2dScratchLength(core, d)))];
      const loss = () => {
        conv2dForward(core, d, x, w, null, y, scratch);
        return dot(core.f32(y), r);
      };
      conv2dBackwardInput(core, d, rb, w, dx, scratch);
      conv2dBackwardFilter(core, d, x, rb, dw, scratch);
      expectGradient(core, `dx ${JSON.stringify(d)}`, x, core.read(dx), 0.5, loss, next);
      expectGradient(core, `dw ${JSON.stringify(d)}`, w, core.read(dw), 0.5, loss, next);
      for (const buf of [x, w, rb, y, dx, dw, scratch]) core.free(buf);
    }
  });

  it("zero padding: dx", () => {
    const core = getCore();
    const next = rng(35);
    const d = { batch: 2, h: 3, w: 4, c: 2, top: 1, bottom: 2, left: 0, right: 3 };
    const ny = d.batch * (d.h + 3) * (d.w + 3) * d.c;
    const r = randomArray(next, ny);
    const [x, rb, y, dx] = [upload(core, randomArray(next, 48)), upload(core, r), core.alloc(ny), core.alloc(48)];
    const loss = () => {
      pad2dForward(core, d, x, y);
      return dot(core.f32(y), r);
    };
    pad2dBackward(core, d, rb, dx);
    expectGradient(core, "pad dx", x, core.read(dx), 0.5, loss, next);
    for (const buf of [x, rb, y, dx]) core.free(buf);
  });

  const fns: [string, UnaryFn][] = [
    ["relu6", { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 }],
    ["ReLU(2, 0.25, 0.5)", { kind: "relu", maxValue: 2, negativeSlope: 0.25, threshold: 0.5 }],
    ["elu", { kind: "elu", alpha: 1 }],
    ["selu", { kind: "selu" }],
    ["swish", { kind: "swish" }],
    ["gelu", { kind: "gelu", approximate: false }],
    ["gelu tanh", { kind: "gelu", approximate: true }],
    ["hardSigmoid", { kind: "hardSigmoid" }],
  ];
  for (const [name, f] of fns) {
    it(`${name}: dx`, () => {
      const core = getCore();
      const next = rng(name.length + 40);
      const n = 37;
      // Off the kinks (0, 0.5, 2, +-3, 6) by more than the step.
      const xa = Float32Array.from({ length: n }, () => {
        let v: number;
        do v = -7 + 14 * next();
        while ([0, 0.5, 2, -3, 3, 6].some((k) => Math.abs(v - k) < 0.05));
        return v;
      });
      const r = randomArray(next, n);
      const [x, xy, dxy] = [upload(core, xa), core.alloc(n), upload(core, r)];
      const loss = () => {
        core.write(xy, core.f32(x));
        unaryForward(core, f, n, xy);
        return dot(core.f32(xy), r);
      };
      unaryBackward(core, f, n, x, dxy);
      expectGradient(core, `${name} dx`, x, core.read(dxy), 1e-2, loss, next);
      for (const buf of [x, xy, dxy]) core.free(buf);
    });
  }
});
