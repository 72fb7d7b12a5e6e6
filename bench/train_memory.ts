/**
 * Peak wasm memory of one training `fit` at batch 64 (Adam), one network per process so
 * the figure is that network's own (wasm memory only grows, so its size after the fit is
 * the peak):
 *
 *   npx vite-node bench/train_memory.ts mobilenetv2   (MobileNetV2 alpha 0.35, 96x96x3, 1000 classes)
 *   npx vite-node bench/train_memory.ts resnet20      (ResNet-20, 32x32x3, 10 classes)
 *
 * Random images and labels: memory does not depend on the values.
 */
import * as lib from "../ts/index.js";
import { getCore } from "../ts/wasm/loader.js";

const name = process.argv[2];
if (name !== "mobilenetv2" && name !== "resnet20") throw new Error("usage: npx vite-node bench/train_memory.ts mobilenetv2|resnet20");
await lib.init();
const core = getCore();
const start = core.memoryBytes;
const [shape, classes]: [[number, number, number], number] = name === "resnet20" ? [[32, 32, 3], 10] : [[96, 96, 3], 1000];
const model = name === "resnet20"
  ? lib.applications.resnet20({ inputShape: shape, classes })
  : lib.applications.mobileNetV2({ alpha: 0.35, inputShape: shape, classes });
const batch = 64;
const size = shape.reduce((a, b) => a * b, 1);
const x = lib.tensor(Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i)), [batch, ...shape]);
const y = new Float32Array(batch * classes);
for (let i = 0; i < batch; i++) y[i * classes + (i % classes)] = 1;
model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
const before = core.memoryBytes;
await model.fit(x, lib.tensor(y, [batch, classes]), { batchSize: batch, epochs: 1, verbose: 0, seed: 1 });
const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
console.log(`${name} training, batch ${batch}: wasm memory ${MB(start)} at start, ${MB(before)} with the weights, ${MB(core.memoryBytes)} after fit (the peak)`);
