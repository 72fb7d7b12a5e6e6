/**
 * A model's training progress beyond its weights: what a checkpoint saves so that
 * training can resume exactly where it stopped, and how its optimizer slots map onto the
 * model's optimizer-state buffer.
 */
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import type { OptimizerConfig } from "../optimizers/optimizer.js";
import type { LossId } from "../training/losses.js";
import type { MetricName } from "../training/metrics.js";

/** The optimizer's state and the counters of a compiled model. */
export interface TrainingState {
  /** Keras class name ("SGD", "Adam", "RMSprop") and config, as `getConfig` gives it. */
  optimizer: { className: string; config: OptimizerConfig };
  loss: LossId;
  metrics: MetricName[];
  /** Optimizer steps taken so far (Adam's t, TF.js's `iter`). */
  step: number;
  /** Epochs completed (the next fit's `initialEpoch`). */
  epoch: number;
  /**
   * The optimizer's slots (Adam: m then v; SGD: the velocity; RMSprop: the mean square,
   * then the velocity): `slots[s][w]` is slot `s` of weight `w` in `getWeights` order,
   * with that weight's shape.
   */
  slots: Tensor[][];
}

/*
 * Layout of the optimizer state buffer: slot after slot, each `count` floats holding every
 * weight in Keras order (as the parameter buffer), so slot s of weight w starts at
 * s * count + (the sizes of weights 0..w-1).
 */

/** The optimizer's `slots` slots read out of `state` (the store's buffer) as tensors. */
export function readSlots(state: Float32Array | null, slots: number, count: number, shapes: readonly (readonly number[])[]): Tensor[][] {
  const out: Tensor[][] = [];
  for (let s = 0; s < slots; s++) {
    let at = s * count;
    out.push(shapes.map((shape) => {
      const data = state!.slice(at, at + sizeOf(shape));
      at += data.length;
      return { data, shape: [...shape] };
    }));
  }
  return out;
}

/**
 * Throws unless `state` fits a model with weights of `shapes` and an optimizer keeping
 * `slots` slots per weight: counters whole and >= 0, every slot tensor shaped as its
 * weight and finite. `where` prefixes the messages.
 */
export function checkTrainingState(where: string, state: TrainingState, optimizer: string, slots: number, shapes: readonly (readonly number[])[]): void {
  for (const [key, value] of [["step", state.step], ["epoch", state.epoch]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${where}: ${key} must be a whole number >= 0, received ${value}`);
  }
  if (state.slots.length !== slots) {
    throw new Error(`${where}: ${optimizer} keeps ${slots} state slot(s) per weight, received ${state.slots.length}`);
  }
  state.slots.forEach((slot, s) => {
    if (slot.length !== shapes.length) throw new Error(`${where}: slot ${s} holds ${slot.length} tensors, expected ${shapes.length} (one per weight)`);
    slot.forEach((t, w) => {
      if (formatShape(t.shape) !== formatShape(shapes[w]!) || t.data.length !== sizeOf(shapes[w]!)) {
        throw new Error(`${where}: slot ${s} of weight ${w} has shape ${formatShape(t.shape)}, expected ${formatShape(shapes[w]!)}`);
      }
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) throw new Error(`${where}: slot ${s} of weight ${w} holds ${t.data[i]} at index ${i}; optimizer state must be finite`);
      }
    });
  });
}

/** Writes checked slots (see {@link checkTrainingState}) into `state`, the store's buffer. */
export function writeSlots(state: Float32Array, slots: readonly Tensor[][], count: number): void {
  slots.forEach((slot, s) => {
    let at = s * count;
    for (const t of slot) {
      state.set(t.data, at);
      at += t.data.length;
    }
  });
}
