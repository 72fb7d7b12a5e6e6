/**
 * How the preprocessing layers' configs are written to and read from Keras's JSON (the
 * TF.js layers format and .keras files): Keras 3's snake_case keys, its defaults for
 * missing ones, and `data_format` accepted only as channels_last. Values are checked
 * loosely here (a number, a pair, a string) and fully by the layer factories, which
 * every loaded config goes through. Register with
 * `Object.assign(LAYER_FORMATS, PREPROCESSING_KERAS_FORMATS)` (ts/io/keras_layers.ts).
 */
import type { LayerFormat } from "../../io/keras_layers.js";
import { fail } from "../../io/json.js";

const factor = (v: unknown, where: string): unknown =>
  typeof v === "number" || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) ? (Array.isArray(v) ? [...v] : v) : fail(where, v, "a number or a pair of numbers");
const factorOrNull = (v: unknown, where: string): unknown => (v === null ? null : factor(v, where));
const text = (v: unknown, where: string): unknown => (typeof v === "string" ? v : fail(where, v, "a string"));
const number = (v: unknown, where: string): unknown => (typeof v === "number" && Number.isFinite(v) ? v : fail(where, v, "a finite number"));
const seed = { keras: "seed", camel: "seed", read: (v: unknown, where: string): unknown => (v === null || Number.isSafeInteger(v) ? v : fail(where, v, "a whole number or null")), fallback: null };
const channelsLast = {
  keras: "data_format",
  value: "channels_last",
  accepts: (v: unknown) => v === null || v === "channels_last",
  expected: '"channels_last" (NHWC; channels_first is not supported)',
};
const sampling = [
  { keras: "fill_mode", camel: "fillMode", read: text, fallback: "reflect" },
  { keras: "interpolation", camel: "interpolation", read: text, fallback: "bilinear" },
  { keras: "fill_value", camel: "fillValue", read: number, fallback: 0 },
];

/** Keras class name to format, for the five random image layers. */
export const PREPROCESSING_KERAS_FORMATS: Record<string, LayerFormat> = {
  RandomFlip: { options: [{ keras: "mode", camel: "mode", read: text, fallback: "horizontal_and_vertical" }, seed], fixed: [channelsLast] },
  RandomRotation: { options: [{ keras: "factor", camel: "factor", read: factor }, ...sampling, seed], fixed: [channelsLast] },
  RandomZoom: {
    options: [{ keras: "height_factor", camel: "heightFactor", read: factor }, { keras: "width_factor", camel: "widthFactor", read: factorOrNull, fallback: null }, ...sampling, seed],
    fixed: [channelsLast],
  },
  RandomTranslation: {
    options: [{ keras: "height_factor", camel: "heightFactor", read: factor }, { keras: "width_factor", camel: "widthFactor", read: factor }, ...sampling, seed],
    fixed: [channelsLast],
  },
  RandomContrast: {
    options: [{ keras: "factor", camel: "factor", read: factor }, { keras: "value_range", camel: "valueRange", read: factor, fallback: [0, 255] }, seed],
    fixed: [channelsLast],
  },
};
