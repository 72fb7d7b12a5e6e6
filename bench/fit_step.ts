/**
 * Milliseconds per training step (Adam, batch 64) of ResNet-20 or MobileNetV2 (alpha 0.35,
 * 96x96x3) through `fit`, as medians of `--runs` fits of `--steps` steps after one warm-up
 * fit. For an end-to-end A/B of two checkouts, alternate processes of each (a checkout per
 * process: the kernels are loaded once per process):
 *
 *   for i in 1 2 3; do (cd A && npx vite-node bench/fit_step.ts mobilenetv2); (cd B && npx vite-node bench/fit_step.ts mobilenetv2); done
 */
import * as lib from "../ts/index.js";

const name = process.argv[2];
if (name !== "mobilenetv2" && name !== "resnet20") throw new Error("usage: npx vite-node bench/fit_step.ts mobilenetv2|resnet20 [--steps=N] [--runs=N]");
const arg = (key: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3) ?? fallback);
const [steps, runs] = [arg("steps", 3), arg("runs", 3)];
await lib.init();
const [shape, classes]: [[number, number, number], number] = name === "resnet20" ? [[32, 32, 3], 10] : [[96, 96, 3], 100];
const model = name === "resnet20"
  ? lib.applications.resnet20({ inputShape: shape, classes })
  : lib.applications.mobileNetV2({ alpha: 0.35, inputShape: shape, classes });
const batch = 64;
const n = batch * steps;
const size = shape[0] * shape[1] * shape[2];
const x = lib.tensor(Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 0.37)), [n, ...shape]);
const y = new Float32Array(n * classes);
for (let i = 0; i < n; i++) y[i * classes + (i % classes)] = 1;
const ty = lib.tensor(y, [n, classes]);
model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
const fit = () => model.fit(x, ty, { batchSize: batch, epochs: 1, verbose: 0, seed: 1 });
await fit();
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  await fit();
  times.push((performance.now() - t0) / steps);
}
times.sort((a, b) => a - b);
console.log(`${name} ms/step ${times[Math.floor(runs / 2)]!.toFixed(1)} (runs ${times.map((t) => t.toFixed(0)).join(", ")})`);
