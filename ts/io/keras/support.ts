/**
 * What a Keras file may use, checked on its translated config before any weight is read:
 * the layer classes simdnet has (today's and issue 10's), the activations it implements,
 * and no channels_first data. Each refusal names the layer, its class and the option.
 * The full option-by-option check is ts/io/keras_layers.ts's, run when the model is
 * built from the topology; this one gives the early, readable refusal for the common
 * cases (an LSTM, a "gelu_approximate" activation, NCHW data).
 */
import { layerKinds } from "../../layers/registry.js";
import { type JsonObject, isJsonObject } from "../json.js";

/** Layer classes simdnet builds: the layer registry's, and the input placeholder. */
export const SUPPORTED_LAYERS: readonly string[] = Object.freeze(["InputLayer", ...layerKinds().keys()]);

/** Activations by Keras name (issue 10 adds the second line). */
export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.freeze([
  "linear", "relu", "sigmoid", "tanh", "softmax",
  "relu6", "elu", "selu", "swish", "silu", "gelu", "hard_sigmoid",
]);

/**
 * The weight names of a layer in the order Keras keeps its variables (the `vars/<i>`
 * order of a `.keras` file and the order of an `.h5` layer's weight_names), from its
 * Keras 2 config. Names follow the TF.js layers format ("depthwise_kernel", "gamma").
 */
export function layerWeightNames(className: string, config: JsonObject): string[] {
  const bias = config.use_bias === false ? [] : ["bias"];
  switch (className) {
    case "Conv2D":
    case "Dense":
      return ["kernel", ...bias];
    case "DepthwiseConv2D":
      return ["depthwise_kernel", ...bias];
    case "SeparableConv2D":
      return ["depthwise_kernel", "pointwise_kernel", ...bias];
    case "BatchNormalization":
      return [...(config.scale === false ? [] : ["gamma"]), ...(config.center === false ? [] : ["beta"]), "moving_mean", "moving_variance"];
    default:
      return [];
  }
}

/**
 * Throws, naming the layer, its class and the option, when the Keras 2 topology uses a
 * layer class, activation or data format simdnet lacks.
 */
export function checkSupported(topology: JsonObject, where: string): void {
  const layers = (isJsonObject(topology.config) ? topology.config.layers : undefined) as unknown[];
  layers.forEach((entry, i) => {
    const item = entry as JsonObject;
    const config = item.config as JsonObject;
    const className = String(item.class_name);
    const at = `${where}: layer ${i} ("${String(config.name)}", class ${className})`;
    // Names address the layer's weights inside the HDF5 file; Keras itself forbids "/".
    if (typeof config.name !== "string" || config.name === "" || config.name.includes("/") || config.name.length > 256) {
      throw new Error(`${at}: the layer name must be a non-empty string of at most 256 characters without "/"`);
    }
    if (!SUPPORTED_LAYERS.includes(className)) {
      throw new Error(`${at} is a layer class simdnet does not have (it has ${SUPPORTED_LAYERS.join(", ")})`);
    }
    const activation = config.activation;
    if (activation !== undefined && activation !== null) {
      const name = isJsonObject(activation) ? activation.class_name : activation;
      if (typeof name !== "string" || !SUPPORTED_ACTIVATIONS.includes(name)) {
        throw new Error(`${at}: option activation=${JSON.stringify(name)} is not an activation simdnet has (it has ${SUPPORTED_ACTIVATIONS.join(", ")})`);
      }
    }
    if (config.data_format === "channels_first") {
      throw new Error(`${at}: option data_format="channels_first" is not supported (simdnet computes channels_last, NHWC)`);
    }
  });
}
