/**
 * Weights between Tensors and the TF.js binary format: little-endian float32 values of
 * every weight, concatenated in manifest order, described by a list of
 * `{ name, shape, dtype }` entries.
 *
 * Decoding trusts nothing: every entry is checked, the declared sizes are summed (and
 * compared with the bytes received) before anything is allocated, the entries are
 * matched by name to what the topology expects, and every value must be finite.
 */
import { sizeOf } from "../shapes.js";
import { type Tensor, formatShape } from "../tensor.js";
import { describeValue, fail, readArray, readObject, readString } from "./json.js";
import type { WeightSpec } from "./weight_shapes.js";

const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per element of the dtypes a manifest may hold in its optimizer group (skipped). */
const OPTIMIZER_DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({ float32: 4, int32: 4 });

/** Encoded weights: manifest entries and the binary data they describe. */
export interface EncodedWeights {
  specs: WeightSpec[];
  data: ArrayBuffer;
}

/**
 * Encodes `weights` (in the order of `expected`, which gives names and shapes) into
 * manifest entries and one little-endian float32 buffer. Mismatched counts, shapes or
 * lengths and non-finite values are errors naming the weight.
 */
export function encodeWeights(weights: readonly Tensor[], expected: readonly WeightSpec[]): EncodedWeights {
  if (weights.length !== expected.length) {
    throw new Error(`save: the model gave ${weights.length} weight tensors, its layers expect ${expected.length} (${expected.map((s) => s.name).join(", ")})`);
  }
  let total = 0;
  weights.forEach((w, i) => {
    const spec = expected[i]!;
    if (formatShape(w.shape) !== formatShape(spec.shape) || w.data.length !== sizeOf(spec.shape)) {
      throw new Error(`save: weight ${spec.name} has shape ${formatShape(w.shape)} with ${w.data.length} values, expected ${formatShape(spec.shape)}`);
    }
    checkFinite(w.data, spec.name, "save");
    total += w.data.length;
  });
  const data = new ArrayBuffer(total * 4);
  const view = new DataView(data);
  let offset = 0;
  for (const w of weights) {
    if (LITTLE_ENDIAN) {
      new Float32Array(data, offset * 4, w.data.length).set(w.data);
    } else {
      for (let j = 0; j < w.data.length; j++) view.setFloat32((offset + j) * 4, w.data[j]!, true);
    }
    offset += w.data.length;
  }
  return { specs: expected.map((s) => ({ name: s.name, shape: [...s.shape], dtype: "float32" })), data };
}

/** A validated manifest entry and where its bytes start. */
interface Located {
  spec: WeightSpec;
  byteOffset: number;
}

/** One entry of the manifest's optimizer group with its values. */
export interface OptimizerWeight {
  name: string;
  shape: number[];
  /** float32 entries as floats, int32 ones (TF.js's `iter`) converted exactly. */
  values: Float32Array | Int32Array;
}

/**
 * The entries of the optimizer group (`group: "optimizer"`), in manifest order, read from
 * `data`. Validates the whole manifest as {@link decodeWeights} does; non-finite floats
 * are an error naming the entry.
 */
export function decodeOptimizerWeights(specs: unknown, data: ArrayBuffer | Uint8Array): OptimizerWeight[] {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  return locate(specs, bytes.byteLength).optimizer.map(({ spec, byteOffset }) => {
    const count = sizeOf(spec.shape);
    if (spec.dtype === "int32") {
      const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * 4);
      return { name: spec.name, shape: spec.shape, values: Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true)) };
    }
    const values = readFloats(bytes, byteOffset, count);
    checkFinite(values, `${spec.name} (optimizer state)`, "load");
    return { name: spec.name, shape: spec.shape, values };
  });
}

/**
 * Decodes weights from manifest entries `specs` (untrusted) and `data`, returning one
 * Tensor per entry of `expected`, in that order. Entries of the optimizer group are
 * skipped. Throws an Error naming the weight on any mismatch.
 */
export function decodeWeights(specs: unknown, data: ArrayBuffer | Uint8Array, expected: readonly WeightSpec[]): Tensor[] {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const { byName } = locate(specs, bytes.byteLength);
  const expectedNames = new Set(expected.map((s) => s.name));
  for (const name of byName.keys()) {
    if (!expectedNames.has(name)) {
      throw new Error(`weights manifest: weight "${name}" belongs to no layer of the topology; expected ${expected.map((s) => s.name).join(", ")}`);
    }
  }
  const found = expected.map((want) => {
    const got = byName.get(want.name);
    if (!got) throw new Error(`weights manifest: no weight "${want.name}"; the topology needs it with shape ${formatShape(want.shape)}`);
    if (formatShape(got.spec.shape) !== formatShape(want.shape)) {
      throw new Error(`weights manifest: weight "${want.name}" has shape ${formatShape(got.spec.shape)}, the topology expects ${formatShape(want.shape)}`);
    }
    return got;
  });
  return found.map(({ spec, byteOffset }) => {
    const values = readFloats(bytes, byteOffset, sizeOf(spec.shape));
    checkFinite(values, spec.name, "load");
    return { data: values, shape: [...spec.shape] };
  });
}

/**
 * The number of bytes the manifest entries `specs` declare, after validating them, so
 * that a file loader can compare it with the files' sizes before reading them.
 */
export function declaredByteLength(specs: unknown): number {
  return locate(specs, null).byteLength;
}

/**
 * Validates every entry and finds its byte offset; unless `byteLength` is null, the
 * declared sizes must add up to exactly it. Nothing proportional to a declared size is
 * allocated here.
 */
function locate(specs: unknown, byteLength: number | null): { byName: Map<string, Located>; optimizer: Located[]; byteLength: number } {
  const limit = byteLength ?? Number.MAX_SAFE_INTEGER;
  const entries = readArray(specs, "weights manifest");
  const byName = new Map<string, Located>();
  const optimizer: Located[] = [];
  let offset = 0;
  entries.forEach((raw, i) => {
    const entry = readObject(raw, `weights manifest entry ${i}`);
    const name = readString(entry.name, `weights manifest entry ${i} name`);
    const where = `weights manifest: weight "${name}"`;
    const shape = readArray(entry.shape, `${where} shape`).map((d, j) => {
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) fail(`${where} shape[${j}]`, d, "a whole number >= 0");
      return d;
    });
    const skipped = entry.group === "optimizer";
    // hasOwn: a dtype such as "constructor" must not find Object's prototype.
    const dtype = String(entry.dtype);
    const elementBytes = skipped ? (Object.hasOwn(OPTIMIZER_DTYPE_BYTES, dtype) ? OPTIMIZER_DTYPE_BYTES[dtype] : undefined) : entry.dtype === "float32" ? 4 : undefined;
    if (elementBytes === undefined) fail(`${where} dtype`, entry.dtype, skipped ? '"float32" or "int32"' : '"float32"');
    if (entry.quantization !== undefined && entry.quantization !== null) {
      throw new Error(`${where}: quantized weights (${describeValue(entry.quantization)}) are not supported; save the model unquantized`);
    }
    // Multiply step by step so that an absurd shape stops here instead of overflowing.
    let size = elementBytes;
    for (const d of shape) {
      size *= d;
      if (size > limit) break;
    }
    if (offset + size > limit) {
      if (byteLength === null) throw new Error(`${where} with shape ${formatShape(shape)} declares more bytes than any file can hold`);
      throw new Error(`weights data is truncated: ${where} with shape ${formatShape(shape)} needs bytes up to ${offset + size}, received ${byteLength} bytes`);
    }
    if (skipped) {
      optimizer.push({ spec: { name, shape, dtype: String(entry.dtype) }, byteOffset: offset });
    } else {
      if (byName.has(name)) throw new Error(`${where} appears twice in the manifest`);
      byName.set(name, { spec: { name, shape, dtype: "float32" }, byteOffset: offset });
    }
    offset += size;
  });
  if (byteLength !== null && offset !== byteLength) {
    throw new Error(`weights data has ${byteLength} bytes but the manifest declares ${offset}; the weights file is oversized or belongs to another model`);
  }
  return { byName, optimizer, byteLength: offset };
}

function readFloats(bytes: Uint8Array, byteOffset: number, count: number): Float32Array {
  const start = bytes.byteOffset + byteOffset;
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(start, start + count * 4));
  const view = new DataView(bytes.buffer, start, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function checkFinite(values: Float32Array, name: string, op: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(`${op}: weight ${name} has ${values[i]} at index ${i}; expected finite numbers`);
    }
  }
}
