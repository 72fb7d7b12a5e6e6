/**
 * Random graphs (dense layers, adds, concatenations, tensors read by up to three layers,
 * the input read anywhere) stress the planner's buffer reuse and the fan-out sums:
 * `predict` (an inference plan, activations reused) equals a plain TypeScript forward pass
 * over the graph, and the gradients of a training plan match central finite differences.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { layers } from "../../ts/layers/index.js";
import { Model } from "../../ts/model/model.js";
import { input, type SymbolicTensor } from "../../ts/model/symbolic.js";
import type { Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

beforeAll(async () => {
  await init();
});

/** How the reference computes one node. */
type Node = { kind: "dense"; from: number; units: number } | { kind: "add"; from: number[] } | { kind: "concat"; from: number[] };

/** A random graph over values (0 = input [width]); the last node is a dense output of 3. */
function randomGraph(next: () => number, inWidth: number): Node[] {
  const widths = [inWidth];
  const nodes: Node[] = [];
  const count = randomInt(next, 3, 9);
  for (let i = 0; i < count; i++) {
    const pick = () => randomInt(next, 0, widths.length - 1);
    const r = next();
    if (r < 0.3 && widths.length > 1) {
      const a = pick();
      const same = widths.map((w, v) => (w === widths[a] ? v : -1)).filter((v) => v >= 0);
      const b = same[randomInt(next, 0, same.length - 1)]!; // may be a itself: add(t, t)
      nodes.push({ kind: "add", from: [a, b] });
      widths.push(widths[a]!);
    } else if (r < 0.5 && widths.length > 1) {
      const from = [pick(), pick()];
      nodes.push({ kind: "concat", from });
      widths.push(widths[from[0]!]! + widths[from[1]!]!);
    } else {
      const units = randomInt(next, 2, 5);
      nodes.push({ kind: "dense", from: pick(), units });
      widths.push(units);
    }
  }
  nodes.push({ kind: "dense", from: widths.length - 1, units: 3 });
  return nodes;
}

function build(nodes: Node[], inWidth: number, seed: number): { model: Model; denseOf: Map<number, string> } {
  const x0 = input({ shape: [inWidth] });
  const t: SymbolicTensor[] = [x0];
  const denseOf = new Map<number, string>();
  nodes.forEach((n, i) => {
    if (n.kind === "dense") {
      const last = i === nodes.length - 1;
      const layer = layers.dense({ units: n.units, activation: last ? "linear" : "tanh", name: `d${i}`, biasInitializer: "randomNormal" });
      denseOf.set(i, layer.name);
      t.push(layer.apply(t[n.from]!));
    } else if (n.kind === "add") t.push(layers.add({ name: `a${i}` }).apply(n.from.map((v) => t[v]!)));
    else t.push(layers.concatenate({ name: `c${i}` }).apply(n.from.map((v) => t[v]!)));
  });
  return { model: new Model({ inputs: x0, outputs: t[t.length - 1]!, seed }), denseOf };
}

/** The graph's output for `x` ([n, inWidth]), from the model's weights by layer name. */
function reference(model: Model, nodes: Node[], x: Tensor): Float32Array {
  const n = x.shape[0]!;
  const vals: { data: Float64Array; width: number }[] = [{ data: Float64Array.from(x.data), width: x.shape[1]! }];
  // Nodes the output does not depend on are not in the model (as in Keras).
  const needed = new Set<number>([nodes.length]);
  for (let v = nodes.length; v > 0; v--) {
    if (!needed.has(v)) continue;
    const node = nodes[v - 1]!;
    for (const u of node.kind === "dense" ? [node.from] : node.from) needed.add(u);
  }
  nodes.forEach((node, i) => {
    if (!needed.has(i + 1)) {
      vals.push({ data: new Float64Array(0), width: 0 });
      return;
    }
    if (node.kind === "dense") {
      const [w, b] = model.getLayer(`d${i}`).getWeights();
      const src = vals[node.from]!;
      const out = new Float64Array(n * node.units);
      for (let s = 0; s < n; s++) {
        for (let u = 0; u < node.units; u++) {
          let acc = b!.data[u]!;
          for (let k = 0; k < src.width; k++) acc += src.data[s * src.width + k]! * w!.data[k * node.units + u]!;
          out[s * node.units + u] = i === nodes.length - 1 ? acc : Math.tanh(acc);
        }
      }
      vals.push({ data: out, width: node.units });
    } else if (node.kind === "add") {
      const [a, b] = node.from.map((v) => vals[v]!);
      vals.push({ data: a!.data.map((v, k) => v + b!.data[k]!), width: a!.width });
    } else {
      const [a, b] = node.from.map((v) => vals[v]!);
      const width = a!.width + b!.width;
      const out = new Float64Array(n * width);
      for (let s = 0; s < n; s++) {
        out.set(a!.data.subarray(s * a!.width, (s + 1) * a!.width), s * width);
        out.set(b!.data.subarray(s * b!.width, (s + 1) * b!.width), s * width + a!.width);
      }
      vals.push({ data: out, width });
    }
  });
  return Float32Array.from(vals[vals.length - 1]!.data);
}

describe("random graphs", () => {
  it("predict (inference plan) equals a TypeScript forward pass; activations' last entry too", () => {
    const next = rng(17);
    for (let trial = 0; trial < 25; trial++) {
      const inWidth = randomInt(next, 2, 4);
      const nodes = randomGraph(next, inWidth);
      const { model } = build(nodes, inWidth, trial);
      const n = randomInt(next, 1, 5);
      const x = { data: randomArray(next, n * inWidth), shape: [n, inWidth] };
      const want = reference(model, nodes, x);
      expectClose(model.predict(x, { batchSize: 2 }).data, want, `trial ${trial} predict`, 1e-4, 1e-5);
      const acts = model.activations(x);
      expectClose(acts[acts.length - 1]!.data, want, `trial ${trial} activations`, 1e-4, 1e-5);
      model.dispose();
    }
  });

  it("gradients match finite differences", () => {
    const next = rng(23);
    for (let trial = 0; trial < 8; trial++) {
      const inWidth = randomInt(next, 2, 3);
      const { model } = build(randomGraph(next, inWidth), inWidth, 100 + trial);
      model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
      const x = { data: randomArray(next, 3 * inWidth), shape: [3, inWidth] };
      const y = { data: randomArray(next, 9), shape: [3, 3] };
      const { grads } = model.lossAndGradients(x, y, 1, 1);
      const weights = model.getWeights();
      const h = 1e-2;
      let at = 0;
      for (const w of weights) {
        for (let j = 0; j < w.data.length; j++, at++) {
          const orig = w.data[j]!;
          w.data[j] = orig + h;
          model.setWeights(weights);
          const up = model.lossAndGradients(x, y, 1, 1).loss;
          w.data[j] = orig - h;
          model.setWeights(weights);
          const down = model.lossAndGradients(x, y, 1, 1).loss;
          w.data[j] = orig;
          const numeric = (up - down) / (2 * h);
          if (!(Math.abs(grads[at]! - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric))) {
            expect.fail(`trial ${trial}: weight element ${at}: analytic ${grads[at]}, numeric ${numeric}`);
          }
        }
      }
      model.setWeights(weights);
      model.dispose();
    }
  });
});
