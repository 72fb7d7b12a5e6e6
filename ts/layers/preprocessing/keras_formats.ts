/**
 * The preprocessing layers described once (see ts/layers/kind.ts): Keras class name,
 * name stem, factory and Keras JSON format (Keras 3's snake_case keys, its defaults for
 * missing ones, `data_format` accepted only as channels_last). Values are checked loosely
 * here (a number, a pair, a string) and fully by the factories, which every loaded config
 * goes through. Registered with one line in ts/layers/registry.ts: `...preprocessingKinds()`.
 */
import { channelsLast, type Option } from "../../io/keras_config.js";
import { fail } from "../../io/json.js";
import type { LayerKind } from "../kind.js";
import type { Layer } from "../layer.js";
import { randomRotation, randomTranslation, randomZoom } from "./random_affine.js";
import { randomContrast } from "./random_contrast.js";
import { randomFlip } from "./random_flip.js";

const factor = (v: unknown, where: string): unknown =>
  typeof v === "number" || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) ? (Array.isArray(v) ? [...v] : v) : fail(where, v, "a number or a pair of numbers");
const factorOrNull = (v: unknown, where: string): unknown => (v === null ? null : factor(v, where));
const text = (v: unknown, where: string): unknown => (typeof v === "string" ? v : fail(where, v, "a string"));
const number = (v: unknown, where: string): unknown => (typeof v === "number" && Number.isFinite(v) ? v : fail(where, v, "a finite number"));
const seed = (): Option => ({ keras: "seed", camel: "seed", read: (v, where) => (v === null || Number.isSafeInteger(v) ? v : fail(where, v, "a whole number or null")), fallback: null });
const sampling = (): Option[] => [
  { keras: "fill_mode", camel: "fillMode", read: text, fallback: "reflect" },
  { keras: "interpolation", camel: "interpolation", read: text, fallback: "bilinear" },
  { keras: "fill_value", camel: "fillValue", read: number, fallback: 0 },
];
const kind = (className: string, stem: string, create: (options: never) => Layer, options: Option[]): LayerKind => ({
  className, stem, create: create as unknown as LayerKind["create"], keras: { options, fixed: [channelsLast] },
});

/**
 * The five kinds, for ts/layers/registry.ts. Built when called, as every kind is (see
 * kind.ts), so that importing this module runs nothing.
 */
export function preprocessingKinds(): LayerKind[] {
  return [
    kind("RandomFlip", "random_flip", randomFlip, [{ keras: "mode", camel: "mode", read: text, fallback: "horizontal_and_vertical" }, seed()]),
    kind("RandomRotation", "random_rotation", randomRotation, [{ keras: "factor", camel: "factor", read: factor }, ...sampling(), seed()]),
    kind("RandomZoom", "random_zoom", randomZoom, [
      { keras: "height_factor", camel: "heightFactor", read: factor }, { keras: "width_factor", camel: "widthFactor", read: factorOrNull, fallback: null },
      ...sampling(), seed(),
    ]),
    kind("RandomTranslation", "random_translation", randomTranslation, [
      { keras: "height_factor", camel: "heightFactor", read: factor }, { keras: "width_factor", camel: "widthFactor", read: factor }, ...sampling(), seed(),
    ]),
    kind("RandomContrast", "random_contrast", randomContrast, [
      { keras: "factor", camel: "factor", read: factor }, { keras: "value_range", camel: "valueRange", read: factor, fallback: [0, 255] }, seed(),
    ]),
  ];
}
