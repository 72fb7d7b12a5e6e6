/**
 * LeNet-5 in two layouts:
 * - "keras" (default): the course's Keras code on 28x28 MNIST: conv 6@5x5 "same" relu,
 *   average pool 2, conv 16@5x5 relu, average pool 2, flatten, dense 120 relu, 84 relu,
 *   `classes` softmax. 61,706 parameters for one channel.
 * - "classic": LeCun et al. 1998 on 32x32 inputs: conv 6@5x5 tanh, average pool 2,
 *   conv 16@5x5 tanh, average pool 2, flatten, dense 120 tanh, 84 tanh, `classes` softmax
 *   (with the full C3 connection table, not the paper's partial one).
 */
import { layers } from "../layers/index.js";
import { Sequential } from "../model/sequential.js";

/** Options of {@link lenet5}. */
export interface LeNet5Args {
  /** Per-sample input shape [h, w, c]; default [28, 28, 1] ("keras") or [32, 32, 1] ("classic"). */
  inputShape?: [number, number, number];
  /** Output classes (default 10). */
  classes?: number;
  /** "keras" (default: 28x28, "same" first conv, relu) or "classic" (LeCun 1998: 32x32, tanh); see the module comment. */
  variant?: "keras" | "classic";
  /** Seed of the weight initializers. */
  seed?: number;
}

/** A LeNet-5 {@link Sequential} model (not compiled). */
export function lenet5(options: LeNet5Args = {}): Sequential {
  if (typeof options !== "object" || options === null) throw new Error(`lenet5: options must be an object, received ${String(options)}`);
  const variant = options.variant ?? "keras";
  if (variant !== "keras" && variant !== "classic") throw new Error(`lenet5: variant must be "keras" or "classic", received ${JSON.stringify(variant)}`);
  const inputShape = options.inputShape ?? (variant === "keras" ? [28, 28, 1] : [32, 32, 1]);
  const classes = options.classes ?? 10;
  if (!Number.isSafeInteger(classes) || classes < 2) throw new Error(`lenet5: classes must be a whole number >= 2, received ${String(classes)}`);
  const act = variant === "keras" ? "relu" : "tanh";
  const model = new Sequential({ name: variant === "keras" ? "sequential" : "lenet5_classic", ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  model.add(layers.conv2d({ filters: 6, kernelSize: 5, padding: variant === "keras" ? "same" : "valid", activation: act, inputShape: [...inputShape] }));
  model.add(layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  model.add(layers.conv2d({ filters: 16, kernelSize: 5, activation: act }));
  model.add(layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  model.add(layers.flatten());
  model.add(layers.dense({ units: 120, activation: act }));
  model.add(layers.dense({ units: 84, activation: act }));
  model.add(layers.dense({ units: classes, activation: "softmax" }));
  return model;
}
