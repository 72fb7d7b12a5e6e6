/**
 * Add and Concatenate (ts/layers/merge.ts) described once, as every other layer kind
 * (kind.ts): kept beside merge.ts so that the registry lists them like the rest.
 */
import { fail } from "../io/json.js";
import { add, concatenate, type AddArgs, type ConcatenateArgs } from "./merge.js";
import type { LayerKind } from "./kind.js";

/** Add described once (see kind.ts). */
export function addKind(): LayerKind {
  return {
    className: "Add",
    stem: "add",
    create: (config) => add(config as AddArgs),
    // The shapes are checked when the layer is built.
    keras: { options: [], fixed: [] },
  };
}

/** Concatenate described once (see kind.ts). */
export function concatenateKind(): LayerKind {
  return {
    className: "Concatenate",
    stem: "concatenate",
    create: (config) => concatenate(config as ConcatenateArgs),
    keras: {
      options: [{ keras: "axis", camel: "axis", read: (v, where) => (Number.isSafeInteger(v) ? v : fail(where, v, "a whole number")), fallback: -1 }],
      fixed: [],
    },
  };
}
