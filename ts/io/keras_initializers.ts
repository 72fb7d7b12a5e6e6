/**
 * Initializers between our layer options and Keras JSON.
 *
 * In a layer descriptor an initializer is a TF.js-style identifier ("glorotUniform") when
 * it has no parameters besides an unset seed, else `{ className, config }` with the Keras
 * class name ("RandomNormal") and its parameters. In Keras JSON it is always
 * `{ class_name, config }`. TF.js writes the Glorot/He/LeCun family as `VarianceScaling`
 * with scale, mode and distribution; those are mapped back to their names here.
 */
import { initializers, type Initializer } from "../initializers.js";
import { type JsonObject, fail, isJsonObject, readNumber, readObject, readString } from "./json.js";

/** An initializer as layer descriptors carry it. */
export type InitializerDescriptor = string | { className: string; config: Record<string, unknown> };

/** An initializer in Keras JSON. */
export interface KerasInitializer {
  class_name: string;
  config: Record<string, number | string | null>;
}

/**
 * Keras class name -> its parameters with Keras's defaults (`seed: null` = unseeded),
 * read from the initializers themselves (ts/initializers.ts): each factory's default
 * instance names its Keras class and its config, so the list of initializers lives in
 * one place.
 */
let parameters: Record<string, Record<string, number | null>> | undefined;

/** The table above, built on first use (a top-level table would keep every initializer in every bundle). */
function parametersByClass(): Record<string, Record<string, number | null>> {
  return (parameters ??= Object.fromEntries(
    Object.values(initializers).map((make) => {
      const init = (make as () => Initializer)();
      return [init.className, init.getConfig() as Record<string, number | null>];
    }),
  ));
}

/** The supported Keras class names, for error messages. */
function supported(): string {
  return Object.keys(parametersByClass()).join(", ");
}

/** "glorot_uniform", "glorotUniform", "GlorotUniform" -> "GlorotUniform" (or null). */
function classNameOf(identifier: string): string | null {
  const key = identifier.replace(/_/g, "").toLowerCase();
  return Object.keys(parametersByClass()).find((name) => name.toLowerCase() === key) ?? null;
}

/** "GlorotUniform" -> "glorotUniform". */
function identifierOf(className: string): string {
  return className[0]!.toLowerCase() + className.slice(1);
}

/** Keras 3.15's fan-axes keys of GlorotUniform and its family, accepted when null. */
const UNUSED_AXES = ["input_axes", "output_axes"];

/** Checks `config` against the parameters of `className` and fills Keras's defaults. */
function completeConfig(className: string, config: JsonObject, where: string): Record<string, number | null> {
  const defaults = parametersByClass()[className]!;
  const out: Record<string, number | null> = { ...defaults };
  for (const [key, value] of Object.entries(config)) {
    // Keras 3.15 writes input_axes/output_axes (for fans over chosen axes) on the
    // variance-scaling family; null means the usual fans, which is what we compute.
    if (UNUSED_AXES.includes(key) && Object.hasOwn(defaults, "seed") && className !== "RandomNormal" && className !== "RandomUniform" && className !== "TruncatedNormal") {
      if (value !== null) fail(`${where}.${key}`, value, "null (fans over chosen axes are not supported)");
      continue;
    }
    if (!Object.hasOwn(defaults, key)) {
      const known = Object.keys(defaults).join(", ") || "none";
      throw new Error(`${where}: ${className} has no parameter "${key}" (its parameters: ${known})`);
    }
    if (key === "seed") {
      if (value !== null && !Number.isSafeInteger(value)) fail(`${where}.seed`, value, "a whole number or null");
      out.seed = value as number | null;
    } else {
      out[key] = readNumber(value, `${where}.${key}`);
    }
  }
  return out;
}

/** Maps a TF.js/Keras VarianceScaling config onto the named initializer it equals. */
function varianceScalingName(config: JsonObject, where: string): string {
  const scale = config.scale ?? 1;
  const mode = config.mode ?? "fan_in";
  const distribution = config.distribution ?? "truncated_normal";
  const normal = distribution === "normal" || distribution === "truncated_normal";
  const family = scale === 1 && mode === "fan_avg" ? "Glorot" : scale === 2 && mode === "fan_in" ? "He" : scale === 1 && mode === "fan_in" ? "Lecun" : null;
  if (family === null || (!normal && distribution !== "uniform")) {
    throw new Error(
      `${where}: VarianceScaling with scale=${String(scale)}, mode=${String(mode)}, distribution=${String(distribution)} ` +
        "is not supported; expected one of the Glorot (scale 1, fan_avg), He (scale 2, fan_in) or LeCun (scale 1, fan_in) forms",
    );
  }
  return family + (normal ? "Normal" : "Uniform");
}

/**
 * Reads an initializer from Keras JSON (`{ class_name, config }` or an identifier
 * string). `where` names the option in errors, e.g. `layer "conv2d" kernel_initializer`.
 */
export function initializerFromKeras(value: unknown, where: string): InitializerDescriptor {
  let className: string | null;
  let config: JsonObject = {};
  if (typeof value === "string") {
    className = classNameOf(value);
  } else {
    const entry = readObject(value, where);
    const name = readString(entry.class_name, `${where}.class_name`);
    config = entry.config === undefined || entry.config === null ? {} : readObject(entry.config, `${where}.config`);
    if (name === "VarianceScaling") {
      // scale, mode and distribution are absorbed into the name; only the seed remains.
      className = varianceScalingName(config, where);
      config = config.seed === undefined ? {} : { seed: config.seed };
    } else {
      className = classNameOf(name);
    }
  }
  if (className === null) {
    fail(where, value, `an initializer among ${supported()}`);
  }
  const full = completeConfig(className, config, where);
  const trivial = Object.values(full).every((v) => v === null);
  return trivial ? identifierOf(className) : { className, config: full };
}

/**
 * Writes an initializer as Keras JSON. Accepts an identifier string, a
 * `{ className, config }` descriptor or an initializer object with `className` and
 * `getConfig()` (as the model's layers hold them).
 */
export function initializerToKeras(value: unknown, where: string): KerasInitializer {
  let name: string;
  let config: JsonObject = {};
  if (typeof value === "string") {
    name = value;
  } else if (isJsonObject(value) && typeof value.className === "string") {
    name = value.className;
    const getConfig = value.getConfig;
    const raw = typeof getConfig === "function" ? (getConfig as () => unknown).call(value) : (value.config ?? {});
    config = readObject(raw, `${where}.config`);
  } else {
    fail(where, value, "an initializer name or { className, config }");
  }
  const className = classNameOf(name);
  if (className === null) fail(where, name, `an initializer among ${supported()}`);
  return { class_name: className, config: completeConfig(className, config, where) };
}
