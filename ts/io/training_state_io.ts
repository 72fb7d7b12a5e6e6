/**
 * A model's training state (optimizer slots, step and epoch counters, compile settings)
 * in the TF.js layers format, as `LayersModel.save({ includeOptimizer: true })` writes it:
 * `trainingConfig` in model.json, and the optimizer's weights as extra manifest entries
 * with `group: "optimizer"` after the model's weights: first `iter` (int32 scalar, the
 * step count), then each slot of every weight, named `${weight}/${slot}` (Adam: all `m`,
 * then all `v`). The epoch count, which TF.js does not keep, goes in
 * `userDefinedMetadata.simdnet.epoch`.
 */
import type { TrainingState } from "../model/training_state.js";
import { optimizerFromConfig } from "../optimizers/index.js";
import { type Tensor, formatShape } from "../tensor.js";
import { getLoss, serializeLoss } from "../training/losses.js";
import { getMetrics } from "../training/metrics.js";
import { type JsonObject, fail, isJsonObject, readObject, readString } from "./json.js";
import type { WeightSpec } from "./weight_shapes.js";
import type { OptimizerWeight } from "./weights.js";

/** Slot names per optimizer class, in state order (TF.js's names). */
const SLOT_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Adam: ["m", "v"],
  AdamW: ["m", "v"],
  SGD: ["momentum"],
  RMSprop: ["rms", "momentum"],
});

/** A manifest entry of the optimizer group. */
export interface OptimizerSpec extends WeightSpec {
  group: "optimizer";
}

/** What saving adds to the artifacts for a training state. */
export interface EncodedTrainingState {
  trainingConfig: JsonObject;
  userDefinedMetadata: JsonObject;
  specs: OptimizerSpec[];
  data: ArrayBuffer;
}

function slotNames(className: string, count: number): readonly string[] {
  const names = SLOT_NAMES[className];
  if (!Object.hasOwn(SLOT_NAMES, className) || !names || names.length < count) {
    throw new Error(`save: cannot name the state slots of optimizer ${className}`);
  }
  return names.slice(0, count);
}

/** Encodes `state` for a model whose weights are named `weightNames` (in order). */
export function encodeTrainingState(state: TrainingState, weightNames: readonly string[]): EncodedTrainingState {
  const names = slotNames(state.optimizer.className, state.slots.length);
  const specs: OptimizerSpec[] = [{ name: "iter", shape: [], dtype: "int32", group: "optimizer" }];
  let floats = 0;
  state.slots.forEach((slot, s) => {
    slot.forEach((t, w) => {
      specs.push({ name: `${weightNames[w]}/${names[s]}`, shape: [...t.shape], dtype: "float32", group: "optimizer" });
      floats += t.data.length;
    });
  });
  if (state.step > 0x7fffffff) throw new Error(`save: the step count ${state.step} does not fit TF.js's int32 iter`);
  const data = new ArrayBuffer(4 + floats * 4);
  const view = new DataView(data);
  view.setInt32(0, state.step, true);
  let at = 4;
  for (const slot of state.slots) {
    for (const t of slot) {
      for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
    }
  }
  return {
    trainingConfig: {
      loss: state.loss,
      metrics: [...state.metrics],
      optimizer_config: { class_name: state.optimizer.className, config: { ...state.optimizer.config } },
    },
    userDefinedMetadata: { simdnet: { epoch: state.epoch } },
    specs,
    data,
  };
}

/**
 * The training state of a loaded model, or null when the file holds no optimizer
 * weights. Every entry must be there with its weight's shape; anything else is an error
 * naming it. `weights` are the model's weight specs, in order.
 */
export function decodeTrainingState(
  trainingConfig: unknown, metadata: unknown, entries: readonly OptimizerWeight[], weights: readonly WeightSpec[],
): TrainingState | null {
  if (entries.length === 0) return null;
  const where = "trainingConfig";
  const config = readObject(trainingConfig, where);
  const optimizerConfig = readObject(config.optimizer_config, `${where}.optimizer_config`);
  const className = readString(optimizerConfig.class_name, `${where}.optimizer_config.class_name`);
  const args = readObject(optimizerConfig.config, `${where}.optimizer_config.config`);
  const optimizer = optimizerFromConfig(className, args);
  const loss = serializeLoss(getLoss(config.loss));
  const metrics = getMetrics(config.metrics);

  const iter = entries[0]!;
  if (iter.name !== "iter" || iter.shape.length !== 0) fail("optimizer weights[0]", iter.name, 'the step count "iter" (a scalar)');
  const step = iter.values[0]!;
  if (!Number.isSafeInteger(step) || step < 0) fail("optimizer weights iter", step, "a whole number >= 0");

  const slotCount = optimizer.stateSlots();
  const names = slotNames(className, slotCount);
  const expected = names.flatMap((slot) => weights.map((w) => ({ name: `${w.name}/${slot}`, shape: w.shape })));
  if (entries.length - 1 !== expected.length) {
    throw new Error(`optimizer weights: ${className} needs iter and ${expected.length} slot tensors (${names.join(", ")} per weight), the file has ${entries.length - 1}`);
  }
  const slots: Tensor[][] = names.map(() => []);
  expected.forEach((want, i) => {
    const got = entries[i + 1]!;
    if (got.name !== want.name || formatShape(got.shape) !== formatShape(want.shape) || !(got.values instanceof Float32Array)) {
      throw new Error(`optimizer weights[${i + 1}]: expected "${want.name}" float32 ${formatShape(want.shape)}, found "${got.name}" ${formatShape(got.shape)}`);
    }
    slots[Math.floor(i / weights.length)]!.push({ data: got.values, shape: [...got.shape] });
  });

  let epoch = 0;
  const simdnet = isJsonObject(metadata) ? metadata.simdnet : undefined;
  if (isJsonObject(simdnet) && simdnet.epoch !== undefined) {
    if (typeof simdnet.epoch !== "number" || !Number.isSafeInteger(simdnet.epoch) || simdnet.epoch < 0) {
      fail("userDefinedMetadata.simdnet.epoch", simdnet.epoch, "a whole number >= 0");
    }
    epoch = simdnet.epoch;
  }
  return { optimizer: { className: optimizer.className, config: optimizer.getConfig() }, loss, metrics, step, epoch, slots };
}
