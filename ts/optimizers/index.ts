/** The optimizers, as TensorFlow.js's `tf.train` factories with Keras semantics, and their lookup. */
import { Adam, type AdamArgs } from "./adam.js";
import { checkConfigKeys, type Optimizer } from "./optimizer.js";
import { RMSprop, type RMSpropArgs } from "./rmsprop.js";
import { SGD, type SGDArgs } from "./sgd.js";

export type { Optimizer } from "./optimizer.js";
export { Adam, type AdamArgs } from "./adam.js";
export { RMSprop, type RMSpropArgs } from "./rmsprop.js";
export { SGD, type SGDArgs } from "./sgd.js";

/** Factories for the optimizers, with Keras's defaults. */
export const optimizers = {
  /** SGD: learningRate 0.01, momentum 0, nesterov false. */
  sgd: (args?: SGDArgs): Optimizer => new SGD(args),
  /** Adam: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  adam: (args?: AdamArgs): Optimizer => new Adam(args),
  /** RMSprop: learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7. */
  rmsprop: (args?: RMSpropArgs): Optimizer => new RMSprop(args),
};

const NAMES = /* @__PURE__ */ Object.keys(optimizers) as (keyof typeof optimizers)[];

function factoryFor(fn: string, id: string): keyof typeof optimizers {
  const name = NAMES.find((n) => n === id.toLowerCase());
  if (!name) throw new Error(`${fn}: unknown optimizer ${JSON.stringify(id)}; expected one of ${NAMES.join(", ")} (or their Keras class names SGD, Adam, RMSprop)`);
  return name;
}

/** An optimizer with default settings from its name ("adam", "sgd", "rmsprop", or "Adam", "SGD", "RMSprop"); an Optimizer passes through. */
export function getOptimizer(id: string | Optimizer): Optimizer {
  if (typeof id !== "string") {
    if (id && typeof id === "object" && typeof id.apply === "function") return id;
    throw new Error(`getOptimizer: expected a name or an Optimizer, received ${String(id)}`);
  }
  return optimizers[factoryFor("getOptimizer", id)]();
}

// Keras config keys -> our argument names, per optimizer. amsgrad and centered are
// accepted only as false (the variants are not implemented).
const CONFIG_KEYS = {
  sgd: { learning_rate: "learningRate", momentum: "momentum", nesterov: "nesterov" },
  adam: { learning_rate: "learningRate", beta_1: "beta1", beta_2: "beta2", epsilon: "epsilon", amsgrad: null },
  rmsprop: { learning_rate: "learningRate", rho: "rho", momentum: "momentum", epsilon: "epsilon", centered: null },
} as const;

/**
 * Rebuilds an optimizer from its Keras class name and config (as {@link Optimizer.getConfig}
 * returns it, or a Keras training config); a key that cannot be honoured is an error.
 */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const name = factoryFor("optimizerFromConfig", className);
  const keys: Record<string, string | null> = CONFIG_KEYS[name];
  const owner = `optimizerFromConfig(${className})`;
  checkConfigKeys(owner, config, Object.keys(keys));
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const arg = keys[key];
    if (arg === null) {
      if (value !== false) throw new Error(`${owner}: ${key} ${JSON.stringify(value)} is not supported; only false`);
    } else if (arg !== undefined) {
      args[arg] = value;
    }
  }
  return (optimizers[name] as (a: Record<string, unknown>) => Optimizer)(args);
}
