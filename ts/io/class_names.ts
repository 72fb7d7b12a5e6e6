/**
 * Class names that travel with a model (`model.classNames`): checked once here, for the
 * setter and for every file format that carries them (model.json's
 * `userDefinedMetadata.classNames`, a `.keras` file's metadata.json `class_names`, an
 * `.h5` file's root attribute `class_names`).
 */
import { describeValue } from "../tensor.js";

/** At most this many class names (a file claiming more is refused before use). */
export const MAX_CLASS_NAMES = 100_000;
/** At most this many characters per class name. */
export const MAX_CLASS_NAME_LENGTH = 1_000;

/**
 * `value` as a fresh frozen array of class names, or null for null/undefined. Names must
 * be non-empty strings without repeats; with `outputShape` (the model's per-sample
 * output), one per output unit, or two for a single sigmoid unit (binary labels).
 * `where` names the value in errors ("classNames", "x.keras: class_names").
 */
export function checkClassNames(where: string, value: unknown, outputShape: readonly number[] | null = null): readonly string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw new Error(`${where} must be an array of strings or null, received ${describeValue(value)}`);
  if (value.length === 0 || value.length > MAX_CLASS_NAMES) throw new Error(`${where} must hold 1 to ${MAX_CLASS_NAMES} names, received ${value.length}`);
  value.forEach((name, i) => {
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_CLASS_NAME_LENGTH) {
      throw new Error(`${where}[${i}] must be a non-empty string of at most ${MAX_CLASS_NAME_LENGTH} characters, received ${describeValue(name)}`);
    }
  });
  const seen = new Set<string>();
  for (const name of value as string[]) {
    if (seen.has(name)) throw new Error(`${where} names "${name}" twice; each class needs its own name`);
    seen.add(name);
  }
  if (outputShape !== null) {
    const units = outputShape.length === 1 ? outputShape[0]! : null;
    if (units === null) throw new Error(`${where} needs a model whose output is [classes], this one outputs [${outputShape.join(", ")}]`);
    const fits = value.length === units || (units === 1 && value.length === 2);
    if (!fits) throw new Error(`${where} holds ${value.length} names for a model with ${units} output${units === 1 ? "" : "s"}; expected ${units === 1 ? "2 (one sigmoid unit)" : units}`);
  }
  return Object.freeze([...(value as string[])]);
}
