/**
 * The option and result types of {@link Model}'s constructor and methods (re-exported by
 * model.ts, where the public API takes them from), and the private door {@link Sequential}
 * uses to make an empty chain.
 */
import type { Optimizer } from "../optimizers/index.js";
import type { LossArg } from "../training/losses.js";
import type { SymbolicTensor } from "./symbolic.js";

/** Options of the {@link Model} constructor. */
export interface ModelArgs {
  /** The model's input, from `input({ shape })` (one; several are not supported yet). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's output, from a layer's `apply` (one; several are not supported yet). */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** Model name (default "functional", as Keras 3). */
  name?: string;
  /** Seed of the weight initializers: same seed, bit-identical weights (default: random). */
  seed?: number;
}

/** @internal How {@link Sequential} makes its (empty) chain: not part of the public API. */
export const CHAIN = Symbol("chain");

/** @internal The constructor argument of a chain model (Sequential). */
export interface ChainArgs {
  readonly [CHAIN]: true;
  readonly name: string;
  readonly seed: number | undefined;
}

/** Options of {@link Model.compile}. */
export interface CompileArgs {
  /** An optimizer object or name ("adam", "sgd", "rmsprop"). */
  optimizer: string | Optimizer;
  /** "categoricalCrossentropy", "sparseCategoricalCrossentropy", "meanSquaredError", or a loss from `losses` (with options). */
  loss: LossArg;
  /** ["accuracy"] (or "acc"). */
  metrics?: string | string[];
}

/** Result of {@link Model.evaluate}: mean loss, and accuracy when compiled with it. */
export interface EvaluateResult {
  /** Mean loss over the samples. */
  loss: number;
  /** Fraction of samples classified right; present when compiled with metrics ["accuracy"]. */
  accuracy?: number;
}
