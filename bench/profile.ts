/**
 * Per-layer times of a model's training step and inference pass, measured by
 * instrumenting the model's own {@link Runner} (its `timings`), not estimated.
 *
 * The profiled runner is a second runner over the model's layers and weights with a plan
 * of its own, so the model's fit/predict state is untouched.
 */
import type { Layer } from "../ts/layers/layer.js";
import { Conv2D } from "../ts/layers/conv2d.js";
import { Dense } from "../ts/layers/dense.js";
import { planBuffers, releasePlan } from "../ts/model/plan.js";
import { Runner } from "../ts/model/runner.js";
import type { Sequential } from "../ts/model/sequential.js";
import { Adam } from "../ts/optimizers/adam.js";
import { sizeOf } from "../ts/shapes.js";
import { getLoss } from "../ts/training/losses.js";
import type { WasmCore } from "../ts/wasm/core.js";

/** Milliseconds per call of one layer, and the floating-point work it did. */
export interface LayerProfile {
  name: string;
  forwardMs: number;
  backwardMs: number;
  forwardFlops: number;
  backwardFlops: number;
}

/** One profiled configuration: per-layer rows plus the loss and optimizer update. */
export interface StepProfile {
  batch: number;
  layers: LayerProfile[];
  lossMs: number;
  optimizerMs: number;
}

/**
 * Multiply-adds x 2 of one layer for `batch` samples: forward, and backward (filter
 * gradient plus input gradient, the latter skipped for the first layer). Layers that are
 * not convolutions or dense layers count 0 (their work is memory traffic, not flops).
 */
export function layerFlops(layer: Layer, batch: number, first: boolean): { forward: number; backward: number } {
  let macs = 0;
  if (layer instanceof Conv2D) {
    const [kh, kw] = layer.kernelSize;
    const inC = layer.inputShape![2]!;
    macs = batch * sizeOf(layer.outputShape!) * kh * kw * inC;
  } else if (layer instanceof Dense) {
    macs = batch * layer.inputShape![0]! * layer.units;
  }
  return { forward: 2 * macs, backward: (first ? 1 : 2) * 2 * macs };
}

/**
 * Times `steps` training steps (after `warmup` untimed ones) of `model` (compiled with
 * categorical cross-entropy, weights placed) at `batch`, per layer, and the median of an
 * Adam update over all the model's parameters. Inputs are random; labels one-hot.
 */
export function profileTraining(core: WasmCore, model: Sequential, batch: number, steps: number, warmup = 3): StepProfile {
  const layers = model.layers;
  const plan = planBuffers(core, model.graph(), batch, true);
  const runner = new Runner(core, model.graph(), plan, getLoss("categoricalCrossentropy"));
  try {
    fillRandom(core.f32(plan.input));
    const labels = core.f32(plan.labels);
    const classes = sizeOf(model.outputShape!);
    labels.fill(0);
    for (let i = 0; i < batch; i++) labels[i * classes + (i % classes)] = 1;
    const timings = new Float64Array(2 * layers.length);
    let lossMs = 0;
    for (let s = 0; s < warmup + steps; s++) {
      if (s === warmup) {
        timings.fill(0);
        lossMs = 0;
      }
      runner.timings = timings;
      runner.forward(batch, true, s + 1, true);
      const t0 = performance.now();
      runner.lossAndGradient(batch);
      lossMs += performance.now() - t0;
      runner.backward(batch, s + 1);
    }
    runner.timings = null;
    return { batch, layers: rows(layers, timings, batch, steps), lossMs: lossMs / steps, optimizerMs: timeAdam(core, model.countParams(), steps) };
  } finally {
    releasePlan(core, plan);
  }
}

/** Per-layer forward times of inference (`predict`'s path) at `batch`. */
export function profileInference(core: WasmCore, model: Sequential, batch: number, passes: number, warmup = 3): LayerProfile[] {
  const layers = model.layers;
  const plan = planBuffers(core, model.graph(), batch, false);
  const runner = new Runner(core, model.graph(), plan, null);
  try {
    fillRandom(core.f32(plan.input));
    const timings = new Float64Array(2 * layers.length);
    for (let s = 0; s < warmup + passes; s++) {
      if (s === warmup) timings.fill(0);
      runner.timings = timings;
      runner.forward(batch, false, 0, false);
    }
    runner.timings = null;
    return rows(layers, timings, batch, passes);
  } finally {
    releasePlan(core, plan);
  }
}

function rows(layers: readonly Layer[], timings: Float64Array, batch: number, calls: number): LayerProfile[] {
  return layers.map((layer, i) => {
    const f = layerFlops(layer, batch, i === 0);
    return {
      name: `${layer.name} (${layer.className})`,
      forwardMs: timings[i]! / calls,
      backwardMs: timings[layers.length + i]! / calls,
      forwardFlops: f.forward,
      backwardFlops: f.backward,
    };
  });
}

/** Mean milliseconds of one Adam update of `n` parameters (buffers of its own). */
export function timeAdam(core: WasmCore, n: number, calls: number): number {
  const params = core.alloc(n);
  const grads = core.alloc(n);
  const state = core.alloc(2 * n);
  try {
    fillRandom(core.f32(grads));
    const adam = new Adam();
    for (let s = 1; s <= 3; s++) adam.apply(core, n, params, grads, state, s);
    const t0 = performance.now();
    for (let s = 1; s <= calls; s++) adam.apply(core, n, params, grads, state, s + 3);
    return (performance.now() - t0) / calls;
  } finally {
    for (const b of [params, grads, state]) core.free(b);
  }
}

/** Fills `a` with fixed pseudo-random values in [-0.5, 0.5). */
export function fillRandom(a: Float32Array): void {
  let s = 12345;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
}
