/**
 * Loss names as Keras and TensorFlow.js spell them, resolved to what the training step
 * needs to know: which kernel computes it and how labels are given.
 */

/** The losses simdnet trains with. */
export type LossName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "meanSquaredError";

/** A resolved loss. */
export interface Loss {
  /** camelCase name (as TensorFlow.js). */
  readonly name: LossName;
  /** Cross-entropy over classes (softmax outputs, fused with softmax when possible). */
  readonly crossEntropy: boolean;
  /** Labels are class indices [n] (converted to one-hot rows in the label buffer). */
  readonly sparse: boolean;
}

const ALIASES: Readonly<Record<string, LossName>> = {
  categoricalCrossentropy: "categoricalCrossentropy",
  categorical_crossentropy: "categoricalCrossentropy",
  CategoricalCrossentropy: "categoricalCrossentropy",
  sparseCategoricalCrossentropy: "sparseCategoricalCrossentropy",
  sparse_categorical_crossentropy: "sparseCategoricalCrossentropy",
  SparseCategoricalCrossentropy: "sparseCategoricalCrossentropy",
  meanSquaredError: "meanSquaredError",
  mean_squared_error: "meanSquaredError",
  MeanSquaredError: "meanSquaredError",
  mse: "meanSquaredError",
};

/** Resolves a loss name in any of Keras's spellings; unknown names list the valid ones. */
export function getLoss(id: unknown): Loss {
  const name = typeof id === "string" ? ALIASES[id] : undefined;
  if (!name) {
    throw new Error(`compile: unknown loss ${typeof id === "string" ? JSON.stringify(id) : String(id)}; expected "categoricalCrossentropy", "sparseCategoricalCrossentropy" or "meanSquaredError" (snake_case spellings work too)`);
  }
  return { name, crossEntropy: name !== "meanSquaredError", sparse: name === "sparseCategoricalCrossentropy" };
}
