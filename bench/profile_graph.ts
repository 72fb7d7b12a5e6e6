/**
 * Per-layer times of a graph model's (`new Model(...)`, `applications.*`) training step and
 * inference pass, from the Runner's `timings` on a plan of the model's own graph, as
 * bench/profile.ts does for LeNet-5; floating-point work per layer comes from the Keras
 * spec of the same network (bench/peers/models.ts), matched by layer name (applications
 * use Keras's names). bench/next_scale.ts prints it for ResNet-20 and MobileNetV2.
 */
import type { Model } from "../ts/model/model.js";
import { planBuffers, releasePlan } from "../ts/model/plan.js";
import { Runner } from "../ts/model/runner.js";
import type { WasmCore } from "../ts/wasm/core.js";
import { getLoss } from "../ts/training/losses.js";
import type { SpecLayer } from "./peers/models.js";
import { fillRandom, timeAdam } from "./profile.js";

/** One layer's mean forward and backward milliseconds and its work (flops, 0 if memory-bound). */
export interface GraphLayerProfile {
  name: string;
  className: string;
  forwardMs: number;
  backwardMs: number;
  forwardFlops: number;
  backwardFlops: number;
}

/** Multiply-adds x 2 per layer for one sample, from the Keras spec (conv, depthwise, dense). */
export function specFlops(layers: readonly SpecLayer[]): Map<string, number> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const flops = new Map<string, number>();
  for (const l of layers) {
    const c = l.config;
    const out = l.output_shape.slice(1) as number[];
    const inShape = (byName.get(l.inbound[0] ?? "")?.output_shape.slice(1) ?? []) as number[];
    const [kh, kw] = (c.kernel_size as [number, number] | undefined) ?? [1, 1];
    let macs = 0;
    if (l.class_name === "Conv2D") macs = out[0]! * out[1]! * out[2]! * kh * kw * (inShape[2]! / ((c.groups as number) ?? 1));
    else if (l.class_name === "DepthwiseConv2D") macs = out[0]! * out[1]! * out[2]! * kh * kw;
    else if (l.class_name === "Dense") macs = inShape[0]! * (c.units as number);
    flops.set(l.name, 2 * macs);
  }
  return flops;
}

/** A profiler bound to one model. */
export interface GraphProfiler {
  training(batch: number, steps: number, warmup?: number): { layers: GraphLayerProfile[]; lossMs: number; optimizerMs: number };
  inference(batch: number, passes: number, warmup?: number): GraphLayerProfile[];
}

/** Binds the profiler to `model` (weights placed, i.e. after a predict or fit). */
export function graphProfiler(core: WasmCore, model: Model, spec: readonly SpecLayer[]): GraphProfiler {
  const graph = model.graph();
  const flops = specFlops(spec);
  const rows = (timings: Float64Array, batch: number, calls: number): GraphLayerProfile[] => {
    const n = graph.layers.length;
    return graph.layers.map((layer, i) => {
      const f = (flops.get(layer.name) ?? 0) * batch;
      return {
        name: layer.name,
        className: layer.className,
        forwardMs: timings[i]! / calls,
        backwardMs: timings[n + i]! / calls,
        forwardFlops: f,
        // filter gradient + input gradient (the first layer computes no input gradient)
        backwardFlops: i === 0 ? f : 2 * f,
      };
    });
  };
  return {
    training(batch, steps, warmup = 2) {
      const plan = planBuffers(core, graph, batch, true);
      const runner = new Runner(core, graph, plan, getLoss("categoricalCrossentropy"));
      try {
        fillRandom(core.f32(plan.input));
        const labels = core.f32(plan.labels);
        const classes = labels.length / batch;
        labels.fill(0);
        for (let i = 0; i < batch; i++) labels[i * classes + (i % classes)] = 1;
        const timings = new Float64Array(2 * graph.layers.length);
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
        return { layers: rows(timings, batch, steps), lossMs: lossMs / steps, optimizerMs: timeAdam(core, model.countParams(), steps) };
      } finally {
        releasePlan(core, plan);
      }
    },
    inference(batch, passes, warmup = 2) {
      // The fused plan predict runs (ts/model/fuse.ts): a fused group's time shows under its
      // first layer (the convolution or dense layer); the layers folded into it show 0.
      const plan = planBuffers(core, graph, batch, false, true);
      const runner = new Runner(core, graph, plan, null);
      try {
        fillRandom(core.f32(plan.input));
        const timings = new Float64Array(2 * graph.layers.length);
        for (let s = 0; s < warmup + passes; s++) {
          if (s === warmup) timings.fill(0);
          runner.timings = timings;
          runner.forward(batch, false, 0, false);
        }
        runner.timings = null;
        return rows(timings, batch, passes);
      } finally {
        releasePlan(core, plan);
      }
    },
  };
}

/** Per layer class: milliseconds, share of the total and GFLOP/s (forward + backward). */
export function byLayerType(rows: readonly GraphLayerProfile[]): { className: string; layers: number; ms: number; share: number; gflops: number }[] {
  const groups = new Map<string, { layers: number; ms: number; flops: number }>();
  for (const r of rows) {
    const g = groups.get(r.className) ?? { layers: 0, ms: 0, flops: 0 };
    g.layers++;
    g.ms += r.forwardMs + r.backwardMs;
    g.flops += r.forwardFlops + (r.backwardMs > 0 ? r.backwardFlops : 0);
    groups.set(r.className, g);
  }
  const total = [...groups.values()].reduce((s, g) => s + g.ms, 0);
  return [...groups.entries()]
    .map(([className, g]) => ({ className, layers: g.layers, ms: g.ms, share: total > 0 ? g.ms / total : 0, gflops: g.flops > 0 && g.ms > 0 ? g.flops / (g.ms * 1e6) : NaN }))
    .sort((a, b) => b.ms - a.ms);
}
