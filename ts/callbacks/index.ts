/** The built-in callbacks, as TensorFlow.js's `tf.callbacks` factories, and the callback types. */
import { EarlyStopping, type EarlyStoppingArgs } from "./early_stopping.js";
import { ModelCheckpoint, type ModelCheckpointArgs } from "./model_checkpoint.js";
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from "./reduce_lr_on_plateau.js";

export type { Callback, CallbackModel, Logs } from "./callback.js";
export type { MonitorMode } from "./monitor.js";
export { CallbackList } from "./callback_list.js";
export { History } from "./history.js";
export { EarlyStopping, type EarlyStoppingArgs } from "./early_stopping.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from "./reduce_lr_on_plateau.js";
export { ModelCheckpoint, type ModelCheckpointArgs } from "./model_checkpoint.js";

/** Factories for the built-in callbacks. */
export const callbacks = {
  /** Multiplies the learning rate by `factor` when the monitored quantity plateaus. */
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(args),
  /** Stops training when the monitored quantity stops improving. */
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  /** Saves the model (by default with the optimizer's state) at the end of each epoch, to resume training. */
  modelCheckpoint: (args: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(args),
};
