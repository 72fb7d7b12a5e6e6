/**
 * A layer class described once: its file exports a function returning its
 * {@link LayerKind} (its Keras class name, name stem, factory, Keras JSON format and
 * summary explanation); its weights and shapes are what its `build` computes. registry.ts
 * calls every kind's function once, on first use, and the factories table, the name
 * stems, the Keras formats, the weights a saved topology implies and `summary({ explain })`
 * all derive from that list.
 *
 * A function, not a constant: a kind's option tables are built with spreads and helper
 * calls, which a bundler cannot prove free of side effects at a module's top level (and
 * minified library bundles lose `@__PURE__` marks), so a constant would keep every layer
 * in an app that imports only `tensor`. Keep layer modules' top levels to declarations.
 */
import type { LayerFormat, Option } from "../io/keras_config.js";
import { initializerFromKeras, initializerToKeras } from "../io/keras_initializers.js";
import type { Layer } from "./layer.js";

/** Everything about one layer class that is not in its instances. */
export interface LayerKind {
  /** Keras class name, e.g. "BatchNormalization". */
  readonly className: string;
  /** The snake_case stem Keras names its layers with, e.g. "batch_normalization". */
  readonly stem: string;
  /** Makes a layer from camelCase options, as `layer.config` returns them. */
  readonly create: (config: Record<string, unknown>) => Layer;
  /** How its options read from and write to Keras JSON. */
  readonly keras: LayerFormat;
  /** `summary({ explain: true })` lines of a built layer of this kind (none when absent). */
  readonly explain?: (layer: Layer) => string[];
}

/** A Keras initializer option (`keras` key, `camel` option, default `fallback`, a Keras name). */
export function initializerOption(keras: string, camel: string, fallback: string): Option {
  return { keras, camel, read: initializerFromKeras, write: initializerToKeras, fallback };
}
