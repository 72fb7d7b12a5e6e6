/**
 * A/B of two builds of the SIMD module on LeNet-5's conv and pooling kernels at batch 64,
 * in one process with the runs interleaved (A, B, A, B, ...), so both see the same load
 * on a shared machine. For judging a compiler flag or a kernel change before keeping it:
 *
 *   cp wasm/simdnet-simd.wasm /tmp/before.wasm; (change, rebuild)
 *   npx vite-node bench/ab.ts /tmp/before.wasm wasm/simdnet-simd.wasm
 *
 * Prints, per kernel, the median milliseconds per call of each build and B / A. Two scalar
 * builds compare the same way (the flavor only names the module).
 *
 * "pool1 same" is pool 1 with `same` padding: on its even input the windows are the
 * same as `valid`'s, but the kernels take their general path rather than the 2x2 one.
 */
import { readFileSync } from "node:fs";
import { createCore } from "../ts/wasm/loader.js";
import type { WasmCore } from "../ts/wasm/core.js";
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength } from "../ts/kernels/conv2d.js";
import { avgPool2dBackward, avgPool2dForward } from "../ts/kernels/pool.js";
import { conv2dDims, depthwiseDims, pool2dDims } from "../ts/shapes.js";
import { depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from "../ts/kernels/depthwise.js";
import { markdownTable } from "./util.js";

const [pathA, pathB] = process.argv.slice(2, 4);
if (!pathA || !pathB) throw new Error("usage: npx vite-node bench/ab.ts A.wasm B.wasm [--only=label]");
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);

const batch = 64;
const conv1 = conv2dDims(batch, 28, 28, 1, 5, 5, 6, 1, 1, "same");
const conv2 = conv2dDims(batch, 14, 14, 6, 5, 5, 16, 1, 1, "valid");
const pool1 = pool2dDims(batch, 28, 28, 6, 2, 2, 2, 2, "valid");
const pool1Same = pool2dDims(batch, 28, 28, 6, 2, 2, 2, 2, "same");
const pool3x3 = pool2dDims(batch, 28, 28, 6, 3, 3, 1, 1, "same");

/** The calls compared, each bound to buffers of one core. */
function cases(core: WasmCore): [string, () => void][] {
  const filled = (n: number) => {
    const b = core.alloc(Math.max(n, 1));
    core.write(b, Float32Array.from({ length: b.length }, (_, i) => Math.sin(i)));
    return b;
  };
  const out: [string, () => void][] = [];
  for (const [name, d] of [["conv1", conv1], ["conv2", conv2]] as const) {
    const x = filled(d.batch * d.inH * d.inW * d.inC);
    const w = filled(d.kH * d.kW * d.inC * d.outC);
    const b = filled(d.outC);
    const y = filled(d.batch * d.outH * d.outW * d.outC);
    const s = filled(conv2dScratchLength(core, d));
    out.push([`${name} forward`, () => conv2dForward(core, d, x, w, b, y, s)]);
    out.push([`${name} backward filter`, () => conv2dBackwardFilter(core, d, x, y, w, s)]);
    if (name === "conv2") out.push([`${name} backward input`, () => conv2dBackwardInput(core, d, y, w, x, s)]);
  }
  for (const [name, d] of [["pool1", pool1], ["pool1 same", pool1Same], ["3x3 stride 1 same", pool3x3]] as const) {
    const px = filled(d.batch * d.inH * d.inW * d.channels);
    const py = filled(d.batch * d.outH * d.outW * d.channels);
    out.push([`${name} avg forward`, () => avgPool2dForward(core, d, px, py)]);
    out.push([`${name} avg backward`, () => avgPool2dBackward(core, d, py, px)]);
  }
  // MobileNetV2 (alpha 0.35, 96x96)'s first depthwise layer and a strided one.
  for (const [name, d] of [["depthwise 48x48x16", depthwiseDims(batch, 48, 48, 16, 3, 3, 1, 1, 1, "same")],
    ["depthwise 12x12x96 s2", depthwiseDims(batch, 12, 12, 96, 3, 3, 1, 2, 2, "same")]] as const) {
    const x = filled(d.batch * d.inH * d.inW * d.channels);
    const w = filled(d.kH * d.kW * d.channels);
    const y = filled(d.batch * d.outH * d.outW * d.channels);
    out.push([`${name} forward`, () => depthwiseForward(core, d, x, w, null, y)]);
    out.push([`${name} backward filter`, () => depthwiseBackwardFilter(core, d, x, y, w)]);
    out.push([`${name} backward input`, () => depthwiseBackwardInput(core, d, y, w, x)]);
  }
  return only ? out.filter(([label]) => label.includes(only)) : out;
}

/** Milliseconds per call over a run of about `ms` milliseconds. */
function timeRun(fn: () => void, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    calls++;
    t = performance.now();
  }
  return (t - t0) / calls;
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

const a = cases(await createCore("simd", readFileSync(pathA)));
const b = cases(await createCore("simd", readFileSync(pathB)));
const rows: string[][] = [];
for (let i = 0; i < a.length; i++) {
  const [label, runA] = a[i]!;
  const runB = b[i]![1];
  timeRun(runA, 100);
  timeRun(runB, 100);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < 9; r++) {
    ta.push(timeRun(runA, 30));
    tb.push(timeRun(runB, 30));
  }
  const [ma, mb] = [median(ta), median(tb)];
  rows.push([label, ma.toFixed(3), mb.toFixed(3), (mb / ma).toFixed(2)]);
}
console.log(markdownTable(["kernel (batch 64)", "A ms", "B ms", "B / A"], rows));
