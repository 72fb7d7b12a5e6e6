/**
 * Model configs between Keras 3's config.json and the Keras-2-style topology JSON of the
 * TF.js layers format (which ts/io/topology.ts reads and writes).
 *
 * Keras 3 wraps every object as `{ module, class_name, config, registered_name,
 * build_config?, compile_config? }`, writes dtype policies as objects, the input shape as
 * `batch_shape` on an InputLayer, and a functional layer's inputs as
 * `{ args: [{ class_name: "__keras_tensor__", config: { keras_history: [layer, node,
 * tensor] } }], kwargs }`. Keras 2 (tf.keras, TF.js) writes `{ class_name, config }`,
 * dtype strings, `batch_input_shape`, and inbound nodes as `[[layer, node, tensor,
 * kwargs], ...]`. Keras 3 still reads that legacy node form (functional.py's
 * deserialize_node), so configs we write use it: it needs no tensor shapes.
 *
 * Every walk here is recursive; json_text.ts caps the nesting of what it parses.
 */
import { type JsonObject, describeValue, fail, isJsonObject, readArray, readObject, readString } from "../json.js";

/** Keys of Keras 3 initializer configs that mean "the default" when null (dropped). */
const NULL_DEFAULTS = new Set(["input_axes", "output_axes"]);

/**
 * Layer options that only Keras 3 writes, dropped when they hold the value that means
 * "off" (tf.keras 2 and TF.js have no such key); any other value stays, for the layer
 * checks to refuse by name.
 */
const KERAS3_ONLY_OFF: ReadonlyArray<[string, unknown]> = [
  ["quantization_config", null], ["lora_rank", null], ["lora_alpha", null], ["optional", false], ["synchronized", false],
];

/** True for Keras 3's `{ module, class_name, config, ... }` object wrapper. */
function isKeras3Object(value: JsonObject): boolean {
  return typeof value.class_name === "string" && "config" in value && ("module" in value || "registered_name" in value);
}

/**
 * A Keras-3 (or already Keras-2) value in Keras 2 form: wrappers reduced to
 * `{ class_name, config }`, a float32 dtype policy to "float32". Custom objects (a
 * registered name of their own, a module outside Keras) are refused, naming `where`.
 */
export function valueToKeras2(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => valueToKeras2(v, `${where}[${i}]`));
  if (!isJsonObject(value)) return value;
  if (isKeras3Object(value)) {
    checkNotCustom(value, where);
    if (value.class_name === "DTypePolicy" && isJsonObject(value.config) && typeof value.config.name === "string") return value.config.name;
    const out: JsonObject = { class_name: value.class_name, config: valueToKeras2(value.config, `${where}.config`) };
    if (isJsonObject(out.config)) for (const key of NULL_DEFAULTS) if (out.config[key] === null) delete out.config[key];
    return out;
  }
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) out[key] = valueToKeras2(v, `${where}.${key}`);
  return out;
}

function checkNotCustom(value: JsonObject, where: string): void {
  const module = value.module;
  const registered = value.registered_name;
  const builtin = module === undefined || module === null || (typeof module === "string" && (module === "keras" || module.startsWith("keras.")));
  if (!builtin || (registered !== null && registered !== undefined && registered !== value.class_name)) {
    throw new Error(`${where}: "${String(value.class_name)}" is a custom object (module ${describeValue(module)}, registered as ${describeValue(registered)}); simdnet loads only Keras's own classes`);
  }
}

/** `["a", 0, 0]` or `[["a", 0, 0], ...]` as a list of triples. */
function tensorList(value: unknown, where: string): unknown[][] {
  const list = readArray(value, where);
  if (list.length > 0 && !Array.isArray(list[0])) return [list];
  return list.map((t, i) => readArray(t, `${where}[${i}]`));
}

/** One Keras 3 inbound node as a Keras 2 list of `[layer, node, tensor, kwargs]`. */
function nodeToKeras2(node: unknown, where: string): unknown[] {
  if (Array.isArray(node)) return node; // already Keras 2
  const n = readObject(node, where);
  const args = readArray(n.args, `${where}.args`);
  const kwargs = n.kwargs === undefined ? {} : readObject(n.kwargs, `${where}.kwargs`);
  // Keras 3 passes `mask: null` for a layer that takes masks; there are none here.
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(kwargs)) if (!(k === "mask" && v === null)) extra[k] = v;
  if (args.length !== 1) throw new Error(`${where}.args: a layer called with ${args.length} positional arguments; simdnet layers take one tensor or one list of tensors`);
  const tensors = Array.isArray(args[0]) ? args[0] : [args[0]];
  return tensors.map((t, i) => {
    const tensor = readObject(t, `${where}.args[0][${i}]`);
    if (tensor.class_name !== "__keras_tensor__") fail(`${where}.args[0][${i}].class_name`, tensor.class_name, '"__keras_tensor__" (a layer input that is not a tensor is not supported)');
    const history = readArray(readObject(tensor.config, `${where}.args[0][${i}].config`).keras_history, `${where}.args[0][${i}].config.keras_history`);
    if (history.length !== 3 || typeof history[0] !== "string" || !Number.isSafeInteger(history[1]) || !Number.isSafeInteger(history[2])) {
      fail(`${where}.args[0][${i}].config.keras_history`, history, "[layer name, node index, tensor index]");
    }
    return [history[0], history[1], history[2], extra];
  });
}

/** One layer entry of a Keras 3 (or Keras 2) model config, in Keras 2 form. */
function layerToKeras2(entry: unknown, index: number, functional: boolean): JsonObject {
  const item = readObject(entry, `config.layers[${index}]`);
  const config = readObject(item.config, `config.layers[${index}].config`);
  const className = readString(item.class_name, `config.layers[${index}].class_name`);
  const where = `layer ${index} (${typeof config.name === "string" ? `"${config.name}"` : "unnamed"}, ${className})`;
  checkNotCustom(item, where);
  const out = valueToKeras2(config, where) as JsonObject;
  for (const [key, off] of KERAS3_ONLY_OFF) if (Object.hasOwn(out, key) && out[key] === off) delete out[key];
  if (className === "InputLayer") {
    if (out.batch_shape !== undefined && out.batch_input_shape === undefined) out.batch_input_shape = out.batch_shape;
    delete out.batch_shape;
  }
  const layer: JsonObject = { class_name: className, config: out };
  if (functional) {
    layer.name = item.name ?? out.name;
    layer.inbound_nodes = readArray(item.inbound_nodes ?? [], `${where} inbound_nodes`).map((n, i) => nodeToKeras2(n, `${where} inbound_nodes[${i}]`));
  }
  return layer;
}

/**
 * A model config from a `.keras` config.json or an `.h5` model_config (Keras 3 or
 * tf.keras 2) as the Keras-2-style topology of the TF.js layers format:
 * `{ class_name: "Sequential" | "Functional", config: { name, layers, input_layers?,
 * output_layers? } }`. Throws on a structure that is not a model config.
 */
export function configToKeras2(config: unknown, where: string): JsonObject {
  const root = readObject(config, where);
  const className = readString(root.class_name, `${where}.class_name`);
  if (className !== "Sequential" && className !== "Functional" && className !== "Model") {
    fail(`${where}.class_name`, className, '"Sequential" or "Functional" (a model subclass cannot be loaded without its Python code)');
  }
  const body = Array.isArray(root.config) ? { layers: root.config } : readObject(root.config, `${where}.config`);
  const functional = className !== "Sequential";
  const out: JsonObject = { name: body.name ?? (functional ? "model" : "sequential") };
  out.layers = readArray(body.layers, `${where}.config.layers`).map((l, i) => layerToKeras2(l, i, functional));
  if (functional) {
    out.input_layers = tensorList(body.input_layers, `${where}.config.input_layers`);
    out.output_layers = tensorList(body.output_layers, `${where}.config.output_layers`);
  } else if (body.build_input_shape != null && (out.layers as JsonObject[])[0]?.class_name !== "InputLayer") {
    // Keras 3 repeats the InputLayer's shape here; only a model without one needs it.
    out.build_input_shape = body.build_input_shape;
  }
  return { class_name: functional ? "Functional" : "Sequential", config: out };
}

/** A Keras 2 value (initializer, regularizer, ...) wrapped as Keras 3 writes it. */
function valueToKeras3(value: unknown, module: string): unknown {
  if (Array.isArray(value)) return value.map((v) => valueToKeras3(v, module));
  if (!isJsonObject(value)) return value;
  if (typeof value.class_name === "string" && isJsonObject(value.config) && Object.keys(value).length === 2) {
    return { module, class_name: value.class_name, config: valueToKeras3(value.config, module), registered_name: null };
  }
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) out[key] = valueToKeras3(v, module);
  return out;
}

const DTYPE_POLICY = (): JsonObject => ({ module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null });

/** Modules of the Keras objects a layer config holds, by key suffix. */
function moduleOf(key: string): string {
  if (key.endsWith("initializer")) return "keras.initializers";
  if (key.endsWith("regularizer")) return "keras.regularizers";
  if (key.endsWith("constraint")) return "keras.constraints";
  return "keras";
}

/** One Keras 2 layer config as Keras 3 writes it inside config.json. */
function layerConfigToKeras3(config: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === "batch_input_shape") continue;
    out[key] = key === "dtype" ? DTYPE_POLICY() : valueToKeras3(value, moduleOf(key));
  }
  if (out.dtype === undefined) out.dtype = DTYPE_POLICY();
  return out;
}

function inputLayer(name: string, batchShape: unknown): JsonObject {
  return {
    module: "keras.layers",
    class_name: "InputLayer",
    config: { batch_shape: batchShape, dtype: "float32", sparse: false, ragged: false, name },
    registered_name: null,
  };
}

/**
 * A Keras-2-style topology (as ts/io writes for the TF.js layers format) as the
 * config.json of a `.keras` file, in the form Keras 3 writes. Sequential models get an
 * explicit InputLayer (from the first layer's `batch_input_shape`); functional ones keep
 * their inbound nodes in the legacy list form, which Keras 3 reads.
 */
export function configToKeras3(topology: unknown, where = "topology"): JsonObject {
  let root = readObject(topology, where);
  if (root.model_config !== undefined) root = readObject(root.model_config, `${where}.model_config`);
  const className = readString(root.class_name, `${where}.class_name`);
  const body = readObject(root.config, `${where}.config`);
  const layers = readArray(body.layers, `${where}.config.layers`).map((l, i) => readObject(l, `${where}.config.layers[${i}]`));
  const name = readString(body.name, `${where}.config.name`);
  if (className === "Sequential") {
    const first = readObject(layers[0]?.config, `${where}.config.layers[0].config`);
    const out: JsonObject[] = [];
    let batchShape: unknown = first.batch_input_shape;
    if (layers[0]!.class_name === "InputLayer") {
      batchShape = first.batch_input_shape ?? first.batch_shape;
      layers.shift();
    }
    if (!Array.isArray(batchShape)) throw new Error(`${where}: the Sequential model has no input shape (batch_input_shape on its first layer)`);
    out.push(inputLayer("input_layer", batchShape));
    for (const l of layers) {
      out.push({ module: "keras.layers", class_name: l.class_name, config: layerConfigToKeras3(readObject(l.config, `${where} layer config`)), registered_name: null });
    }
    return {
      module: "keras", class_name: "Sequential",
      config: { name, trainable: true, dtype: DTYPE_POLICY(), layers: out },
      registered_name: null, build_config: { input_shape: batchShape },
    };
  }
  if (className !== "Functional" && className !== "Model") fail(`${where}.class_name`, className, '"Sequential" or "Functional"');
  const out = layers.map((l, i) => {
    const config = readObject(l.config, `${where}.config.layers[${i}].config`);
    const entry: JsonObject = l.class_name === "InputLayer"
      ? inputLayer(readString(config.name, `${where}.config.layers[${i}].config.name`), config.batch_input_shape ?? config.batch_shape)
      : { module: "keras.layers", class_name: l.class_name, config: layerConfigToKeras3(config), registered_name: null };
    entry.name = l.name ?? config.name;
    entry.inbound_nodes = l.inbound_nodes ?? [];
    return entry;
  });
  return {
    module: "keras.src.models.functional", class_name: "Functional",
    config: { name, trainable: true, layers: out, input_layers: body.input_layers, output_layers: body.output_layers },
    registered_name: "Functional",
  };
}
