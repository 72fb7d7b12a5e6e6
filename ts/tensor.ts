/**
 * The value users pass in and get back: a plain Float32Array with a shape. Nothing to
 * dispose; models copy data into their own wasm memory.
 */
import { sizeOf } from "./shapes.js";

/** A dense float tensor, row-major (for images: NHWC). */
export interface Tensor {
  /** The values, flat, in row-major order. */
  readonly data: Float32Array;
  /** The size of each axis; their product is `data.length`. */
  readonly shape: readonly number[];
}

/**
 * Makes a tensor from numbers (copied into a Float32Array) or a Float32Array (kept as is),
 * checking that `shape` has whole, non-negative dimensions whose product is the length.
 * Without `shape`, the tensor is one-dimensional.
 */
export function tensor(data: Float32Array | ArrayLike<number>, shape?: readonly number[]): Tensor {
  if (!(data instanceof Float32Array)) checkNumbers(data);
  const values = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  const dims = shape ? [...shape] : [values.length];
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`tensor: shape [${dims.join(", ")}] has dimension ${d}; expected whole numbers >= 0`);
    }
  }
  if (sizeOf(dims) !== values.length) {
    throw new Error(`tensor: shape [${dims.join(", ")}] needs ${sizeOf(dims)} values, received ${values.length}`);
  }
  return { data: values, shape: dims };
}

// Float32Array.from turns a nested array or a string into NaN without a word; refuse them.
function checkNumbers(data: unknown): void {
  if (typeof data !== "object" || data === null || typeof (data as ArrayLike<number>).length !== "number") {
    throw new Error(`tensor: data must be a Float32Array or an array of numbers, received ${describeValue(data)}`);
  }
  const items = data as ArrayLike<unknown>;
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v === "number") continue;
    const hint = Array.isArray(v) ? "; nested arrays are not read: flatten them, e.g. tensor(rows.flat(), [rows.length, rows[0].length])" : "";
    throw new Error(`tensor: data[${i}] is ${describeValue(v)}, expected a number${hint}`);
  }
}

/**
 * What a value is, for error messages: "an Array of 3 items", "an Int32Array of 10 values",
 * "a string", "null", "an object with keys data, shape".
 */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an Array of ${v.length} item${v.length === 1 ? "" : "s"}`;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    const length = (v as unknown as ArrayLike<unknown>).length ?? v.byteLength;
    return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name} of ${length} values`;
  }
  if (typeof v === "object") {
    const keys = Object.keys(v);
    return keys.length ? `an object with keys ${keys.slice(0, 6).join(", ")}` : "an empty object";
  }
  return `${/^[aeiou]/.test(typeof v) ? "an" : "a"} ${typeof v} (${String(v)})`;
}

/** "[2, 3]" for error messages. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "null" : String(d))).join(", ")}]`;
}
