/**
 * A model's computation as data, computed once when the model is made and read by every
 * later feature (planner, runner, summary's "Connected to", weight order, saving, workers).
 *
 * Values are numbered: value 0 is the model input, value i + 1 the output of layers[i];
 * the model output is the last layer's output. Layers are in Keras's `model.layers`
 * order (keras/src/ops/function.py, `map_graph`): by depth (longest path to the output)
 * decreasing, ties broken by the order a depth-first walk back from the output first
 * meets them. That order is topological (a producer is deeper than its consumers), so
 * it is also the order layers run in, and it is the order of `getWeights()`.
 */
import type { GraphDescription, LayerDescriptor } from "../io/topology.js";
import type { Layer } from "../layers/layer.js";
import { applyOrder, hasProvisionalName, isSymbolic, nameSettled, snakeCase, type SymbolicTensor } from "./symbolic.js";

/** A graph of layers with one input and one output (a chain for a Sequential). */
export interface ModelGraph {
  /** Name of the input (an InputLayer in Keras). */
  readonly inputName: string;
  /** Per-sample input shape. */
  readonly inputShape: readonly number[];
  /** The layers, in run order (= Keras's `model.layers` order without the InputLayer). */
  readonly layers: readonly Layer[];
  /** Per layer, the values it reads, in order (0 = the model input, i + 1 = layers[i]'s output). */
  readonly inbound: readonly (readonly number[])[];
}

/** The name of value `v` of `graph`: the input's name or the producing layer's. */
export function valueName(graph: ModelGraph, v: number): string {
  return v === 0 ? graph.inputName : graph.layers[v - 1]!.name;
}

/** The per-sample shape of value `v`. */
export function valueShape(graph: ModelGraph, v: number): readonly number[] {
  return v === 0 ? graph.inputShape : graph.layers[v - 1]!.outputShape!;
}

/** True when every layer reads the one before it (what a Sequential is). */
export function isChain(graph: ModelGraph): boolean {
  return graph.inbound.every((ins, i) => ins.length === 1 && ins[0] === i);
}

/** Inbound lists of a chain of `n` layers. */
export function chainInbound(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => [i]);
}

/** One tensor, or a list holding exactly one, from the `inputs`/`outputs` options. */
function single(where: string, arg: string, value: unknown): SymbolicTensor {
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== 1) {
    throw new Error(`${where}: ${arg} must be one symbolic tensor (models with several ${arg} are not supported yet), received ${Array.isArray(value) ? `an array of ${list.length}` : String(value)}`);
  }
  const t = list[0];
  if (!isSymbolic(t)) throw new Error(`${where}: ${arg} must be a symbolic tensor from input() or a layer's apply(), received ${t === null ? "null" : typeof t}`);
  return t;
}

/**
 * The graph from `inputs` to `outputs` (as `new Model({ inputs, outputs })` receives
 * them): walks back from the output once, checks what a user can get wrong and orders
 * the layers as Keras does. Names each layer that has only a provisional name with the
 * first free one of its stem (conv2d, conv2d_1, ...). Throws naming the layer and shapes.
 */
export function graphFromTensors(where: string, inputs: unknown, outputs: unknown): ModelGraph {
  const input = single(where, "inputs", inputs);
  const output = single(where, "outputs", outputs);
  if (input.layer !== null) throw new Error(`${where}: inputs must come from input(), received ${input}`);
  if (output === input) throw new Error(`${where}: the model has no layers (its output is its input)`);

  // Depth-first from the output: first-visit order and the finished (post-)order. An
  // explicit stack rather than recursion: a chain of tens of thousands of layers must not
  // overflow the JS stack. `enter` is what the recursive walk did on a call, the loop
  // below what it did between its calls on the inputs and on return (same order).
  const visitIndex = new Map<Layer, number>();
  const finished: SymbolicTensor[] = [];
  const inProgress = new Set<SymbolicTensor>();
  const done = new Set<SymbolicTensor>();
  const stack: { t: SymbolicTensor; next: number }[] = [];
  const enter = (t: SymbolicTensor, from: SymbolicTensor | null): void => {
    if (done.has(t)) return;
    if (t.layer === null) {
      if (t !== input) {
        throw new Error(`${where}: the outputs are not reachable from the inputs alone: ${from} reads ${t}, which is not the model's input (${input})`);
      }
      done.add(t);
      return;
    }
    if (inProgress.has(t)) throw new Error(`${where}: ${t} is part of a cycle`);
    if (!visitIndex.has(t.layer)) visitIndex.set(t.layer, visitIndex.size);
    inProgress.add(t);
    stack.push({ t, next: 0 });
  };
  enter(output, null);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.t.inputs.length) {
      enter(top.t.inputs[top.next++]!, top.t);
      continue;
    }
    stack.pop();
    inProgress.delete(top.t);
    done.add(top.t);
    finished.push(top.t);
  }

  // Depth: longest path to the output, set from the output backwards.
  const depth = new Map<SymbolicTensor, number>([[output, 0]]);
  for (let i = finished.length - 1; i >= 0; i--) {
    const t = finished[i]!;
    const d = depth.get(t) ?? 0;
    for (const x of t.inputs) if (x.layer) depth.set(x, Math.max(depth.get(x) ?? 0, d + 1));
  }
  const order = [...finished].sort((a, b) => depth.get(b)! - depth.get(a)! || visitIndex.get(a.layer!)! - visitIndex.get(b.layer!)!);

  for (const t of order) {
    if (t.layer!.weights.materialize) throw new Error(`${where}: layer "${t.layer!.name}" already belongs to another model; make new layers for this one`);
  }
  const layers = order.map((t) => t.layer!);
  const inputName = nameLayers(where, input, layers);
  const valueOf = new Map<SymbolicTensor, number>([[input, 0]]);
  order.forEach((t, i) => valueOf.set(t, i + 1));
  const inbound = order.map((t) => t.inputs.map((x) => valueOf.get(x)!));
  return { inputName, inputShape: [...input.shape], layers, inbound };
}

/**
 * Gives provisionally named layers their final names (first free `stem`, `stem_1`, ...
 * in the order they were applied, the names users gave taken first) and returns the
 * input's name. Keras names a layer when it is made, from a counter per session; naming
 * in apply order per model gives the same names for a model built in a fresh session
 * whose layers are applied in the order they are made, whatever else ran before.
 * Throws when two layers (or a layer and the input) were given the same name.
 */
function nameLayers(where: string, input: SymbolicTensor, layers: readonly Layer[]): string {
  const taken = new Set<string>();
  const claim = (name: string, what: string): void => {
    if (taken.has(name)) throw new Error(`${where}: the name "${name}" is used twice (${what}); layer names must be unique in a model`);
    taken.add(name);
  };
  if (!input.autoName) claim(input.inputName, "by the input");
  for (const l of layers) if (!hasProvisionalName(l)) claim(l.name, `by layer ${l.name} (${l.className})`);
  // Per stem, the lowest suffix not yet taken: names are only added here, so each stem's
  // search resumes where it stopped (from 0 each time, naming n layers was quadratic).
  const nextSuffix = new Map<string, number>();
  const free = (stem: string): string => {
    for (let i = nextSuffix.get(stem) ?? 0; ; i++) {
      const name = i === 0 ? stem : `${stem}_${i}`;
      if (!taken.has(name)) {
        nextSuffix.set(stem, i + 1);
        return name;
      }
    }
  };
  const inputName = input.autoName ? free(input.inputName) : input.inputName;
  taken.add(inputName);
  for (const l of [...layers].sort((a, b) => applyOrder(a) - applyOrder(b))) {
    if (!hasProvisionalName(l)) continue;
    l.name = free(snakeCase(l.className));
    taken.add(l.name);
    nameSettled(l);
  }
  return inputName;
}

/**
 * Builds `layers` (fresh, in run order) on the shapes flowing from `inputShape` through
 * `inbound` (a described graph: a replica's or a loaded model's) and returns the graph.
 * Throws when an inbound entry does not point at an earlier value.
 */
export function buildGraphLayers(inputShape: readonly number[], layers: readonly Layer[], inbound: readonly (readonly number[])[]): ModelGraph {
  if (inbound.length !== layers.length) throw new Error(`graph: ${layers.length} layers but ${inbound.length} inbound lists`);
  const shapes: (readonly number[])[] = [inputShape];
  layers.forEach((layer, i) => {
    const ins = inbound[i]!;
    if (ins.length === 0 || ins.some((v) => !Number.isSafeInteger(v) || v < 0 || v > i)) {
      throw new Error(`graph: layer ${i} (${layer.name}) reads values ${JSON.stringify(ins)}; each must be 0 (the input) or an earlier layer's (1..${i})`);
    }
    const inShapes = ins.map((v) => shapes[v]!);
    if (layer.buildInputs) shapes.push(layer.buildInputs(inShapes));
    else if (inShapes.length !== 1) throw new Error(`graph: layer ${i} (${layer.name}, ${layer.className}) takes one input, ${inShapes.length} are connected to it`);
    else shapes.push(layer.build(inShapes[0]!));
  });
  return { inputName: "input_layer", inputShape: [...inputShape], layers, inbound: inbound.map((ins) => [...ins]) };
}

/**
 * Each layer as { className, name, config, trainable } (for saving and workers); for a
 * functional model (`functional`) without the inputShape option (the input holds it).
 */
export function describeLayers(layers: readonly Layer[], functional: boolean): LayerDescriptor[] {
  return layers.map((l) => {
    const config = { ...l.config };
    if (functional) delete config.inputShape;
    return { className: l.className, name: l.name, config, ...(l.trainable ? {} : { trainable: false }) };
  });
}

/** How a graph's layers connect, by name (Keras's inbound_nodes, input_layers, output_layers). */
export function describeGraph(graph: ModelGraph): GraphDescription {
  return {
    input: { name: graph.inputName, shape: [...graph.inputShape] },
    inbound: graph.inbound.map((ins) => ins.map((v) => valueName(graph, v))),
    output: graph.layers[graph.layers.length - 1]!.name,
  };
}
