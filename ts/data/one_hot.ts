/** One-hot encoding of class labels, like Keras's `to_categorical`. */
import { describeValue, tensor, formatShape, type Tensor } from "../tensor.js";

/**
 * Turns class indices into one-hot rows: shape `y.shape + [numClasses]`, except that a
 * trailing axis of size 1 (labels shaped `[n, 1]`) is replaced, as in Keras. Without
 * `numClasses`, it is the largest label plus one.
 */
export function toCategorical(y: Tensor, numClasses?: number): Tensor {
  if (typeof y !== "object" || y === null || !ArrayBuffer.isView(y.data) || !Array.isArray(y.shape)) {
    throw new Error(`toCategorical: y must be a tensor of class indices { data: Float32Array, shape }, received ${describeValue(y)}; make one with tensor(labels, [labels.length])`);
  }
  const labels = y.data;
  if (numClasses !== undefined && (!Number.isSafeInteger(numClasses) || numClasses < 1)) {
    throw new Error(`toCategorical: numClasses must be a whole number >= 1, received ${numClasses}`);
  }
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`toCategorical: label at index ${i} is ${v}, expected a whole number >= 0`);
    }
    if (numClasses !== undefined && v >= numClasses) {
      throw new Error(`toCategorical: label at index ${i} is ${v}, expected a class index in [0, ${numClasses - 1}] (numClasses ${numClasses})`);
    }
    if (v > max) max = v;
  }
  const classes = numClasses ?? max + 1;
  if (classes < 1) {
    throw new Error(`toCategorical: cannot infer numClasses from labels of shape ${formatShape(y.shape)} with no values; pass numClasses`);
  }
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]!] = 1;
  const lead = y.shape.length > 1 && y.shape[y.shape.length - 1] === 1 ? y.shape.slice(0, -1) : y.shape;
  return tensor(out, [...lead, classes]);
}
