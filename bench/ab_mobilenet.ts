/**
 * A/B of two builds of the SIMD module on the kernels of MobileNetV2 (alpha 0.35, 96x96x3)
 * and ResNet-20 training that are not Conv2D, at batch 64: depthwise convolution (every
 * depthwise shape of MobileNetV2, both backward passes), batch normalization (training
 * forward, backward, inference), ReLU6, Add and zero padding over the same sizes. Runs are
 * interleaved (A, B, A, B, ...) in one process, so both builds see the same load:
 *
 *   git show HEAD:wasm/simdnet-simd.wasm > /tmp/before.wasm; (change, rebuild)
 *   npx vite-node bench/ab_mobilenet.ts /tmp/before.wasm wasm/simdnet-simd.wasm [--only=label]
 *
 * Prints per case the median milliseconds per call of each build, B / A of the medians and
 * of the fastest runs (`--rounds=N` alternations, default 7). A case whose
 * export is missing from a build (a kernel added since) reports "-" for that build.
 */
import { readFileSync } from "node:fs";
import { createCore } from "../ts/wasm/loader.js";
import type { WasmBuffer, WasmCore } from "../ts/wasm/core.js";
import { depthwiseDims, type DepthwiseDims } from "../ts/shapes.js";
import { depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward, pad2dBackward, pad2dForward } from "../ts/kernels/depthwise.js";
import { batchNormBackward, batchNormForwardInference, batchNormForwardTrain } from "../ts/kernels/batch_norm.js";
import { unaryBackward, unaryForward, type UnaryFn } from "../ts/kernels/unary.js";
import { markdownTable, median, timeRun } from "./util.js";

const [pathA, pathB] = process.argv.slice(2, 4);
if (!pathA || !pathB) throw new Error("usage: npx vite-node bench/ab_mobilenet.ts A.wasm B.wasm [--only=label]");
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
/** Alternations per case (more on a loaded machine). */
const rounds = Number(process.argv.find((arg) => arg.startsWith("--rounds="))?.slice("--rounds=".length) ?? 7);

const batch = 64;
/** MobileNetV2 0.35/96's depthwise layers (the padded input of a stride-2 one, `valid`). */
const DEPTHWISE: [string, DepthwiseDims][] = [
  ["dw 48x48x16 s1", depthwiseDims(batch, 48, 48, 16, 3, 3, 1, 1, 1, "same")],
  ["dw 49x49x48 s2", depthwiseDims(batch, 49, 49, 48, 3, 3, 1, 2, 2, "valid")],
  ["dw 24x24x48 s1", depthwiseDims(batch, 24, 24, 48, 3, 3, 1, 1, 1, "same")],
  ["dw 25x25x48 s2", depthwiseDims(batch, 25, 25, 48, 3, 3, 1, 2, 2, "valid")],
  ["dw 12x12x96 s1", depthwiseDims(batch, 12, 12, 96, 3, 3, 1, 1, 1, "same")],
  ["dw 13x13x96 s2", depthwiseDims(batch, 13, 13, 96, 3, 3, 1, 2, 2, "valid")],
  ["dw 6x6x144 s1", depthwiseDims(batch, 6, 6, 144, 3, 3, 1, 1, 1, "same")],
  ["dw 6x6x192 s1", depthwiseDims(batch, 6, 6, 192, 3, 3, 1, 1, 1, "same")],
  ["dw 7x7x192 s2", depthwiseDims(batch, 7, 7, 192, 3, 3, 1, 2, 2, "valid")],
  ["dw 3x3x336 s1", depthwiseDims(batch, 3, 3, 336, 3, 3, 1, 1, 1, "same")],
];
/** [rows, channels] of the elementwise cases: MobileNetV2's largest tensors and ResNet-20's first stage. */
const ELEMENTWISE: [string, number, number][] = [
  ["48x48x16", batch * 48 * 48, 16],
  ["48x48x48", batch * 48 * 48, 48],
  ["24x24x48", batch * 24 * 24, 48],
  ["12x12x96", batch * 12 * 12, 96],
  ["resnet 32x32x16", batch * 32 * 32, 16],
  // Small enough to stay in cache: the kernels' own speed, not memory's.
  ["cached 2x32x32x16", 2 * 32 * 32, 16],
  ["cached 2x16x16x96", 2 * 16 * 16, 96],
];
const RELU6: UnaryFn = { kind: "relu", maxValue: 6, negativeSlope: 0, threshold: 0 };

/** The calls compared, each bound to buffers of one core; null where the build lacks the export. */
function cases(core: WasmCore): [string, (() => void) | null][] {
  const filled = (n: number): WasmBuffer => {
    const b = core.alloc(Math.max(n, 1));
    core.write(b, Float32Array.from({ length: b.length }, (_, i) => Math.sin(i)));
    return b;
  };
  const has = (name: string): boolean => typeof (core as unknown as { exports: Record<string, unknown> }).exports?.[name] === "function";
  void has;
  const out: [string, (() => void) | null][] = [];
  for (const [name, d] of DEPTHWISE) {
    if (only && !["forward", "backward filter", "backward input"].some((pass) => `${name} ${pass}`.includes(only))) continue;
    const x = filled(d.batch * d.inH * d.inW * d.channels);
    const w = filled(d.kH * d.kW * d.channels);
    const y = filled(d.batch * d.outH * d.outW * d.channels);
    out.push([`${name} forward`, () => depthwiseForward(core, d, x, w, null, y)]);
    out.push([`${name} backward filter`, () => depthwiseBackwardFilter(core, d, x, y, w)]);
    out.push([`${name} backward input`, () => depthwiseBackwardInput(core, d, y, w, x)]);
  }
  for (const [name, rows, c] of ELEMENTWISE) {
    const n = rows * c;
    const [x, y, dy, dx] = [filled(n), filled(n), filled(n), filled(n)];
    const [g, b, stats, mean, variance, dg, db] = [filled(c), filled(c), filled(2 * c), filled(c), filled(c), filled(c), filled(c)];
    core.f32(variance).fill(1);
    out.push([`bn ${name} train forward`, () => batchNormForwardTrain(core, rows, c, 1e-3, x, g, b, y, stats)]);
    out.push([`bn ${name} backward`, () => batchNormBackward(core, rows, c, 1e-3, x, dy, g, stats, dx, dg, db)]);
    out.push([`bn ${name} inference`, () => batchNormForwardInference(core, rows, c, 1e-3, x, g, b, mean, variance, y)]);
    out.push([`relu6 ${name} forward (in place)`, () => unaryForward(core, RELU6, n, y)]);
    out.push([`relu6 ${name} backward (from x)`, () => unaryBackward(core, RELU6, n, x, dx)]);
  }
  if (!only || "pad".includes(only) || only.includes("pad")) {
    for (const [name, h, c] of [["pad 48x48x48", 48, 48], ["pad 24x24x48", 24, 48]] as const) {
      const d = { batch, h, w: h, c, top: 0, bottom: 1, left: 0, right: 1 };
      const x = filled(batch * h * h * c);
      const y = filled(batch * (h + 1) * (h + 1) * c);
      out.push([`${name} forward`, () => pad2dForward(core, d, x, y)]);
      out.push([`${name} backward`, () => pad2dBackward(core, d, y, x)]);
    }
  }
  return only ? out.filter(([label]) => label.includes(only)) : out;
}



const a = cases(await createCore("simd", readFileSync(pathA)));
const b = cases(await createCore("simd", readFileSync(pathB)));
const rows: string[][] = [];
for (let i = 0; i < a.length; i++) {
  const [label, runA] = a[i]!;
  const runB = b[i]![1];
  const runs = [runA, runB].filter((f): f is () => void => f !== null);
  for (const f of runs) timeRun(f, 60);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (runA) ta.push(timeRun(runA, 15));
    if (runB) tb.push(timeRun(runB, 15));
  }
  const ma = runA ? median(ta) : NaN;
  const mb = runB ? median(tb) : NaN;
  // The fastest run of each: on a loaded machine, closer to what the code can do.
  const [fa, fb] = [Math.min(...ta), Math.min(...tb)];
  const show = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "-");
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? (b / a).toFixed(2) : "-");
  rows.push([label, show(ma), show(mb), ratio(ma, mb), ratio(fa, fb)]);
}
console.log(markdownTable(["case (batch 64)", "A ms (median)", "B ms (median)", "B / A", "B / A (fastest runs)"], rows));
