/**
 * The memory plan of a model graph for one batch size: every per-batch buffer
 * (activations, their gradients, labels, layer workspaces, shared scratch) as a window
 * into ONE wasm allocation, so that a step allocates nothing.
 *
 * Lifetimes are data (as XNNPACK's memory planner and TensorFlow Lite's ArenaPlanner
 * keep them): each buffer is a record with a size and the first and last moment of a
 * step that touches it, on one timeline: 0 fills the input, layer i runs forward at
 * i + 1, the loss at L + 1, layer i runs backward at 2L + 1 - i. Records are packed
 * greedily, largest first, each at the lowest offset free of every record whose lifetime
 * overlaps its own, so buffers are reused once their last reader is done.
 * - An activation lives from its producer's forward to its last consumer's forward
 *   (inference plans), or, in training plans, until the last backward that reads it
 *   (its producer's, if that reads its output, or a consumer's, if that reads its
 *   inputs: `Layer.backwardReads`, both by default; e.g. a batch normalization's output
 *   feeding a ReLU, which reads only its own output, dies at the ReLU's forward).
 * - The gradient of a value lives from the first backward that writes it (its last
 *   consumer's; the loss for the model output) to its producer's backward. A value that
 *   feeds several layers gets the sum of their gradients: the first backward to run
 *   writes the gradient buffer itself, every other one writes a temporary buffer (alive
 *   only during that backward) that the runner adds into it, so kernels may keep
 *   overwriting their outputs.
 * - A layer that aliases its input (flatten) shares its input's activation buffer, and its
 *   gradient buffer too when that input feeds nothing else (else the runner copies).
 * Training plans also serve inference (`activations()` copies each layer's output right
 * after the layer runs, since a later layer may reuse its memory).
 */
import type { BackwardReads, LayerBuffers } from "../layers/layer.js";
import { sizeOf } from "../shapes.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { fuseGraph } from "./fuse.js";
import { packRecords, type PackRec } from "./pack.js";
import { valueShape, type ModelGraph } from "./graph.js";

/** A gradient move the runner makes after a layer's backward: `to (+)= from`, `width` floats per sample. */
export interface GradMove {
  readonly from: WasmBuffer;
  readonly to: WasmBuffer;
  readonly width: number;
  /** True to add into `to`, false to copy. */
  readonly add: boolean;
}

/** The buffers of one batch size, all windows of `arena`. */
export interface Plan {
  /** Samples per batch this plan holds. */
  readonly batch: number;
  /** True when it holds gradients (a training plan); false for inference only. */
  readonly training: boolean;
  /** The one allocation (freed by {@link releasePlan}). */
  readonly arena: WasmBuffer;
  /** Floats of the arena (for tests and the docs' memory figures). */
  readonly floats: number;
  /** Floats the same buffers would take without reuse (every record apart). */
  readonly unpackedFloats: number;
  /** The model input, [batch, ...inputShape]. */
  readonly input: WasmBuffer;
  /** The model output, [batch, ...outputShape]. */
  readonly output: WasmBuffer;
  /** Gradient w.r.t. the output (written by the loss, in inference plans too). */
  readonly outputGrad: WasmBuffer;
  /** Labels as the loss wants them: one-hot rows or targets, [batch, outputSize]. */
  readonly labels: WasmBuffer;
  /** Softmax probabilities written by the fused loss, [batch, outputSize]. */
  readonly probs: WasmBuffer;
  /** Raw labels from a BatchSource before one-hot encoding, [batch, outputSize]. */
  readonly rawLabels: WasmBuffer;
  /**
   * The graph the plan runs: the model's own, or for a fused inference plan (fuse.ts) the
   * model's with chains of layers replaced by fused steps. `layers` follows its layers.
   */
  readonly run: ModelGraph;
  /** Per layer of `run`, the model layer whose timing it reports (null: `run` is the model's graph). */
  readonly origin: readonly number[] | null;
  /** Per layer of `run`, the buffers of its forward and backward calls. */
  readonly layers: readonly LayerBuffers[];
  /** Per layer, the moves to make after its backward: copies first, then sums. */
  readonly afterBackward: readonly (readonly GradMove[])[];
}

/** What a layer's backward reads when it does not say (see `Layer.backwardReads`). */
const READS_ALL: BackwardReads = { inputs: true, output: true };

// Windows start on 16-byte boundaries, which SIMD loads prefer.
const ALIGN = 4;

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** One buffer to place (pack.ts packs them). */
type Rec = PackRec;

export { packRecords };

/** The records of one plan, packed (offsets set), before anything is allocated. */
interface Layout {
  recs: Rec[];
  total: number;
  actRoot: number[];
  actRec: Map<number, Rec>;
  gradRoot: number[];
  gradRec: Map<number, Rec>;
  temps: { layer: number; edge: number; value: number; rec: Rec }[];
  outGradRec: Rec | null;
  labelsRec: Rec;
  probsRec: Rec;
  rawRec: Rec;
  extras: { f32: Rec | null; f32Len: number; u32: Rec | null; u32Len: number }[];
  scratch: number;
  scratchRec: Rec;
}

/** What a plan would take, without allocating it (see {@link planSize}). */
export interface PlanSize {
  /** Floats of the arena. */
  readonly floats: number;
  /** Floats of its largest buffer (a kernel addresses at most 2 GiB of one buffer). */
  readonly largest: number;
}

/**
 * The size of the plan {@link planBuffers} would make, allocating nothing: lets callers
 * choose a batch that fits before asking for memory. Throws (a kernel's size check) when
 * a buffer of the batch could not even be described.
 */
export function planSize(core: WasmCore, graph: ModelGraph, batch: number, training: boolean, fuse = false): PlanSize {
  const l = layout(core, fuse && !training ? fuseGraph(graph)?.graph ?? graph : graph, batch, training);
  return { floats: l.total, largest: l.recs.reduce((m, r) => Math.max(m, r.size), 0) };
}

/** Builds and packs the records of `graph`'s buffers for `batch` samples (see the module doc). */
function layout(core: WasmCore, graph: ModelGraph, batch: number, training: boolean): Layout {
  const { layers, inbound } = graph;
  const L = layers.length;
  const values = L + 1;
  const END = 2 * L + 2;
  const fwd = (i: number): number => i + 1;
  const LOSS = L + 1;
  const bwd = (i: number): number => 2 * L + 1 - i;
  const width = (v: number): number => sizeOf(valueShape(graph, v));
  const reads = (i: number): BackwardReads => layers[i]!.backwardReads ?? READS_ALL;
  const recs: Rec[] = [];
  const rec = (size: number, start: number, end: number): Rec => {
    const r = { size: align(size), start, end, at: 0 };
    recs.push(r);
    return r;
  };

  // Consumers of each value, in the order backward meets them (last layer first).
  const consumers: [number, number][][] = Array.from({ length: values }, () => []);
  inbound.forEach((ins, i) => ins.forEach((v, k) => consumers[v]!.push([i, k])));
  for (const c of consumers) c.sort((a, b) => b[0] - a[0] || a[1] - b[1]);

  // Activations: one record per storage root (an aliasing layer's output is its input's).
  const actRoot: number[] = [];
  const actRec = new Map<number, Rec>();
  for (let v = 0; v < values; v++) {
    const producer = v - 1;
    const root = v > 0 && layers[producer]!.aliasesInput ? actRoot[inbound[producer]![0]!]! : v;
    actRoot.push(root);
    const r = actRec.get(root) ?? rec(batch * width(root), END, 0);
    actRec.set(root, r);
    // A consumer's or the producer's backward keeps the value only if it reads it.
    let end = v === L ? LOSS : v === 0 ? 0 : fwd(producer);
    for (const [i] of consumers[v]!) end = Math.max(end, training && reads(i).inputs ? bwd(i) : fwd(i));
    if (training && v > 0 && reads(producer).output) end = Math.max(end, bwd(producer));
    r.start = Math.min(r.start, v === 0 ? 0 : fwd(producer));
    r.end = Math.max(r.end, end);
  }

  // Gradients (training only; the model input needs none).
  const gradRoot: number[] = [0];
  const gradRec = new Map<number, Rec>();
  const temps: { layer: number; edge: number; value: number; rec: Rec }[] = [];
  if (training) {
    for (let v = 1; v < values; v++) {
      const producer = v - 1;
      const u = inbound[producer]![0]!;
      const share = layers[producer]!.aliasesInput && u !== 0 && consumers[u]!.length === 1;
      const root = share ? gradRoot[u]! : v;
      gradRoot.push(root);
      const r = gradRec.get(root) ?? rec(batch * width(root), END, 0);
      gradRec.set(root, r);
      const first = consumers[v]![0];
      r.start = Math.min(r.start, v === L ? LOSS : first ? bwd(first[0]) : bwd(producer));
      r.end = Math.max(r.end, bwd(producer));
      consumers[v]!.slice(1).forEach(([i, k]) => temps.push({ layer: i, edge: k, value: v, rec: rec(batch * width(v), bwd(i), bwd(i)) }));
    }
  }

  const outSize = width(L);
  // evaluate computes the loss, whose kernels also write the output's gradient.
  const outGradRec = training ? null : rec(batch * outSize, LOSS, LOSS);
  const labelsRec = rec(batch * outSize, 0, END);
  const probsRec = rec(batch * outSize, 0, END);
  const rawRec = rec(batch * outSize, 0, END);
  let scratch = 0;
  const extras = layers.map((layer, i) => {
    const ws = layer.workspace(core, batch);
    scratch = Math.max(scratch, ws.scratch);
    const end = training ? bwd(i) : fwd(i);
    return { f32: ws.f32 > 0 ? rec(ws.f32, fwd(i), end) : null, f32Len: ws.f32, u32: ws.u32 > 0 ? rec(ws.u32, fwd(i), end) : null, u32Len: ws.u32 };
  });
  // Always a window, even an empty one: kernels whose scratch need is 0 (e.g. a 1x1
  // convolution) still take a scratch argument.
  const scratchRec = rec(scratch, 0, END);
  const total = packRecords(recs);
  return { recs, total, actRoot, actRec, gradRoot, gradRec, temps, outGradRec, labelsRec, probsRec, rawRec, extras, scratch, scratchRec };
}

/**
 * Plans and allocates the buffers of `model` (layers built) for `batch` samples: with
 * gradients when `training`, else for forward passes only, of the fused graph when `fuse`
 * (fuse.ts; inference only).
 */
export function planBuffers(core: WasmCore, model: ModelGraph, batch: number, training: boolean, fuse = false): Plan {
  const fused = fuse && !training ? fuseGraph(model) : null;
  const graph = fused?.graph ?? model;
  const { layers, inbound } = graph;
  const L = layers.length;
  const values = L + 1;
  const width = (v: number): number => sizeOf(valueShape(graph, v));
  const { recs, total, actRoot, actRec, gradRoot, gradRec, temps, outGradRec, labelsRec, probsRec, rawRec, extras, scratch, scratchRec } =
    layout(core, graph, batch, training);
  const outSize = width(L);
  const arena = core.alloc(Math.max(total, ALIGN));
  const win = (r: Rec, n: number): WasmBuffer => arena.subarray(r.at, n);
  const empty = arena.subarray(0, 0);
  const acts = Array.from({ length: values }, (_, v) => win(actRec.get(actRoot[v]!)!, batch * width(v)));
  const grads = Array.from({ length: values }, (_, v) => (training && v > 0 ? win(gradRec.get(gradRoot[v]!)!, batch * width(v)) : null));
  const scratchBuf = win(scratchRec, scratch);

  // Each edge's input gradient: none for the model input, the value's own buffer for the
  // first backward to write it, a temporary for the others.
  const dxs: (WasmBuffer | null)[][] = inbound.map((ins) => ins.map((v) => (training && v !== 0 ? grads[v]! : null)));
  const moves: GradMove[][] = layers.map(() => []);
  const adds: GradMove[][] = layers.map(() => []);
  for (const t of temps) {
    const tmp = win(t.rec, batch * width(t.value));
    dxs[t.layer]![t.edge] = tmp;
    adds[t.layer]!.push({ from: tmp, to: grads[t.value]!, width: width(t.value), add: true });
  }
  layers.forEach((layer, i) => {
    const dx = dxs[i]![0];
    const dy = grads[i + 1];
    if (layer.aliasesInput && dx && dy && dx.ptr !== dy.ptr) moves[i]!.push({ from: dy, to: dx, width: width(i + 1), add: false });
    moves[i]!.push(...adds[i]!);
  });

  const layerBufs: LayerBuffers[] = layers.map((_, i) => {
    const e = extras[i]!;
    const xs = inbound[i]!.map((v) => acts[v]!);
    return {
      x: xs[0]!,
      xs,
      y: acts[i + 1]!,
      dx: dxs[i]![0] ?? null,
      dxs: dxs[i]!,
      dy: grads[i + 1] ?? empty,
      f32: e.f32 ? win(e.f32, e.f32Len) : null,
      u32: e.u32 ? arena.subarray(e.u32.at, e.u32Len, "u32") : null,
      scratch: scratchBuf,
    };
  });

  return {
    batch,
    training,
    arena,
    floats: total,
    unpackedFloats: recs.reduce((n, r) => n + r.size, 0),
    input: acts[0]!,
    output: acts[L]!,
    outputGrad: grads[L] ?? win(outGradRec!, batch * outSize),
    labels: win(labelsRec, batch * outSize),
    probs: win(probsRec, batch * outSize),
    rawLabels: win(rawRec, batch * outSize),
    run: graph,
    origin: fused?.origin ?? null,
    layers: layerBufs,
    afterBackward: moves,
  };
}

/** Frees a plan's arena (every window dies with it). */
export function releasePlan(core: WasmCore, plan: Plan): void {
  core.free(plan.arena);
}
