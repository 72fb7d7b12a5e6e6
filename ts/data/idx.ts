/**
 * The IDX format of the original MNIST files (LeCun's train-images-idx3-ubyte etc.):
 * two zero bytes, a type byte, a dimension count, each dimension as a big-endian u32,
 * then the values big-endian, row-major. Pure: no Node imports (gzip is handled by the
 * Node-only loaders in files.ts), so browsers can parse fetched bytes too.
 */
import { tensor, formatShape, type Tensor } from "../tensor.js";
import { isDetached } from "../io/json.js";

/** Typed arrays an IDX file can hold. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file. */
export interface IdxArray {
  /** The dimensions, from the header (e.g. [60000, 28, 28] for MNIST images). */
  shape: number[];
  /** The values, row-major, in the typed array matching the file's type byte. */
  data: IdxData;
}

interface IdxType {
  code: number;
  name: string;
  bytes: number;
  make(n: number): IdxData;
  read(view: DataView, offset: number): number;
  write(view: DataView, offset: number, value: number): void;
}

const TYPES: readonly IdxType[] = [
  { code: 0x08, name: "unsigned byte", bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o), write: (v, o, x) => v.setUint8(o, x) },
  { code: 0x09, name: "signed byte", bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o), write: (v, o, x) => v.setInt8(o, x) },
  { code: 0x0b, name: "short", bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o), write: (v, o, x) => v.setInt16(o, x) },
  { code: 0x0c, name: "int", bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o), write: (v, o, x) => v.setInt32(o, x) },
  { code: 0x0d, name: "float", bytes: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o), write: (v, o, x) => v.setFloat32(o, x) },
  { code: 0x0e, name: "double", bytes: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o), write: (v, o, x) => v.setFloat64(o, x) },
];

const hex = (b: number): string => `0x${b.toString(16).padStart(2, "0")}`;

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** An IDX header: the type, the shape and where the data starts. */
export interface IdxHeader {
  /** The type byte's name, e.g. "unsigned byte". */
  typeName: string;
  /** Bytes per value. */
  typeBytes: number;
  /** The dimensions. */
  shape: number[];
  /** Offset of the first value (4 + 4 * rank). */
  headerEnd: number;
}

/**
 * Reads the header at the start of `bytes` (which may hold only a prefix of the file):
 * magic, type and dimensions, each inconsistency an error naming the offset.
 */
export function readIdxHeader(bytes: Uint8Array): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(`parseIdx: truncated header: ${bytes.length} bytes, expected at least 4 (magic 00 00, type, dimension count)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`parseIdx: bad magic at offset 0: ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 0x00 0x00`);
  }
  const type = TYPES.find((t) => t.code === bytes[2]);
  if (!type) {
    throw new Error(`parseIdx: unknown data type ${hex(bytes[2]!)} at offset 2, expected one of ${TYPES.map((t) => hex(t.code)).join(", ")}`);
  }
  const rank = bytes[3]!;
  const headerEnd = 4 + 4 * rank;
  if (bytes.length < headerEnd) {
    throw new Error(`parseIdx: truncated header: ${rank} dimensions need ${headerEnd} header bytes, the input has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  return { typeName: type.name, typeBytes: type.bytes, shape, headerEnd };
}

/**
 * The whole file's length in bytes as `header` declares it, or Infinity once it passes
 * `limit` (the product of up to 255 u32 dimensions could overflow a double).
 */
export function idxDeclaredBytes(header: IdxHeader, limit: number): number {
  let count = header.shape.includes(0) ? 0 : 1;
  for (let i = 0; i < header.shape.length && count > 0; i++) {
    count *= header.shape[i]!;
    if (header.headerEnd + count * header.typeBytes > limit) return Infinity;
  }
  return header.headerEnd + count * header.typeBytes;
}

/**
 * Parses an uncompressed IDX file. Every inconsistency is an error naming the byte
 * offset: wrong magic, unknown type, a header or data cut short, bytes after the data.
 * The declared shape is checked against the bytes present before anything is allocated,
 * so a corrupt header cannot ask for gigabytes.
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`parseIdx: bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  }
  if (isDetached(bytes.buffer)) throw new Error("parseIdx: bytes is a view of a detached ArrayBuffer (it was transferred, e.g. to a worker, and holds nothing now)");
  if (isGzip(bytes)) {
    throw new Error("parseIdx: the bytes are gzip-compressed (they start 1f 8b); inflate them first (the Node loaders loadIdx* do)");
  }
  const { shape, headerEnd } = readIdxHeader(bytes);
  const type = TYPES.find((t) => t.code === bytes[2])!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = idxDeclaredBytes({ typeName: type.name, typeBytes: type.bytes, shape, headerEnd }, bytes.length);
  if (declared > bytes.length) {
    throw new Error(`parseIdx: truncated data: shape ${formatShape(shape)} of ${type.name} (${type.bytes} bytes each) does not fit in the ${bytes.length - headerEnd} bytes after the header at offset ${headerEnd}`);
  }
  const count = (declared - headerEnd) / type.bytes;
  const dataEnd = headerEnd + count * type.bytes;
  if (dataEnd !== bytes.length) {
    throw new Error(`parseIdx: ${bytes.length - dataEnd} trailing bytes at offset ${dataEnd}: shape ${formatShape(shape)} of ${type.name} ends there`);
  }
  const data = type.make(count);
  if (type.bytes === 1) {
    data.set(type.code === 0x08 ? bytes.subarray(headerEnd) : new Int8Array(bytes.buffer, bytes.byteOffset + headerEnd, count));
  } else {
    for (let i = 0, o = headerEnd; i < count; i++, o += type.bytes) data[i] = type.read(view, o);
  }
  return { shape, data };
}

/** Writes an IDX file (the inverse of {@link parseIdx}); the type follows the array's class. */
export function encodeIdx(shape: readonly number[], data: IdxData): Uint8Array {
  const type = TYPES.find((t) => t.make(0).constructor === data.constructor);
  if (!type) throw new Error(`encodeIdx: data must be one of the IDX typed arrays, received ${Object.prototype.toString.call(data)}`);
  if (shape.length > 255) throw new Error(`encodeIdx: shape has ${shape.length} dimensions, expected at most 255`);
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffff_ffff) throw new Error(`encodeIdx: shape ${formatShape(shape)} has dimension ${d}, expected whole numbers in [0, 2^32)`);
    count *= d;
  }
  if (count !== data.length) throw new Error(`encodeIdx: shape ${formatShape(shape)} needs ${count} values, received ${data.length}`);
  const headerEnd = 4 + 4 * shape.length;
  const out = new Uint8Array(headerEnd + count * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < count; i++) type.write(view, headerEnd + i * type.bytes, data[i]!);
  return out;
}

/**
 * Images from a parsed IDX array of unsigned bytes shaped `[n, h, w]`: a tensor
 * `[n, h, w, 1]` scaled from 0..255 to [0, 1].
 */
export function idxToImages(idx: IdxArray, what = "images"): Tensor {
  if (!(idx.data instanceof Uint8Array) || idx.shape.length !== 3) {
    throw new Error(`${what}: expected unsigned bytes (type 0x08) of shape [n, height, width], received ${typeName(idx.data)} of shape ${formatShape(idx.shape)}`);
  }
  const x = new Float32Array(idx.data.length);
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i]! / 255;
  return tensor(x, [...idx.shape, 1]);
}

/** Labels from a parsed one-dimensional IDX array of integers: a float tensor `[n]`. */
export function idxToLabels(idx: IdxArray, what = "labels"): Tensor {
  if (idx.data instanceof Float32Array || idx.data instanceof Float64Array || idx.shape.length !== 1) {
    throw new Error(`${what}: expected integers of shape [n], received ${typeName(idx.data)} of shape ${formatShape(idx.shape)}`);
  }
  return tensor(Float32Array.from(idx.data), idx.shape);
}

function typeName(data: IdxData): string {
  return TYPES.find((t) => t.make(0).constructor === data.constructor)?.name ?? "unknown";
}
