/**
 * Small checks for reading untrusted JSON (a model.json from disk or the network): each
 * one either returns a value of the expected type or throws an Error that says where in
 * the document the value was, what was received and what was expected.
 */

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a received value for error messages (long values are cut). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Throws `${where}: received ${value}, expected ${expected}`. */
export function fail(where: string, value: unknown, expected: string): never {
  throw new Error(`${where}: received ${describeValue(value)}, expected ${expected}`);
}

/** `value` as an object, or an error naming `where`. */
export function readObject(value: unknown, where: string): JsonObject {
  if (!isJsonObject(value)) fail(where, value, "an object");
  return value;
}

/** `value` as an array, or an error naming `where`. */
export function readArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(where, value, "an array");
  return value;
}

/** `value` as a string, or an error naming `where`. */
export function readString(value: unknown, where: string): string {
  if (typeof value !== "string") fail(where, value, "a string");
  return value;
}

/** `value` as a whole number >= `min`, or an error naming `where`. */
export function readInt(value: unknown, where: string, min = 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    fail(where, value, `a whole number >= ${min}`);
  }
  return value;
}

/** `value` as a finite number, or an error naming `where`. */
export function readNumber(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(where, value, "a finite number");
  return value;
}

/** `value` as a boolean, or an error naming `where`. */
export function readBoolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") fail(where, value, "true or false");
  return value;
}

/** A number `n` or a pair `[a, b]` of whole numbers >= 1, as a pair (`n` gives `[n, n]`). */
export function readPair(value: unknown, where: string): [number, number] {
  if (typeof value === "number") {
    const n = readInt(value, where);
    return [n, n];
  }
  if (!Array.isArray(value) || value.length !== 2) fail(where, value, "a whole number or a pair [h, w] of them");
  return [readInt(value[0], `${where}[0]`), readInt(value[1], `${where}[1]`)];
}
