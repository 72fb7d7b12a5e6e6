/**
 * Reading a functional model's Keras JSON: tf.keras 2's inbound nodes
 * (`[[["name", 0, 0, {}], ...]]`) and Keras 3's (`[{ args: [__keras_tensor__ ...], kwargs }]`),
 * and what is refused, naming the layer: a layer called twice, an unknown inbound name,
 * several inputs or outputs, a cycle, an input shape on an inner layer.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { partsFromArtifacts } from "../../ts/io/artifacts.js";
import { buildModel } from "../../ts/io/sequential_io.js";
import { topologyFromKeras } from "../../ts/io/topology.js";
import { init } from "../../ts/wasm/loader.js";

beforeAll(async () => {
  await init();
});

const k2 = (name: string) => [name, 0, 0, {}];
const k3 = (name: string) => ({ class_name: "__keras_tensor__", config: { shape: [null, 4], dtype: "float32", keras_history: [name, 0, 0] } });

function functional(layers: object[], inputs: unknown = [["in", 0, 0]], outputs: unknown = [["sum", 0, 0]]): object {
  return { class_name: "Functional", config: { name: "f", layers, input_layers: inputs, output_layers: outputs } };
}
const inputLayer = { class_name: "InputLayer", config: { batch_shape: [null, 4], dtype: "float32", sparse: false, ragged: false, optional: false, name: "in" }, name: "in", inbound_nodes: [] };
const dense = (name: string, node: unknown) => ({ class_name: "Dense", config: { name, units: 4 }, name, inbound_nodes: [node] });
const add = (node: unknown) => ({ class_name: "Add", config: { name: "sum" }, name: "sum", inbound_nodes: [node] });

describe("functional topologies", () => {
  it("reads tf.keras 2's and Keras 3's inbound nodes to the same graph", () => {
    const two = topologyFromKeras(functional([inputLayer, dense("a", [k2("in")]), dense("b", [k2("a")]), add([k2("a"), k2("b")])]));
    const three = topologyFromKeras(functional([inputLayer, dense("a", { args: [k3("in")], kwargs: {} }), dense("b", { args: [k3("a")], kwargs: {} }), add({ args: [[k3("a"), k3("b")]], kwargs: {} })], ["in", 0, 0], ["sum", 0, 0]));
    expect(two.graph).toEqual({ input: { name: "in", shape: [4] }, inbound: [["in"], ["a"], ["a", "b"]], output: "sum" });
    expect(three.graph).toEqual(two.graph);
    expect(three.layers.map((l) => l.name)).toEqual(["a", "b", "sum"]);
  });

  it("builds the model in Keras's order even when the file lists layers otherwise", () => {
    // b is listed before a although it reads a.
    const topo = functional([inputLayer, dense("b", [k2("a")]), dense("a", [k2("in")]), add([k2("b"), k2("a")])]);
    const data = new Float32Array(2 * (16 + 4));
    const parts = partsFromArtifacts({
      modelTopology: topo,
      weightSpecs: ["a", "b"].flatMap((n) => [{ name: `${n}/kernel`, shape: [4, 4], dtype: "float32" }, { name: `${n}/bias`, shape: [4], dtype: "float32" }]),
      weightData: data.buffer,
    });
    const model = buildModel(parts);
    expect(model.layers.map((l) => l.name)).toEqual(["a", "b", "sum"]);
    model.dispose();
  });

  it.each([
    ["a layer called twice", functional([inputLayer, { ...dense("a", [k2("in")]), inbound_nodes: [[k2("in")], [k2("in")]] }, add([k2("a"), k2("a")])]), 'layer 1 ("a", Dense): the layer is called 2 times; expected once (shared layers are not supported)'],
    ["an unknown inbound name", functional([inputLayer, dense("a", [k2("nope")]), add([k2("a"), k2("a")])]), 'layer 1 ("a", Dense): reads "nope", which is no layer of the model'],
    ["several inputs", functional([inputLayer], [["in", 0, 0], ["in2", 0, 0]]), "modelTopology.config.input_layers: models with 2 inputs or outputs are not supported; expected exactly one"],
    ["an unknown output", functional([inputLayer, dense("a", [k2("in")])], [["in", 0, 0]], [["zzz", 0, 0]]), 'modelTopology.config.output_layers: "zzz" is no layer of the model'],
    ["no InputLayer", functional([dense("a", [k2("in")])], [["in", 0, 0]], [["a", 0, 0]]), 'modelTopology.config.layers: no InputLayer named "in" (the model\'s input)'],
    ["an input shape on an inner layer", functional([inputLayer, { ...dense("a", [k2("in")]), config: { name: "a", units: 4, batch_input_shape: [null, 4] } }], [["in", 0, 0]], [["a", 0, 0]]), 'layer 1 ("a", Dense): batch_input_shape on a layer of a functional model; the InputLayer gives the input shape'],
    ["a node index other than 0", functional([inputLayer, dense("a", [["in", 1, 0, {}]])], [["in", 0, 0]], [["a", 0, 0]]), "node and tensor index: received [1,0], expected 0, 0 (shared layers are not supported)"],
  ])("refuses %s", (_, topo, message) => {
    expect(() => topologyFromKeras(topo)).toThrow(message);
  });

  it("refuses a cycle when building", () => {
    const topo = functional([inputLayer, dense("a", [k2("b")]), dense("b", [k2("a")]), add([k2("a"), k2("in")])]);
    const desc = topologyFromKeras(topo);
    expect(() => buildModel({ ...desc, weights: [], training: null })).toThrow('layer 1 ("a", Dense): its inputs never become available (the layers form a cycle)');
  });
});
