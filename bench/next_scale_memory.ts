/**
 * Peak wasm memory of training one next-scale network at batch 64, alone in its process
 * (bench/next_scale.ts runs this once per network, so that neither inherits the other's
 * grown memory), and where that memory goes by the model's own accounting:
 * - weights: parameters, their gradients and Adam's two state slots (ts/model/weights.ts);
 * - the plan (ts/model/plan.ts): one arena for every per-batch buffer, packed by lifetime;
 *   `planSize` gives its size before allocating. Its buffers are sorted into activations
 *   (kept for backward in a training plan), activation gradients, layer workspaces
 *   (e.g. batch normalization's saved statistics, pooling's argmax), the shared scratch
 *   (im2col) and the loss's labels and probabilities.
 *
 * The plan keeps no list of lifetimes, so they are rebuilt from what each layer's forward
 * and backward calls are handed (the plan's own rule: a buffer lives from its first to its
 * last use on the step's timeline). The rebuild checks itself: no two buffers live at the
 * same moment may overlap in the arena, else it reports that the plan's rules changed.
 *
 *   npx vite-node bench/next_scale_memory.ts -- --net resnet20     prints JSON (last line)
 */
import * as lib from "../ts/index.js";
import type { Layer } from "../ts/layers/layer.js";
import type { Model } from "../ts/model/model.js";
import type { ModelMemory } from "../ts/model/memory.js";
import { planSize, type Plan } from "../ts/model/plan.js";
import type { WasmBuffer } from "../ts/wasm/core.js";
import { getCore, init } from "../ts/wasm/loader.js";
import { kerasWeights } from "./next_scale_simdnet.js";
import { ensureBenchModels, loadBenchModel, NETWORKS, oneHot, randomImages, type NetworkName } from "./peers/models.js";

/** Kinds of plan buffers. */
export const KINDS = ["activations", "gradients", "workspaces", "scratch", "loss"] as const;
export type Kind = (typeof KINDS)[number];

/** What one network's training takes, in bytes. */
export interface MemoryReport {
  net: NetworkName;
  batch: number;
  /** core.memoryBytes: at the start, after building (weights placed), after fit (the peak). */
  memoryStart: number;
  memoryBuilt: number;
  memoryPeak: number;
  /** Bytes of live wasm buffers after fit (what the allocator hands out; the rest is free or its overhead). */
  liveBytes: number;
  weights: { params: number; grads: number; optimizer: number };
  /** The training plan's arena, the same buffers unpacked, and planSize's figure (floats x 4). */
  plan: { arena: number; unpacked: number; planSize: number; inferencePlanSize: number };
  /** Unpacked bytes per kind (every buffer apart). */
  unpacked: Record<Kind, number>;
  /**
   * The step's busiest moment: its name, the bytes live then per kind, and the live
   * activations' bytes per class of the layer that wrote them; or why it could not be rebuilt.
   */
  peak: { moment: string; live: Record<Kind, number>; activationsBy: Record<string, number> } | string;
}

interface Use {
  buf: WasmBuffer;
  kind: Kind;
  first: number;
  last: number;
  /** For activations: the class of the layer that writes it ("input" for the model input). */
  producer?: string;
}

/** What the accounting needs of each layer: its class, and what its backward reads (`Layer.backwardReads`). */
type LayerReads = Pick<Layer, "className" | "backwardReads">;

/** Plan buffers with their kinds and lifetimes, rebuilt from the layers' calls (see the module doc). */
function uses(plan: Plan, layers: readonly LayerReads[]): { list: Use[]; moments: number; name: (t: number) => string } {
  const L = plan.layers.length;
  const LOSS = L + 1;
  const END = 2 * L + 2;
  const fwd = (i: number) => i + 1;
  const bwd = (i: number) => 2 * L + 1 - i;
  const byBuf = new Map<WasmBuffer, Use>();
  const use = (buf: WasmBuffer | null, kind: Kind, t: number) => {
    if (!buf || buf.length === 0) return;
    const u = byBuf.get(buf);
    if (!u) byBuf.set(buf, { buf, kind, first: t, last: t });
    else {
      u.first = Math.min(u.first, t);
      u.last = Math.max(u.last, t);
    }
  };
  use(plan.input, "activations", 0);
  byBuf.get(plan.input)!.producer = "input";
  plan.layers.forEach((b, i) => {
    use(b.y, "activations", fwd(i));
    byBuf.get(b.y)!.producer ??= layers[i]!.className;
    for (const t of plan.training ? [fwd(i), bwd(i)] : [fwd(i)]) {
      // Backward touches only the activations the layer says it reads (the plan's rule).
      const reads = t === fwd(i) ? { inputs: true, output: true } : layers[i]!.backwardReads ?? { inputs: true, output: true };
      if (reads.inputs) for (const x of b.xs) use(x, "activations", t);
      if (reads.output) use(b.y, "activations", t);
      use(b.f32, "workspaces", t);
      use(b.u32, "workspaces", t);
      use(b.scratch, "scratch", t);
    }
    if (plan.training) {
      use(b.dy, "gradients", bwd(i));
      for (const dx of b.dxs) use(dx, "gradients", bwd(i));
      for (const m of plan.afterBackward[i]!) {
        use(m.from, "gradients", bwd(i));
        use(m.to, "gradients", bwd(i));
      }
    }
  });
  use(plan.output, "activations", LOSS);
  use(plan.outputGrad, "gradients", LOSS);
  for (const b of [plan.labels, plan.probs, plan.rawLabels]) {
    use(b, "loss", 0);
    use(b, "loss", END);
  }
  const name = (t: number) => (t === 0 ? "filling the batch" : t <= L ? `forward of layer ${t - 1}` : t === LOSS ? "the loss" : t < END ? `backward of layer ${2 * L + 1 - t}` : "the end");
  return { list: [...byBuf.values()], moments: END + 1, name };
}

/** Bytes per kind of every buffer apart, and at the busiest moment (or why the rebuild failed). */
export function planAccounting(plan: Plan, layers: readonly LayerReads[]): { unpacked: Record<Kind, number>; peak: MemoryReport["peak"] } {
  const zero = () => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const { list, moments, name } = uses(plan, layers);
  // Windows of one record (an aliasing layer's output is its input's) count once.
  const records = new Map<string, Use>();
  for (const u of list) {
    const key = `${u.buf.ptr}:${u.buf.length}:${u.kind}`;
    const r = records.get(key);
    // The same offset reused later by another buffer is another record: merge only overlapping lifetimes.
    if (r && r.first <= u.last && u.first <= r.last) {
      r.first = Math.min(r.first, u.first);
      r.last = Math.max(r.last, u.last);
    } else records.set(r ? `${key}:${u.first}` : key, { ...u });
  }
  const recs = [...records.values()];
  const unpacked = zero();
  for (const r of recs) unpacked[r.kind] += r.buf.length * 4;
  let best = -1;
  let bestLive = zero();
  for (let t = 0; t < moments; t++) {
    const live = recs.filter((r) => r.first <= t && t <= r.last).sort((a, b) => a.buf.ptr - b.buf.ptr);
    for (let k = 1; k < live.length; k++) {
      const a = live[k - 1]!;
      const b = live[k]!;
      if (a.buf.ptr + a.buf.length * 4 > b.buf.ptr) {
        return { unpacked, peak: `the rebuilt lifetimes put two live buffers at one place at ${name(t)} (ts/model/plan.ts's rules changed; update bench/next_scale_memory.ts)` };
      }
    }
    const bytes = zero();
    for (const r of live) bytes[r.kind] += r.buf.length * 4;
    const total = KINDS.reduce((s, k) => s + bytes[k], 0);
    if (best < 0 || total > KINDS.reduce((s, k) => s + bestLive[k], 0)) {
      best = t;
      bestLive = bytes;
    }
  }
  const activationsBy: Record<string, number> = {};
  for (const r of recs) {
    if (r.kind !== "activations" || r.first > best || best > r.last) continue;
    const key = r.producer ?? "?";
    activationsBy[key] = (activationsBy[key] ?? 0) + r.buf.length * 4;
  }
  return { unpacked, peak: { moment: name(best), live: bestLive, activationsBy } };
}

async function measureNetwork(name: NetworkName): Promise<MemoryReport> {
  const net = await loadBenchModel(name);
  const core = getCore();
  const memoryStart = core.memoryBytes;
  const [h, w, c] = net.inputShape;
  const model: Model = name === "resnet20"
    ? lib.applications.resnet20({ inputShape: [h, w, c], classes: net.classes })
    : lib.applications.mobileNetV2({ alpha: 0.35, inputShape: [h, w, c], classes: net.classes });
  model.setWeights(kerasWeights(net, model));
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
  const memoryBuilt = core.memoryBytes;
  const batch = 64;
  const steps = 2;
  const x = new Float32Array(steps * batch * h * w * c);
  const one = randomImages(batch, net.inputShape);
  for (let s = 0; s < steps; s++) x.set(one, s * one.length);
  const y = new Float32Array(steps * batch * net.classes);
  for (let s = 0; s < steps; s++) y.set(oneHot(batch, net.classes), s * batch * net.classes);
  await model.fit(lib.tensor(x, [steps * batch, h, w, c]), lib.tensor(y, [steps * batch, net.classes]), { batchSize: batch, epochs: 1, verbose: 0, seed: 1 });
  // Wasm memory only grows: after fit it is the peak of training.
  const memoryPeak = core.memoryBytes;
  const liveBytes = core.liveBytes;
  // @internal access, for the accounting only: the model's memory (weights.ts's store, the plan).
  const memory = (model as unknown as { memory: ModelMemory }).memory;
  const store = memory.store;
  const plan = memory.runnerFor(batch, null, false, true).plan;
  const graph = model.graph();
  const accounting = planAccounting(plan, graph.layers);
  const report: MemoryReport = {
    net: name,
    batch,
    memoryStart,
    memoryBuilt,
    memoryPeak,
    liveBytes,
    weights: { params: store.count * 4, grads: store.count * 4, optimizer: (store.state?.length ?? 0) * 4 },
    plan: { arena: plan.floats * 4, unpacked: plan.unpackedFloats * 4, planSize: planSize(core, graph, batch, true).floats * 4, inferencePlanSize: planSize(core, graph, batch, false).floats * 4 },
    ...accounting,
  };
  model.dispose();
  return report;
}

// A script, not a library: bench/next_scale.ts imports only its types.
const at = process.argv.indexOf("--net");
const netName = process.argv[at + 1] as NetworkName;
if (at < 0 || !(NETWORKS as readonly string[]).includes(netName)) throw new Error(`bench/next_scale_memory.ts: --net takes ${NETWORKS.join(" or ")}, received ${at < 0 ? "nothing" : netName}`);
ensureBenchModels();
await init({ flavor: "simd" });
console.log(JSON.stringify(await measureNetwork(netName)));
