/**
 * Layer configs between our camelCase layer options and Keras's snake_case JSON (as
 * tf.keras and TF.js 4.22 write them), by the format each layer's file states (its
 * {@link LayerKind}, listed in ts/layers/registry.ts).
 *
 * Options are translated both ways, validated, and Keras's defaults filled when a key is
 * missing; fixed keys (Keras options we do not implement) are accepted only with the
 * value that means "off" and written with it. Any other key is an error naming the layer
 * and the key: silently dropping an option could change what the model computes.
 */
import type { LayerKind } from "../layers/kind.js";
import { layerKinds } from "../layers/registry.js";
import { COMMON_FIXED, type LayerFormat } from "./keras_config.js";
import { type JsonObject, fail } from "./json.js";

export { COMMON_FIXED, type LayerFormat } from "./keras_config.js";

/** The format of a class (from the layer registry), or an error listing the supported ones. */
export function layerFormat(className: string, where: string): LayerFormat {
  const format = layerKinds().get(className)?.keras;
  if (!format) fail(`${where} class_name`, className, `one of ${[...layerKinds().keys()].join(", ")}, InputLayer`);
  return format;
}

/**
 * Reads a Keras layer config into our camelCase options, all present (defaults filled).
 * `ignored` lists keys the caller handles (name, input shape). `where` names the layer.
 */
export function layerConfigFromKeras(className: string, config: JsonObject, where: string, ignored: readonly string[]): Record<string, unknown> {
  const format = layerFormat(className, where);
  const out: Record<string, unknown> = {};
  for (const option of format.options) {
    const value = config[option.keras];
    if (value === undefined) {
      if (option.fallback === undefined) throw new Error(`${where}: the config has no "${option.keras}"; ${className} needs it`);
      out[option.camel] = option.fallback;
    } else {
      out[option.camel] = option.read(value, `${where} ${option.keras}`);
    }
  }
  format.afterRead?.(out);
  const known = new Set([...format.options.map((o) => o.keras), ...ignored]);
  for (const fixed of [...format.fixed, ...COMMON_FIXED]) {
    known.add(fixed.keras);
    const value = config[fixed.keras];
    if (value !== undefined && !fixed.accepts(value)) fail(`${where} ${fixed.keras}`, value, fixed.expected);
  }
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new Error(`${where}: option "${key}" of ${className} is not supported`);
  }
  return out;
}

/**
 * Writes our camelCase options as a full Keras config (TF.js's key set), without name and
 * input shape. Unknown options are an error rather than lost in the saved file.
 */
export function layerConfigToKeras(className: string, config: Record<string, unknown>, where: string, ignored: readonly string[]): JsonObject {
  const format = layerFormat(className, where);
  const out: JsonObject = {};
  const known = new Set(ignored);
  for (const option of format.options) {
    known.add(option.camel);
    let value = config[option.camel];
    if (value === undefined) {
      if (option.fallback === undefined) throw new Error(`${where}: option "${option.camel}" is missing; ${className} needs it`);
      value = option.fallback;
    }
    // Pooling strides default to the pool size, which was written just before.
    if (option.keras === "strides" && value === null) value = out.pool_size;
    out[option.keras] = (option.write ?? option.read)(value, `${where} ${option.camel}`);
  }
  for (const fixed of format.fixed) if (fixed.value !== undefined) out[fixed.keras] = fixed.value;
  for (const key of Object.keys(config)) {
    if (!known.has(key) && config[key] !== undefined) {
      throw new Error(`${where}: option "${key}" of ${className} cannot be saved in the TF.js layers format`);
    }
  }
  return out;
}
