/**
 * A functional model's Keras JSON, as tf.keras 2 (and TF.js 4.22) write it:
 *
 * ```
 * { class_name: "Functional", config: { name, trainable, layers: [
 *     { class_name: "InputLayer", config: { batch_input_shape: [null, ...], dtype, sparse, ragged, name }, name, inbound_nodes: [] },
 *     { class_name: "Conv2D", config: {...}, name: "conv2d", inbound_nodes: [[["input_layer", 0, 0, {}]]] }, ... ],
 *   input_layers: [["input_layer", 0, 0]], output_layers: [["dense", 0, 0]] }, keras_version, backend }
 * ```
 *
 * Read also: class_name "Model" (older tf.keras) and Keras 3's inbound nodes
 * (`[{ args: [{ class_name: "__keras_tensor__", config: { keras_history: [name, 0, 0] } }], kwargs: {} }]`).
 * One input, one output, each layer called once (shared layers are refused, naming the layer).
 */
import { initializerFromConfig } from "../initializers.js";
import { layerFromConfig } from "../layers/index.js";
import type { Layer } from "../layers/layer.js";
import { graphFromTensors } from "../model/graph.js";
import { input, type SymbolicTensor } from "../model/symbolic.js";
import { type JsonObject, fail, isJsonObject, readArray, readObject, readString } from "./json.js";
import {
  batchShape, checkInputLayer, layerFromKeras, layerToKeras, layerWhere, SIMDNET_VERSION,
  type GraphDescription, type LayerDescriptor, type ModelDescription,
} from "./topology.js";

/** Writes a functional model's description as Keras JSON. */
export function functionalToKeras(model: ModelDescription, graph: GraphDescription): JsonObject {
  const names = new Set<string>([graph.input.name]);
  const layers: JsonObject[] = [{
    class_name: "InputLayer",
    config: { batch_input_shape: [null, ...graph.input.shape], dtype: "float32", sparse: false, ragged: false, name: graph.input.name },
    name: graph.input.name,
    inbound_nodes: [],
  }];
  model.layers.forEach((layer, i) => {
    const where = layerWhere(i, layer.name, layer.className);
    if (typeof layer.name !== "string" || layer.name === "") fail(`${where} name`, layer.name, "a non-empty string");
    if (names.has(layer.name)) throw new Error(`${where}: the name "${layer.name}" is used twice; layer names must be unique`);
    const inbound = graph.inbound[i] ?? [];
    for (const from of inbound) if (!names.has(from)) throw new Error(`${where}: reads "${from}", which is not an earlier layer or the input`);
    names.add(layer.name);
    const { class_name, config } = layerToKeras(layer, where);
    layers.push({ class_name, config, name: layer.name, inbound_nodes: [inbound.map((from) => [from, 0, 0, {}])] });
  });
  return {
    class_name: "Functional",
    config: { name: model.name, trainable: true, layers, input_layers: [[graph.input.name, 0, 0]], output_layers: [[graph.output, 0, 0]] },
    keras_version: SIMDNET_VERSION,
    backend: "simdnet",
  };
}

/** `[name, nodeIndex, tensorIndex]` of `input_layers` / `output_layers`, exactly one entry. */
function readEndpoint(value: unknown, where: string): string {
  const list = readArray(value, where);
  // Keras writes a single endpoint either as a list of one or as the bare triple.
  const entry = list.length === 3 && typeof list[0] === "string" ? list : list.length === 1 ? readArray(list[0], `${where}[0]`) : null;
  if (!entry) throw new Error(`${where}: models with ${list.length} inputs or outputs are not supported; expected exactly one`);
  const name = readString(entry[0], `${where} layer name`);
  if (entry[1] !== 0 || entry[2] !== 0) fail(`${where} node and tensor index`, entry.slice(1), "0, 0 (shared layers are not supported)");
  return name;
}

/**
 * True for call arguments simdnet can ignore: none, nulls, or a recorded `training` flag.
 * Keras 3 records `training: true` on every call of a random preprocessing layer (their
 * `call` defaults it to True), and `training: false` where a user wrote it; in `fit`,
 * `evaluate` and `predict` the model's own training flag replaces the recorded one
 * (keras/src/models/functional.py, operation_fn), and those are the only calls simdnet has.
 */
function ignorableCallArguments(args: unknown): boolean {
  return isJsonObject(args) && Object.entries(args).every(([k, v]) => v === null || (k === "training" && typeof v === "boolean"));
}

/** The layer names one inbound node reads, in order (tf.keras 2 or Keras 3 form). */
function readInboundNode(node: unknown, where: string): string[] {
  if (Array.isArray(node)) {
    return node.map((entry, k) => {
      const e = readArray(entry, `${where}[${k}]`);
      const name = readString(e[0], `${where}[${k}][0]`);
      if (e[1] !== 0 || e[2] !== 0) fail(`${where}[${k}] node and tensor index`, e.slice(1, 3), "0, 0 (shared layers are not supported)");
      if (e[3] !== undefined && !ignorableCallArguments(e[3])) fail(`${where}[${k}] call arguments`, e[3], "{}");
      return name;
    });
  }
  const obj = readObject(node, where);
  const names: string[] = [];
  const collect = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, k) => collect(x, `${at}[${k}]`));
    else if (isJsonObject(v) && v.class_name === "__keras_tensor__") {
      const history = readArray(readObject(v.config, `${at}.config`).keras_history, `${at}.config.keras_history`);
      if (history[1] !== 0 || history[2] !== 0) fail(`${at} keras_history`, history, "[name, 0, 0] (shared layers are not supported)");
      names.push(readString(history[0], `${at} keras_history[0]`));
    } else fail(at, v, "a Keras tensor");
  };
  collect(obj.args ?? [], `${where}.args`);
  if (obj.kwargs !== undefined && !ignorableCallArguments(obj.kwargs)) fail(`${where}.kwargs`, obj.kwargs, "{}");
  return names;
}

/**
 * Reads a functional model's Keras JSON (`root` is the object with class_name
 * "Functional" or "Model") into descriptors and its graph. Structure is checked here
 * (names, one InputLayer, inbound names known, no layer called twice); shapes are
 * checked when the layers are built on it.
 */
export function functionalFromKeras(root: JsonObject): ModelDescription {
  const config = readObject(root.config, "modelTopology.config");
  const name = config.name === undefined ? "functional" : readString(config.name, "modelTopology.config.name");
  const entries = readArray(config.layers, "modelTopology.config.layers");
  const inputName = readEndpoint(config.input_layers, "modelTopology.config.input_layers");
  const output = readEndpoint(config.output_layers, "modelTopology.config.output_layers");
  let input: { name: string; shape: number[] } | null = null;
  const layers: LayerDescriptor[] = [];
  const inbound: string[][] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const item = readObject(entry, `modelTopology.config.layers[${i}]`);
    const layerConfig = readObject(item.config, `modelTopology.config.layers[${i}].config`);
    const layerName = readString(item.name ?? layerConfig.name, `modelTopology.config.layers[${i}].name`);
    const where = layerWhere(i, layerName, item.class_name);
    if (seen.has(layerName)) throw new Error(`${where}: the name "${layerName}" is used by two layers`);
    seen.add(layerName);
    const nodes = readArray(item.inbound_nodes ?? [], `${where} inbound_nodes`);
    if (item.class_name === "InputLayer") {
      checkInputLayer(layerConfig, where);
      const shape = batchShape(layerConfig, where);
      if (shape === null) throw new Error(`${where}: the InputLayer has no batch_input_shape`);
      if (layerName !== inputName) throw new Error(`${where}: an InputLayer that is not the model's input (${inputName}); models with several inputs are not supported`);
      input = { name: layerName, shape };
      return;
    }
    const className = readString(item.class_name, `${where} class_name`);
    if (nodes.length !== 1) {
      throw new Error(`${where}: the layer is called ${nodes.length} times; expected once (shared layers are not supported)`);
    }
    for (const key of ["batch_input_shape", "batch_shape"]) {
      if (layerConfig[key] != null) throw new Error(`${where}: ${key} on a layer of a functional model; the InputLayer gives the input shape`);
    }
    layers.push(layerFromKeras(className, layerName, layerConfig, where));
    inbound.push(readInboundNode(nodes[0], `${where} inbound_nodes[0]`));
  });
  if (input === null) throw new Error(`modelTopology.config.layers: no InputLayer named "${inputName}" (the model's input)`);
  if (layers.length === 0) throw new Error("modelTopology.config.layers: the model has no layers besides its InputLayer");
  inbound.forEach((ins, i) => {
    for (const from of ins) {
      if (!seen.has(from)) throw new Error(`${layerWhere(i + 1, layers[i]!.name, layers[i]!.className)}: reads "${from}", which is no layer of the model`);
    }
  });
  if (!layers.some((l) => l.name === output)) throw new Error(`modelTopology.config.output_layers: "${output}" is no layer of the model`);
  return { name, layers, graph: { input, inbound, output } };
}

/** A fresh layer from a descriptor (parameterized initializers turned back into objects). */
export function layerFromDescriptor(d: LayerDescriptor): Layer {
  const config: Record<string, unknown> = { ...d.config, name: d.name };
  for (const key of ["kernelInitializer", "biasInitializer"]) {
    const init = config[key];
    // Parameterized initializers arrive as { className, config }; names pass as they are.
    if (typeof init === "object" && init !== null) {
      const { className, config: args } = init as { className: string; config: Record<string, unknown> };
      config[key] = initializerFromConfig(className, args);
    }
  }
  const layer = layerFromConfig(d.className, config);
  if (d.trainable === false) layer.trainable = false;
  return layer;
}

/**
 * Fresh layers for a described functional model, connected as its graph says (applied in
 * an order where each layer's inputs exist): the input and output tensors, ready for
 * `new Model({ inputs, outputs })`. Throws naming the layer on a cycle or a bad shape.
 */
export function connectDescribed(desc: ModelDescription, graph: GraphDescription): { input: SymbolicTensor; output: SymbolicTensor } {
  const made = desc.layers.map(layerFromDescriptor);
  const tensors = new Map<string, SymbolicTensor>([[graph.input.name, input({ shape: graph.input.shape, name: graph.input.name })]]);
  // In rounds: each round applies, in index order, the layers whose inputs all exist after
  // the previous one. Counts of missing inputs and, per name, the layers waiting on it keep
  // this linear (rescanning every layer left each round was quadratic on a long chain).
  const waiting = new Map<string, number[]>();
  const missing = graph.inbound.map((ins, i) => {
    const absent = new Set(ins.filter((from) => !tensors.has(from)));
    for (const from of absent) {
      const list = waiting.get(from);
      if (list) list.push(i);
      else waiting.set(from, [i]);
    }
    return absent.size;
  });
  let ready = made.map((_, i) => i).filter((i) => missing[i] === 0);
  let applied = 0;
  while (applied < made.length) {
    if (ready.length === 0) {
      const i = missing.findIndex((m) => m > 0);
      throw new Error(`${layerWhere(i + 1, desc.layers[i]!.name, desc.layers[i]!.className)}: its inputs never become available (the layers form a cycle)`);
    }
    const next: number[] = [];
    for (const i of ready) {
      const ins = graph.inbound[i]!.map((from) => tensors.get(from)!);
      const name = desc.layers[i]!.name;
      const fresh = !tensors.has(name);
      tensors.set(name, made[i]!.apply(made[i]!.buildInputs ? ins : ins.length === 1 ? ins[0]! : ins));
      applied++;
      for (const j of fresh ? waiting.get(name) ?? [] : []) if (--missing[j]! === 0) next.push(j);
    }
    ready = next.sort((a, b) => a - b);
  }
  return { input: tensors.get(graph.input.name)!, output: tensors.get(graph.output)! };
}

/** One weight a described model has: its full name, shape and whether the optimizer updates it. */
export interface DescribedWeight {
  name: string;
  shape: number[];
  trainable: boolean;
}

/**
 * Every weight of a described model, in `getWeights()` order (Keras's), from layers
 * built on its shapes without wasm memory: what a manifest must hold, and (the trainable
 * ones) what optimizer slots a checkpoint must hold.
 */
export function describedWeights(desc: ModelDescription): DescribedWeight[] {
  let layers: readonly Layer[];
  if (desc.graph) {
    const { input: x, output } = connectDescribed(desc, desc.graph);
    layers = graphFromTensors("loadModel", x, output).layers;
  } else {
    const made = desc.layers.map(layerFromDescriptor);
    let shape: readonly number[] = desc.layers[0]!.config.inputShape as number[];
    for (const l of made) shape = l.build(shape);
    layers = made;
  }
  return layers.flatMap((l) => l.weights.specs.map((s) => ({ name: `${l.name}/${s.name}`, shape: [...s.shape], trainable: l.trainable && s.trainable !== false })));
}
