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

/**
 * A short rendering of a received value for error messages: JSON, cut at 80 characters.
 * Built piece by piece up to that length, never by stringifying the whole value, so a
 * value nested thousands deep, a huge array or a cycle (all possible in a hostile
 * model.json or from a careless caller) cannot overflow the stack or take long.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = preview(value, 81);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** At most about `room` characters of `value` as JSON (arrays and plain objects by hand). */
function preview(value: unknown, room: number): string {
  if (typeof value !== "object" || value === null || (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    return text ?? String(value);
  }
  const array = Array.isArray(value);
  let out = array ? "[" : "{";
  const keys = array ? null : Object.keys(value);
  const count = array ? (value as unknown[]).length : keys!.length;
  let first = true;
  for (let i = 0; i < count && out.length <= room; i++) {
    const item = array ? (value as unknown[])[i] : (value as Record<string, unknown>)[keys![i]!];
    const skipped = item === undefined || typeof item === "function" || typeof item === "symbol";
    if (!array && skipped) continue;
    out += first ? "" : ",";
    first = false;
    if (!array) out += `${JSON.stringify(keys![i])}:`;
    out += skipped ? "null" : preview(item, room - out.length);
  }
  return out.length > room ? out : out + (array ? "]" : "}");
}

/** True when `buffer` has been detached (transferred to a worker, say): it holds nothing now. */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer) return false;
  try {
    // Constructing a view is what throws for a detached buffer, whatever its reported size.
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Throws `${where}: received ${value}, expected ${expected}`. */
export function fail(where: string, value: unknown, expected: string): never {
  throw new Error(`${where}: received ${describeValue(value)}, expected ${expected}`);
}

/**
 * Refuses `value` when its arrays and objects nest deeper than `max` levels, naming
 * `where` and the path to the too-deep part: the code that reads a model file walks and
 * prints values recursively (a hostile file nested 100,000 deep would overflow the stack).
 * An explicit stack, so the check cannot overflow; an object met again is walked again
 * only when reached deeper than before (a cycle ends at `max`).
 */
export function checkDepth(value: unknown, where: string, max: number): void {
  const deepestAt = new Map<object, number>();
  // Per item on the stack: its value, depth, and its parent's entry and key (for the path).
  interface Item { v: unknown; depth: number; parent: Item | null; key: string | number }
  const stack: Item[] = [{ v: value, depth: 1, parent: null, key: "" }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const { v, depth } = item;
    if (typeof v !== "object" || v === null || (deepestAt.get(v) ?? 0) >= depth) continue;
    if (depth > max) {
      const keys: (string | number)[] = [];
      for (let at: Item | null = item; at?.parent; at = at.parent) keys.unshift(at.key);
      const path = keys.slice(0, 12).map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("") + (keys.length > 12 ? "..." : "");
      throw new Error(`${where}${path ? ` at ${path}` : ""}: received arrays and objects nested deeper than ${max} levels, expected at most ${max}`);
    }
    deepestAt.set(v, depth);
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i]![1], depth: depth + 1, parent: item, key: entries[i]![0] });
  }
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
