/**
 * The value users pass in and get back: a plain Float32Array with a shape. Nothing to
 * dispose; models copy data into their own wasm memory.
 */
import { sizeOf } from "./shapes.js";

/** A dense float tensor, row-major (for images: NHWC). */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/**
 * Makes a tensor from numbers (copied into a Float32Array) or a Float32Array (kept as is),
 * checking that `shape` has whole, non-negative dimensions whose product is the length.
 * Without `shape`, the tensor is one-dimensional.
 */
export function tensor(data: Float32Array | ArrayLike<number>, shape?: readonly number[]): Tensor {
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

/** "[2, 3]" for error messages. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "null" : String(d))).join(", ")}]`;
}
