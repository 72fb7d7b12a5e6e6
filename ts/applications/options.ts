/**
 * Option checks the applications share: each throws naming the call, the option, what
 * was received and what was expected, before any layer is made.
 */
import type { ActivationName } from "../layers/args.js";
import { checkKnownKeys } from "../options.js";
import { describeValue } from "../tensor.js";

/** Throws unless `options` is an object (or undefined) with only `keys`. */
export function checkOptions(where: string, options: unknown, keys: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new Error(`${where}: expected an options object, received ${describeValue(options)}`);
  checkKnownKeys(where, options, keys);
  return options as Record<string, unknown>;
}

/**
 * The per-sample input shape [height, width, channels]: whole numbers >= 1, height and
 * width at least `minSize` (Keras's `obtain_input_shape` rule for MobileNetV2 is 32).
 */
export function imageShape(where: string, value: unknown, fallback: [number, number, number], minSize: number): [number, number, number] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length !== 3 || !value.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 1)) {
    throw new Error(`${where}: inputShape must be [height, width, channels] of whole numbers >= 1 (channels last, no batch axis), received ${describeValue(value)}`);
  }
  const [h, w, c] = value as [number, number, number];
  if (h < minSize || w < minSize) throw new Error(`${where}: inputShape must be at least ${minSize}x${minSize} (height x width), received [${h}, ${w}, ${c}]`);
  return [h, w, c];
}

/** The number of classes: a whole number >= 1 (Keras accepts one class too: a one-unit softmax). */
export function classCount(where: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new Error(`${where}: classes must be a whole number >= 1, received ${describeValue(value)}`);
  return value;
}

/** `weights`: only null (random initialization). Nothing is downloaded: load your own file. */
export function noWeights(where: string, value: unknown): void {
  if (value === undefined || value === null) return;
  throw new Error(
    `${where}: weights must be null (random initialization); simdnet downloads nothing, received ${describeValue(value)}. ` +
      `To use trained weights, load the model from your own Keras file with loadModel("file://model.keras"), or build this model and call setWeights with the weights of one`,
  );
}

/** The classifier's activation: an activation name, or null for none (logits, Keras's `None`). */
export function classifierActivation(value: unknown): ActivationName {
  // The layer factory checks the name and says which names exist.
  return value === undefined ? "softmax" : value === null ? "linear" : (value as ActivationName);
}

/** An optional model name: a non-empty string. */
export function modelName(where: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.length === 0) throw new Error(`${where}: name must be a non-empty string, received ${describeValue(value)}`);
  return value;
}

/** An optional seed of the weight initializers: a whole number. */
export function seedOption(where: string, value: unknown): { seed?: number } {
  if (value === undefined) return {};
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new Error(`${where}: seed must be a whole number, received ${describeValue(value)}`);
  return { seed: value };
}
