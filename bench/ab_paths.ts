/**
 * A/B of old and new code paths on one build of the SIMD module, interleaved in one
 * process: the elementwise layers of MobileNetV2 and ResNet-20 training at batch 64.
 *
 *   npx vite-node bench/ab_paths.ts
 *
 * - ReLU6 forward: a copy then the in-place kernel (A) vs one out-of-place pass (B);
 *   backward: a copy of dy then the in-place kernel reading x (A) vs one pass reading y (B).
 * - Add forward (and the runner's gradient sums): a JavaScript loop over the views (A) vs
 *   the wasm kernel (B).
 */
import { readFileSync } from "node:fs";
import { createCore } from "../ts/wasm/loader.js";
import type { WasmBuffer } from "../ts/wasm/core.js";
import { addInto, reluBackwardInto, reluForwardInto, unaryBackward, unaryForward, type UnaryFn } from "../ts/kernels/unary.js";
import { copyFloats } from "../ts/layers/layer.js";
import { markdownTable, median, timeRun } from "./util.js";

const core = await createCore("simd", readFileSync(new URL("../wasm/simdnet-simd.wasm", import.meta.url)));
const filled = (n: number): WasmBuffer => {
  const b = core.alloc(n);
  core.write(b, Float32Array.from({ length: n }, (_, i) => 8 * Math.sin(i)));
  return b;
};
const RELU6: UnaryFn = { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 };
const batch = 64;
const cases: [string, () => void, () => void][] = [];
for (const [name, n] of [["48x48x48", batch * 48 * 48 * 48], ["24x24x48", batch * 24 * 24 * 48], ["resnet 32x32x16", batch * 32 * 32 * 16]] as const) {
  const [x, y, dy, dx] = [filled(n), filled(n), filled(n), filled(n)];
  cases.push([`relu6 ${name} forward`, () => {
    copyFloats(core, x, y, n);
    unaryForward(core, RELU6, n, y);
  }, () => reluForwardInto(core, RELU6, n, x, y)]);
  cases.push([`relu6 ${name} backward`, () => {
    copyFloats(core, dy, dx, n);
    unaryBackward(core, RELU6, n, x, dx);
  }, () => reluBackwardInto(core, RELU6, n, true, y, dy, dx)]);
  cases.push([`add ${name} forward`, () => {
    const [o, a, b] = [core.f32(y), core.f32(x), core.f32(dy)];
    for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
  }, () => addInto(core, n, x, dy, y)]);
}

const rows: string[][] = [];
for (const [label, a, b] of cases) {
  timeRun(a, 60);
  timeRun(b, 60);
  const [ta, tb]: number[][] = [[], []];
  for (let r = 0; r < 9; r++) {
    ta.push(timeRun(a, 25));
    tb.push(timeRun(b, 25));
  }
  const [ma, mb] = [median(ta), median(tb)];
  rows.push([label, ma.toFixed(3), mb.toFixed(3), (mb / ma).toFixed(2)]);
}
console.log(markdownTable(["case (batch 64)", "A (old path) ms", "B (new path) ms", "B / A"], rows));
