/**
 * The checked kernel wrappers allocate (next to) no JavaScript memory once warm: a
 * training step makes dozens of calls, and garbage per call becomes GC pauses. Measured
 * as heap growth over many calls in a window with no garbage collection (a GC inside a
 * window could hide allocations, so such windows are retried), against a generous bound:
 * the wrappers used to allocate about a kilobyte per call.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { afterAll, expect, it } from "vitest";
import { activationBackward, activationForward } from "../../ts/kernels/activation.js";
import { conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dScratchLength } from "../../ts/kernels/conv2d.js";
import { denseBackward, denseForward } from "../../ts/kernels/dense.js";
import { softmaxCrossEntropy, countCorrect } from "../../ts/kernels/loss.js";
import { adamUpdate } from "../../ts/kernels/optim.js";
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "../../ts/kernels/pool.js";
import { conv2dDims, pool2dDims } from "../../ts/shapes.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { describeEachCore } from "../helpers/cores.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { init } from "../../ts/wasm/loader.js";

let gcs = 0;
const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
observer.observe({ entryTypes: ["gc"] });
afterAll(() => observer.disconnect());

/**
 * Heap bytes per call of `step` over `calls` calls, from the first of 20 windows without
 * a GC, after `warmup` calls (V8's interpreter boxes numbers that optimized code keeps raw).
 */
async function bytesPerCall(step: () => void, warmup: number, calls: number): Promise<number> {
  for (let i = 0; i < warmup; i++) step();
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 0)); // deliver earlier GC entries
    const before = gcs;
    const h0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) step();
    const grown = process.memoryUsage().heapUsed - h0;
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (gcs === before) return grown / calls;
  }
  throw new Error("every measured window saw a garbage collection");
}

/** The kernel calls of a small conv net's training step, bound to buffers of `core`. */
function trainingStep(core: WasmCore): () => void {
  const batch = 2;
  const conv = conv2dDims(batch, 8, 8, 1, 3, 3, 4, 1, 1, "same");
  const pool = pool2dDims(batch, 8, 8, 4, 2, 2, 2, 2, "valid");
  const [features, classes] = [4 * 4 * 4, 3];
  const buf = (n: number) => core.alloc(n);
  const x = buf(batch * 64), w = buf(36), b = buf(4), y = buf(batch * 256), dy = buf(batch * 256), dx = buf(batch * 64);
  const scratch = buf(conv2dScratchLength(core, conv));
  const dw = buf(36), db = buf(4);
  const p = buf(batch * features), dp = buf(batch * features), argmax = core.alloc(batch * features, "u32");
  const dw2 = buf(features * classes), w2 = buf(features * classes), b2 = buf(classes), db2 = buf(classes);
  const logits = buf(batch * classes), labels = buf(batch * classes), probs = buf(batch * classes), dlogits = buf(batch * classes);
  const m = buf(36), v = buf(36);
  core.write(labels, [1, 0, 0, 0, 1, 0]);
  let t = 0;
  return () => {
    conv2dForward(core, conv, x, w, b, y, scratch);
    activationForward(core, "relu", batch * 64, 4, y);
    maxPool2dForward(core, pool, y, p, argmax);
    avgPool2dForward(core, pool, y, p);
    denseForward(core, batch, features, classes, p, w2, b2, logits);
    softmaxCrossEntropy(core, batch, classes, logits, labels, probs, dlogits);
    countCorrect(core, batch, classes, probs, labels);
    denseBackward(core, batch, features, classes, p, w2, dlogits, dp, dw2, db2);
    avgPool2dBackward(core, pool, dp, dy);
    maxPool2dBackward(core, pool, dp, argmax, dy);
    activationBackward(core, "relu", batch * 64, 4, y, dy);
    conv2dBackwardFilter(core, conv, x, dy, dw, scratch);
    conv2dBackwardBias(core, conv, dy, db);
    conv2dBackwardInput(core, conv, dy, w, dx, scratch);
    adamUpdate(core, 36, w, dw, m, v, 1e-3, 0.9, 0.999, 1e-7, ++t);
  };
}

describeEachCore("kernel wrappers' garbage", (getCore) => {
  it("a training step's 15 checked kernel calls allocate at most a few bytes each", async () => {
    const perStep = await bytesPerCall(trainingStep(getCore()), 3000, 100);
    // Before the checks were made allocation-free this was about 15 KB per step.
    expect(perStep).toBeLessThan(15 * 64);
  });
});

it("a batch-1 predict of LeNet-5 leaves a small, bounded amount of garbage", async () => {
  await init();
  const model = lenet5({ seed: 3 });
  const one = { data: new Float32Array(784).fill(0.5), shape: [1, 28, 28, 1] };
  const perPredict = await bytesPerCall(() => model.predict(one), 3000, 200);
  // The result tensor and the model's input checks remain; the kernel calls once added
  // about 10 KB (12 KB in all before they stopped allocating).
  expect(perPredict).toBeLessThan(5000);
  model.dispose();
});
