/**
 * The public face of Keras files, kept tiny: the code that reads and writes them
 * (./index.js, and the h5wasm and fflate libraries below it) is imported on first use,
 * so an app that never touches a Keras file never loads it (the browser build ships it
 * as a separate simdnet-keras.js beside simdnet.js).
 */
import type { Model } from "../../model/model.js";

/** The two Keras file formats: "keras" (Keras 3's zip) and "h5" (the legacy HDF5 file). */
export type KerasFormat = "keras" | "h5";

/** Options of {@link toKerasFile}. */
export interface KerasFileOptions {
  /** "keras" (Keras 3's format, the default) or "h5" (the legacy HDF5 format). */
  format?: KerasFormat;
  /**
   * Also write the compile settings (optimizer, loss, metrics) and the optimizer's state
   * (step count, learning rate, slots) as Keras 3 does, so that `keras.models.load_model`
   * returns a compiled model that continues training where it stopped here (default
   * false; the model must be compiled). See docs/keras-files.md for what carries over.
   */
  includeOptimizer?: boolean;
}

/**
 * Saves `model` as the bytes of a Keras file, in memory (in a browser: offer them as a
 * download, or send them). Real Keras 3 loads them with `keras.models.load_model` and
 * predicts the same. With `includeOptimizer`, Keras also continues training where it
 * stopped here (see docs/keras-files.md).
 */
export async function toKerasFile(model: Model, options: KerasFileOptions = {}): Promise<Uint8Array> {
  return (await import("./index.js")).toKerasFile(model, options);
}
