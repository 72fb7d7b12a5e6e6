/** The optimizers, as TensorFlow.js's `tf.train` factories with Keras semantics, and their lookup. */
import { Adam, type AdamArgs } from "./adam.js";
import { AdamW, type AdamWArgs } from "./adamw.js";
import { checkConfigKeys, type Optimizer } from "./optimizer.js";
import { RMSprop, type RMSpropArgs } from "./rmsprop.js";
import { scheduleFromConfig, schedules } from "./schedules.js";
import { SGD, type SGDArgs } from "./sgd.js";

export type { Optimizer, OptimizerConfig } from "./optimizer.js";
export { Adam, type AdamArgs } from "./adam.js";
export { AdamW, type AdamWArgs } from "./adamw.js";
export {
  CosineDecay, ExponentialDecay, PiecewiseConstantDecay, type CosineDecayArgs, type ExponentialDecayArgs,
  type LearningRateSchedule, type PiecewiseConstantDecayArgs, type SerializedSchedule,
} from "./schedules.js";
export { RMSprop, type RMSpropArgs } from "./rmsprop.js";
export { SGD, type SGDArgs } from "./sgd.js";

/** Factories for the optimizers, with Keras's defaults. */
export const optimizers = {
  /** SGD: learningRate 0.01, momentum 0, nesterov false. */
  sgd: (args?: SGDArgs): Optimizer => new SGD(args),
  /** Adam: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  adam: (args?: AdamArgs): Optimizer => new Adam(args),
  /** AdamW: Adam's defaults and weightDecay 0.004 (decoupled, as Keras 3). */
  adamW: (args?: AdamWArgs): Optimizer => new AdamW(args),
  /** RMSprop: learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7. */
  rmsprop: (args?: RMSpropArgs): Optimizer => new RMSprop(args),
  /** Learning-rate schedules, accepted as any optimizer's learningRate. */
  schedules,
};

type OptimizerName = "sgd" | "adam" | "adamW" | "rmsprop";
const NAMES: readonly OptimizerName[] = ["sgd", "adam", "adamW", "rmsprop"];

function factoryFor(fn: string, id: string): OptimizerName {
  const name = NAMES.find((n) => n.toLowerCase() === id.toLowerCase());
  if (!name) throw new Error(`${fn}: unknown optimizer ${JSON.stringify(id)}; expected one of ${NAMES.join(", ")} (or their Keras class names SGD, Adam, AdamW, RMSprop)`);
  return name;
}

/** An optimizer with default settings from its name ("adam", "adamw", "sgd", "rmsprop", or "Adam", "AdamW", "SGD", "RMSprop"); an Optimizer passes through. */
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
  sgd: { learning_rate: "learningRate", weight_decay: "weightDecay", momentum: "momentum", nesterov: "nesterov" },
  adam: { learning_rate: "learningRate", weight_decay: "weightDecay", beta_1: "beta1", beta_2: "beta2", epsilon: "epsilon", amsgrad: null },
  adamW: { learning_rate: "learningRate", weight_decay: "weightDecay", beta_1: "beta1", beta_2: "beta2", epsilon: "epsilon", amsgrad: null },
  rmsprop: { learning_rate: "learningRate", weight_decay: "weightDecay", rho: "rho", momentum: "momentum", epsilon: "epsilon", centered: null },
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
    } else if (arg === "learningRate" && typeof value === "object" && value !== null) {
      // Keras writes a schedule as { module, class_name, config }.
      args[arg] = scheduleFromConfig(owner, value);
    } else if (arg !== undefined) {
      args[arg] = value;
    }
  }
  return (optimizers[name] as (a: Record<string, unknown>) => Optimizer)(args);
}
