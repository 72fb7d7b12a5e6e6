/**
 * A/B of two builds of the SIMD module on LeNet-5's conv and pooling kernels at batch 64,
 * ResNet-20's convolutions and MobileNetV2's depthwise layers, in one process with the runs interleaved (A, B, A, B, ...), so both see the same load
 * on a shared machine. For judging a compiler flag or a kernel change before keeping it:
 *
 *   cp wasm/simdnet-simd.wasm /tmp/before.wasm; (change, rebuild)
 *   npx vite-node bench/ab.ts /tmp/before.wasm wasm/simdnet-simd.wasm
 *
 * Prints, per kernel, the median milliseconds per call of each build and B / A. Two scalar
 * builds compare the same way (the flavor only names the module).
 *
 * The "r20" cases are ResNet-20's conv shapes at batch 64 and batch 1 (forward, filter and
 * input gradients), with GFLOP/s from the multiply-adds of the convolution's definition;
 * the "wide" cases are 3x3 layers of 128 and 256 channels.
 * `--only=r20` runs just those; `--runs=5` shortens the runs; `--min` reports the fastest run
 * rather than the median; `--cpu` times by process CPU time instead of the wall clock.
 * On a machine shared with other work, `--cpu --min` gave repeatable ratios where
 * wall-clock medians swung by 2x.
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
import { markdownTable, median, timeRun } from "./util.js";

const [pathA, pathB] = process.argv.slice(2, 4);
// Runs per build (9) and milliseconds per run (30) can be lowered for a quick look.
const runs = Number(process.argv.find((arg) => arg.startsWith("--runs="))?.slice("--runs=".length) ?? 9);
if (!pathA || !pathB) throw new Error("usage: npx vite-node bench/ab.ts A.wasm B.wasm [--only=label]");
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);

const batch = 64;
const conv1 = conv2dDims(batch, 28, 28, 1, 5, 5, 6, 1, 1, "same");
const conv2 = conv2dDims(batch, 14, 14, 6, 5, 5, 16, 1, 1, "valid");
const pool1 = pool2dDims(batch, 28, 28, 6, 2, 2, 2, 2, "valid");
const pool1Same = pool2dDims(batch, 28, 28, 6, 2, 2, 2, 2, "same");
const pool3x3 = pool2dDims(batch, 28, 28, 6, 3, 3, 1, 1, "same");

/** ResNet-20's conv shapes (CIFAR 32x32x3), each at batch 64 (training) and batch 1 (latency). */
const resnetShapes = (n: number) => [
  [`r20 first 32x32x3->16 b${n}`, conv2dDims(n, 32, 32, 3, 3, 3, 16, 1, 1, "same")],
  [`r20 32x32x16 3x3 b${n}`, conv2dDims(n, 32, 32, 16, 3, 3, 16, 1, 1, "same")],
  [`r20 32x32x16->32 3x3 s2 b${n}`, conv2dDims(n, 32, 32, 16, 3, 3, 32, 2, 2, "same")],
  [`r20 16x16x32 3x3 b${n}`, conv2dDims(n, 16, 16, 32, 3, 3, 32, 1, 1, "same")],
  [`r20 16x16x32->64 3x3 s2 b${n}`, conv2dDims(n, 16, 16, 32, 3, 3, 64, 2, 2, "same")],
  [`r20 8x8x64 3x3 b${n}`, conv2dDims(n, 8, 8, 64, 3, 3, 64, 1, 1, "same")],
  [`r20 1x1 s2 16->32 b${n}`, conv2dDims(n, 32, 32, 16, 1, 1, 32, 2, 2, "same")],
  [`r20 1x1 s2 32->64 b${n}`, conv2dDims(n, 16, 16, 32, 1, 1, 64, 2, 2, "same")],
] as const;

/** Wider 3x3 layers than ResNet-20's (VGG-style CIFAR stages), at batch 16: "wide" cases. */
const wideShapes = [
  ["wide 16x16x128 3x3 b16", conv2dDims(16, 16, 16, 128, 3, 3, 128, 1, 1, "same")],
  ["wide 8x8x128->256 3x3 b16", conv2dDims(16, 8, 8, 128, 3, 3, 256, 1, 1, "same")],
] as const;

/** Multiply-adds of one conv call's GEMM work (each pass does the same count), times two: FLOP. */
const convFlop = (d: ReturnType<typeof conv2dDims>) => 2 * d.batch * d.outH * d.outW * d.outC * d.kH * d.kW * d.inC;

/** The calls compared, each bound to buffers of one core; the third element is FLOP per call (0: not a conv). */
function cases(core: WasmCore): [string, () => void, number][] {
  const filled = (n: number) => {
    const b = core.alloc(Math.max(n, 1));
    core.write(b, Float32Array.from({ length: b.length }, (_, i) => Math.sin(i)));
    return b;
  };
  const out: [string, () => void, number][] = [];
  const convs: (readonly [string, ReturnType<typeof conv2dDims>])[] = [["conv1", conv1], ["conv2", conv2], ...resnetShapes(64), ...resnetShapes(1), ...wideShapes];
  for (const [name, d] of convs) {
    const x = filled(d.batch * d.inH * d.inW * d.inC);
    const w = filled(d.kH * d.kW * d.inC * d.outC);
    const b = filled(d.outC);
    const y = filled(d.batch * d.outH * d.outW * d.outC);
    const s = filled(conv2dScratchLength(core, d));
    const flop = convFlop(d);
    out.push([`${name} forward`, () => conv2dForward(core, d, x, w, b, y, s), flop]);
    // The gradients go to buffers of their own, so that no case changes another's inputs.
    const dw = filled(d.kH * d.kW * d.inC * d.outC);
    const dx = filled(d.batch * d.inH * d.inW * d.inC);
    out.push([`${name} backward filter`, () => conv2dBackwardFilter(core, d, x, y, dw, s), flop]);
    if (name !== "conv1" && !name.startsWith("r20 first")) out.push([`${name} backward input`, () => conv2dBackwardInput(core, d, y, w, dx, s), flop]);
  }
  for (const [name, d] of [["pool1", pool1], ["pool1 same", pool1Same], ["3x3 stride 1 same", pool3x3]] as const) {
    const px = filled(d.batch * d.inH * d.inW * d.channels);
    const py = filled(d.batch * d.outH * d.outW * d.channels);
    out.push([`${name} avg forward`, () => avgPool2dForward(core, d, px, py), 0]);
    out.push([`${name} avg backward`, () => avgPool2dBackward(core, d, py, px), 0]);
  }
  // MobileNetV2 (alpha 0.35, 96x96)'s first depthwise layer and a strided one.
  for (const [name, d] of [["depthwise 48x48x16", depthwiseDims(batch, 48, 48, 16, 3, 3, 1, 1, 1, "same")],
    ["depthwise 12x12x96 s2", depthwiseDims(batch, 12, 12, 96, 3, 3, 1, 2, 2, "same")]] as const) {
    const x = filled(d.batch * d.inH * d.inW * d.channels);
    const w = filled(d.kH * d.kW * d.channels);
    const y = filled(d.batch * d.outH * d.outW * d.channels);
    out.push([`${name} forward`, () => depthwiseForward(core, d, x, w, null, y), 0]);
    out.push([`${name} backward filter`, () => depthwiseBackwardFilter(core, d, x, y, w), 0]);
    out.push([`${name} backward input`, () => depthwiseBackwardInput(core, d, y, w, x), 0]);
  }
  return only ? out.filter(([label]) => label.includes(only)) : out;
}

// `--cpu`: time by this process's CPU time (user + system) rather than the wall clock, so
// that time spent descheduled on a loaded machine is not counted (cache interference still is).
const useCpu = process.argv.includes("--cpu");
const now = useCpu
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();

// `--min`: the fastest run instead of the median, steadier when other work shares the cores
// (load only ever adds time).
const useMin = process.argv.includes("--min");
const pick = (xs: number[]) => (useMin ? Math.min(...xs) : median(xs));

const a = cases(await createCore("simd", readFileSync(pathA)));
const b = cases(await createCore("simd", readFileSync(pathB)));
const rows: string[][] = [];
for (let i = 0; i < a.length; i++) {
  const [label, runA, flop] = a[i]!;
  const runB = b[i]![1];
  timeRun(runA, 100, now);
  timeRun(runB, 100, now);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < runs; r++) {
    ta.push(timeRun(runA, 30, now));
    tb.push(timeRun(runB, 30, now));
  }
  const [ma, mb] = [pick(ta), pick(tb)];
  const gflops = (ms: number) => (flop > 0 ? (flop / ms / 1e6).toFixed(1) : "-");
  rows.push([label, ma.toFixed(3), mb.toFixed(3), gflops(ma), gflops(mb), (mb / ma).toFixed(2)]);
}
console.log(markdownTable(["kernel (batch 64 unless named)", "A ms", "B ms", "A GFLOP/s", "B GFLOP/s", "B / A"], rows));
