/**
 * Inference-time fusion: the graph an inference plan runs, with chains of layers that
 * only feed each other replaced by one {@link FusedLayer} step (fused_layer.ts). Training
 * plans (which also serve `activations()`) run the model's own graph: fusion changes
 * nothing a user sees except speed, and predictions equal the unfused ones up to float
 * rounding.
 *
 * A group starts at a head (Conv2D, DepthwiseConv2D, or Dense on flat inputs) and
 * follows the chain of its output while each value has exactly one reader (one edge) and
 * the reader is the next allowed link:
 *
 * ```text
 * head (linear)  -> BatchNormalization? -> Add (two inputs)? -> ReLU / ReLU6 / Activation("relu"|"relu6"|"linear")?
 * head (relu or relu6): alone, its activation as the clip
 * ```
 *
 * A ZeroPadding2D read only by a `valid` convolution head joins the group in front of it
 * when the two compute what the head with `same` padding computes on the padding's input
 * (the same output size and leading padding on both axes: MobileNetV2's stride-2 blocks,
 * Keras's `correct_pad`); the step then runs the head with `same` padding, the kernels
 * reading zeros outside the image instead of a padded copy.
 *
 * (ResNet's blocks: conv, BN, add, ReLU; MobileNetV2's: conv or depthwise, BN, ReLU6,
 * and conv, BN, add.) A group of a head alone with neither a batch normalization nor a
 * clip saves nothing and is left alone. Heads are taken in graph order and a layer joins
 * at most one group, so when both inputs of an Add end chains, the earlier head's group
 * takes it and the other chain ends before it.
 *
 * A fused step runs at the place of its group's last layer: every input of every member
 * is computed by then (the residual is an input of the Add, which is a member), and no
 * other layer reads a member's output but the next member. The step's inputs are the
 * head's input and the residual; its output is the last member's output value.
 *
 * Per-layer timings (Runner.timings) of a fused step go to its head (the convolution or
 * dense layer, also when a zero padding comes first); the other members report 0.
 */
import { Activation } from "../layers/activation.js";
import { BatchNormalization } from "../layers/batch_normalization.js";
import { Conv2D } from "../layers/conv2d.js";
import { Dense } from "../layers/dense.js";
import { DepthwiseConv2D } from "../layers/depthwise_conv2d.js";
import type { Layer } from "../layers/layer.js";
import { Add } from "../layers/merge.js";
import { ReLU } from "../layers/relu.js";
import { ZeroPadding2D } from "../layers/zero_padding2d.js";
import { conv2dDims } from "../shapes.js";
import { valueShape, type ModelGraph } from "./graph.js";
import { FusedLayer, type FusableHead, type FusionGroup } from "./fused_layer.js";

/** A graph to run and, per run step, the model layer its timing is reported under. */
export interface FusedGraph {
  /** The graph the plan runs: the model's layers, fused groups replaced by one step each. */
  readonly graph: ModelGraph;
  /** Per layer of `graph`, the index in the model's graph of the layer it is or starts with. */
  readonly origin: readonly number[];
  /** The groups fused, in run order. */
  readonly groups: readonly FusionGroup[];
}

const NONE: readonly [number, number] = [-Infinity, Infinity];
const RELU: readonly [number, number] = [0, Infinity];
const RELU6: readonly [number, number] = [0, 6];

/** The clip of an activation name that an epilogue can apply, or null. */
function clipOfName(name: string): readonly [number, number] | null {
  if (name === "linear") return NONE;
  if (name === "relu") return RELU;
  if (name === "relu6") return RELU6;
  return null;
}

/** The clip a layer applies as the last link of a group, or null when it is not such a layer. */
function clipOfLayer(layer: Layer): readonly [number, number] | null {
  if (layer instanceof ReLU) {
    if (layer.negativeSlope !== 0 || layer.threshold !== 0) return null;
    return layer.maxValue === null ? RELU : [0, layer.maxValue];
  }
  if (layer instanceof Activation) return clipOfName(layer.activation);
  return null;
}

/** True for a layer that can head a group (built, with an epilogue-capable forward). */
function isHead(layer: Layer): layer is FusableHead {
  if (layer instanceof Conv2D || layer instanceof DepthwiseConv2D) return layer.inputShape !== null;
  return layer instanceof Dense && layer.inputShape !== null && layer.inputShape.length === 1;
}

/**
 * True when `pad` followed by `head` (valid padding) computes what `head` with same padding
 * computes on `pad`'s input: the output size and the leading padding agree on both axes.
 */
function padIsSame(pad: ZeroPadding2D, head: Conv2D | DepthwiseConv2D): boolean {
  if (head.padding !== "valid") return false;
  const [h, w, c] = pad.inputShape!;
  const [kh, kw] = head.kernelSize;
  const same = conv2dDims(1, h!, w!, c!, kh, kw, 1, head.strides[0], head.strides[1], "same", head.dilationRate[0], head.dilationRate[1]);
  const [[top], [left]] = pad.padding;
  return same.outH === head.outputShape![0] && same.outW === head.outputShape![1] && same.padTop === top && same.padLeft === left;
}

/** The activation name of a clip, for the fused step's `outputActivation`. */
function clipName(clip: readonly [number, number]): string {
  if (clip[0] === -Infinity) return "linear";
  return clip[1] === 6 ? "relu6" : "relu";
}

/** The groups of `graph` (see the module comment), in the order of their heads. */
export function findGroups(graph: ModelGraph): FusionGroup[] {
  const { layers, inbound } = graph;
  const L = layers.length;
  // Per value, the edges that read it: [layer, input position].
  const readers: [number, number][][] = Array.from({ length: L + 1 }, () => []);
  inbound.forEach((ins, i) => ins.forEach((v, k) => readers[v]!.push([i, k])));
  const taken = new Uint8Array(L);
  /** The single reader of layer i's output, when it is free to join a group. */
  const next = (i: number): [number, number] | null => {
    const r = readers[i + 1]!;
    return r.length === 1 && !taken[r[0]![0]] ? r[0]! : null;
  };
  const groups: FusionGroup[] = [];
  layers.forEach((head, h) => {
    if (taken[h] || !isHead(head)) return;
    const own = clipOfName(head.activation);
    if (!own) return;
    const members = [h];
    // A zero padding read only by this head, folded in as `same` padding.
    let input = inbound[h]![0]!;
    const p = input - 1;
    let pad: ZeroPadding2D | null = null;
    if (p >= 0 && !taken[p] && layers[p] instanceof ZeroPadding2D && readers[input]!.length === 1 && !(head instanceof Dense) && padIsSame(layers[p] as ZeroPadding2D, head)) {
      pad = layers[p] as ZeroPadding2D;
      members.unshift(p);
      input = inbound[p]![0]!;
    }
    let bn: BatchNormalization | null = null;
    let residual = -1;
    let clip = own;
    if (own === NONE) {
      let link = next(h);
      if (link && layers[link[0]] instanceof BatchNormalization) {
        bn = layers[link[0]] as BatchNormalization;
        members.push(link[0]);
        link = next(link[0]);
      }
      if (link && layers[link[0]] instanceof Add && inbound[link[0]]!.length === 2) {
        residual = inbound[link[0]]![1 - link[1]]!;
        members.push(link[0]);
        link = next(link[0]);
      }
      const last = link ? clipOfLayer(layers[link[0]]!) : null;
      if (link && last) {
        clip = last;
        members.push(link[0]);
      }
    }
    if (members.length === 1 && clip === NONE) return;
    for (const m of members) taken[m] = 1;
    groups.push({ head: h, input, pad: pad !== null, members, bn, residual, clip, activation: clipName(clip) });
  });
  return groups;
}

/** The graph an inference plan runs (see the module comment), or null when nothing fuses. */
export function fuseGraph(graph: ModelGraph): FusedGraph | null {
  const groups = findGroups(graph);
  if (groups.length === 0) return null;
  const { layers, inbound } = graph;
  const groupOf = new Int32Array(layers.length).fill(-1);
  groups.forEach((g, k) => g.members.forEach((m) => (groupOf[m] = k)));
  // Per model value, the run graph's value (-1 for a member's output that only the group reads).
  const valueMap = new Int32Array(layers.length + 1).fill(-1);
  valueMap[0] = 0;
  const runLayers: Layer[] = [];
  const runInbound: number[][] = [];
  const origin: number[] = [];
  const runGroups: FusionGroup[] = [];
  const mapped = (v: number): number => {
    const r = valueMap[v]!;
    if (r < 0) throw new Error(`simdnet: fusion reads value ${v} before it is computed (internal error)`);
    return r;
  };
  layers.forEach((layer, i) => {
    const k = groupOf[i]!;
    if (k < 0) {
      runLayers.push(layer);
      runInbound.push(inbound[i]!.map(mapped));
      origin.push(i);
    } else {
      const g = groups[k]!;
      if (g.members[g.members.length - 1] !== i) return;
      const ins = [mapped(g.input)];
      if (g.residual >= 0) ins.push(mapped(g.residual));
      runLayers.push(new FusedLayer(layers[g.head] as FusableHead, g, valueShape(graph, g.input), layer.outputShape!));
      runInbound.push(ins);
      origin.push(g.head);
      runGroups.push(g);
    }
    valueMap[i + 1] = runLayers.length;
  });
  return { graph: { inputName: graph.inputName, inputShape: graph.inputShape, layers: runLayers, inbound: runInbound }, origin, groups: runGroups };
}
