/**
 * The few HDF5 operations Keras files need, on top of h5wasm (the HDF Group's HDF5
 * library compiled to WebAssembly), which is imported only when a Keras file is read or
 * written: apps that never touch one do not load its ~1 MB.
 *
 * Files live in h5wasm's in-memory file system only while one call runs, under a name
 * of their own, and are removed after it. Before any dataset is read its declared type,
 * storage and size are checked: float32 only, no compression filters (a compressed
 * dataset could inflate to anything), and no more bytes than the file itself holds (a
 * dataset declaring a huge shape backed by nothing is refused) nor than
 * {@link H5_LIMITS}.datasetBytes. String attributes are capped in count and length.
 */
import { sizeOf } from "../../shapes.js";

/** Limits of an HDF5 read (documented in docs/keras-files.md). */
export const H5_LIMITS = Object.freeze({
  /** Bytes of one dataset. */
  datasetBytes: 1024 * 1024 * 1024,
  /** Strings in one attribute (layer_names, weight_names). */
  attributeStrings: 100_000,
  /** Characters of one string attribute (model_config). */
  stringChars: 64 * 1024 * 1024,
  /** Dimensions of a dataset. */
  rank: 8,
});

/** The HDF5 signature, at offset 0 in every file Keras and h5py write. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5wasm = typeof import("h5wasm").default;
type H5Fs = Awaited<H5wasm["ready"]>["FS"];
type H5Group = import("h5wasm").Group;
type H5Dataset = import("h5wasm").Dataset;

let loading: Promise<{ lib: H5wasm; fs: H5Fs }> | null = null;
let serial = 0;

/** h5wasm, imported and initialized once. */
async function h5(): Promise<{ lib: H5wasm; fs: H5Fs }> {
  loading ??= (async () => {
    const lib = (await import("h5wasm")).default;
    const module = await lib.ready;
    // HDF5's errors become exceptions carrying its message, instead of lines on stderr.
    module.activate_throwing_error_handler();
    return { lib, fs: module.FS };
  })();
  return loading;
}

/** A float32 dataset read from a file. */
export interface H5Array {
  shape: number[];
  data: Float32Array;
}

/** Read access to an open HDF5 file, by slash-separated paths from the root. */
export interface H5Reader {
  /** "group", "dataset", or null when nothing is at `path`. */
  kind(path: string): "group" | "dataset" | null;
  /** Names of a group's members (sorted as HDF5 lists them). */
  keys(path: string): string[];
  /** Names of the attributes at `path`. */
  attributeNames(path: string): string[];
  /** A string attribute, or undefined when absent; other types are an error. */
  stringAttribute(path: string, name: string): string | undefined;
  /** A list-of-strings attribute (an empty numeric array counts as empty), or undefined. */
  stringsAttribute(path: string, name: string): string[] | undefined;
  /** Declared shape of a float32 dataset, checked without reading it. */
  datasetShape(path: string): number[];
  /** A float32 dataset, checked (see the module comment) before it is read. */
  readFloat32(path: string): H5Array;
  /** A scalar integer dataset (an optimizer's `iterations`, int64 in Keras 3) as a safe integer. */
  readCounter(path: string): number;
}

/**
 * Opens `bytes` as an HDF5 file, runs `use` on it and closes it. `where` names the file
 * in errors (e.g. `model.h5` or `model.keras: model.weights.h5`).
 */
export async function readH5<T>(bytes: Uint8Array, where: string, use: (file: H5Reader) => T): Promise<T> {
  if (bytes.length < 512 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${where}: not an HDF5 file (no HDF5 signature at its start${bytes.length < 512 ? `; only ${bytes.length} bytes` : ""})`);
  }
  const { lib, fs } = await h5();
  const name = `/simdnet-read-${++serial}.h5`;
  fs.writeFile(name, bytes);
  let file: import("h5wasm").File | null = null;
  try {
    try {
      file = new lib.File(name, "r");
    } catch (e) {
      throw new Error(`${where}: HDF5 could not open the file (${hdf5Reason(e)}); it is truncated or corrupt`);
    }
    try {
      return use(reader(file, bytes.length, where));
    } catch (e) {
      // Our refusals name the file; anything else is the HDF5 library failing on bad data.
      if (e instanceof Error && e.message.startsWith(where)) throw e;
      throw new Error(`${where}: HDF5 could not read the file (${hdf5Reason(e)}); it is truncated or corrupt`);
    }
  } finally {
    try {
      file?.close();
    } finally {
      fs.unlink(name);
    }
  }
}

/**
 * The innermost cause of an HDF5 error: its error stack lists frames from the API call
 * down to the check that failed ("#005: ... in H5F__super_read(): truncated file: eof =
 * 600, ..."); the last frame says what was wrong with the file.
 */
function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = text.split("\n").filter((l) => /^\s*#\d+:/.test(l)).map((l) => l.replace(/^.*? in [^\s(]+\(\): /, "").trim());
  const reason = frames.length > 0 ? frames[frames.length - 1]! : text.split("\n")[0]!.trim();
  return reason.length > 200 ? `${reason.slice(0, 197)}...` : reason;
}

function reader(file: import("h5wasm").File, fileBytes: number, where: string): H5Reader {
  const entity = (path: string) => {
    try {
      return path === "" || path === "/" ? file : file.get(path);
    } catch {
      return null;
    }
  };
  const typeName = (e: unknown) => (e && (e as { constructor: { name: string } }).constructor.name) || "";
  const group = (path: string): H5Group => {
    const e = entity(path);
    if (!e || (e !== file && typeName(e) !== "Group")) throw new Error(`${where}: "${path}" is not a group`);
    return e as H5Group;
  };
  const attribute = (path: string, name: string) => {
    const holder = entity(path) as H5Group | null;
    if (!holder) throw new Error(`${where}: "${path}" is missing`);
    const attrs = holder.attrs;
    return Object.hasOwn(attrs, name) ? attrs[name]! : undefined;
  };
  const dataset = (path: string): { d: H5Dataset; shape: number[] } => {
    const e = entity(path);
    if (!e || typeName(e) !== "Dataset") throw new Error(`${where}: dataset "${path}" is missing`);
    const d = e as H5Dataset;
    const m = d.metadata;
    const at = `${where}: dataset "${path}"`;
    // type 1 is H5T_FLOAT.
    if (m.type !== 1 || m.size !== 4) throw new Error(`${at} is not float32 (HDF5 type class ${m.type}, ${m.size} bytes per value); simdnet reads float32 weights`);
    const shape = m.shape ?? [];
    if (shape.length > H5_LIMITS.rank) throw new Error(`${at} has ${shape.length} dimensions, more than ${H5_LIMITS.rank}`);
    if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error(`${at} declares the shape [${shape.join(", ")}]`);
    const bytes = sizeOf(shape) * 4;
    if (bytes > H5_LIMITS.datasetBytes || bytes > fileBytes) {
      throw new Error(`${at} declares shape [${shape.join(", ")}] (${bytes} bytes), more than the file's ${fileBytes} bytes or the limit of ${H5_LIMITS.datasetBytes}; refused before reading`);
    }
    if (d.filters.length > 0) throw new Error(`${at} is compressed (HDF5 filters ${d.filters.map((f) => f.name || f.id).join(", ")}); Keras writes weights uncompressed, and simdnet reads only those`);
    return { d, shape };
  };
  return {
    kind(path) {
      const e = entity(path);
      if (!e) return null;
      if (e === file || typeName(e) === "Group") return "group";
      return typeName(e) === "Dataset" ? "dataset" : null;
    },
    keys: (path) => group(path).keys(),
    attributeNames(path) {
      const holder = entity(path) as H5Group | null;
      return holder ? Object.keys(holder.attrs) : [];
    },
    stringAttribute(path, name) {
      const a = attribute(path, name);
      if (!a) return undefined;
      const at = `${where}: attribute "${name}" of "${path || "/"}"`;
      if (a.metadata.type !== 3 || (a.shape !== null && sizeOf(a.shape) !== 1)) throw new Error(`${at} is not a string`);
      if (!a.metadata.vlen && a.metadata.size > H5_LIMITS.stringChars) throw new Error(`${at} declares ${a.metadata.size} characters, more than ${H5_LIMITS.stringChars}`);
      const v = a.value;
      const text = Array.isArray(v) ? v[0] : v;
      if (typeof text !== "string") throw new Error(`${at} is not a string`);
      return text;
    },
    stringsAttribute(path, name) {
      const a = attribute(path, name);
      if (!a) return undefined;
      const at = `${where}: attribute "${name}" of "${path || "/"}"`;
      const count = a.shape === null ? 0 : sizeOf(a.shape);
      if (count > H5_LIMITS.attributeStrings) throw new Error(`${at} declares ${count} strings, more than ${H5_LIMITS.attributeStrings}`);
      // Keras writes an empty list as an empty float64 array.
      if (count === 0) return [];
      if (a.metadata.type !== 3) throw new Error(`${at} is not a list of strings`);
      const v = a.value;
      const list = Array.isArray(v) ? v : [v];
      if (!list.every((s): s is string => typeof s === "string")) throw new Error(`${at} is not a list of strings`);
      return list;
    },
    datasetShape: (path) => dataset(path).shape,
    readFloat32(path) {
      const { d, shape } = dataset(path);
      // h5wasm gives a scalar (Keras's learning_rate) as a plain number.
      const raw = d.value;
      const value = shape.length === 0 && typeof raw === "number" ? Float32Array.of(raw) : raw;
      if (!(value instanceof Float32Array) || value.length !== sizeOf(shape)) {
        throw new Error(`${where}: dataset "${path}" did not read as ${sizeOf(shape)} float32 values`);
      }
      return { shape, data: value };
    },
    readCounter(path) {
      const e = entity(path);
      if (!e || typeName(e) !== "Dataset") throw new Error(`${where}: dataset "${path}" is missing`);
      const m = (e as H5Dataset).metadata;
      // type 0 is H5T_INTEGER; a scalar of at most 8 bytes is all there is to read.
      if (m.type !== 0 || m.size > 8 || (m.shape ?? []).length !== 0) {
        throw new Error(`${where}: dataset "${path}" is not an integer scalar (HDF5 type class ${m.type}, shape [${(m.shape ?? []).join(", ")}]); expected the optimizer's step count`);
      }
      const raw = (e as H5Dataset).value as unknown;
      const value = typeof raw === "bigint" ? raw : typeof raw === "number" ? BigInt(raw) : null;
      if (value === null || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error(`${where}: dataset "${path}" holds ${String(raw)}; expected a step count >= 0`);
      }
      return Number(value);
    },
  };
}

/** What a writer is told to create, in order (groups are created as their paths need). */
export type H5Item =
  | { kind: "group"; path: string }
  | { kind: "dataset"; path: string; shape: readonly number[]; data: Float32Array }
  /** A scalar int64 dataset (Keras 3 keeps an optimizer's `iterations` so). */
  | { kind: "counter"; path: string; value: number }
  | { kind: "attribute"; path: string; name: string; value: string | readonly string[] };

/** Writes an HDF5 file holding `items` and returns its bytes. */
export async function writeH5(items: readonly H5Item[]): Promise<Uint8Array> {
  const { lib, fs } = await h5();
  const name = `/simdnet-write-${++serial}.h5`;
  let file: import("h5wasm").File | null = null;
  try {
    // h5py's default bounds ("earliest"), so that every HDF5 1.8+ reader opens the file.
    file = new lib.File(name, "w", { libver: ["earliest", "latest"] });
    const f = file;
    const ensureGroup = (path: string): H5Group => {
      let g: H5Group = f;
      let sofar = "";
      for (const part of path.split("/").filter((p) => p !== "")) {
        sofar += `/${part}`;
        g = (f.get(sofar) as H5Group | null) ?? g.create_group(part);
      }
      return g;
    };
    for (const item of items) {
      if (item.kind === "group") ensureGroup(item.path);
      else if (item.kind === "dataset") {
        const cut = item.path.lastIndexOf("/");
        const parent = ensureGroup(item.path.slice(0, Math.max(cut, 0)));
        parent.create_dataset({ name: item.path.slice(cut + 1), data: item.data, shape: [...item.shape], dtype: "<f" });
      } else if (item.kind === "counter") {
        const cut = item.path.lastIndexOf("/");
        const parent = ensureGroup(item.path.slice(0, Math.max(cut, 0)));
        parent.create_dataset({ name: item.path.slice(cut + 1), data: BigInt64Array.of(BigInt(item.value)), shape: [], dtype: "<q" });
      } else {
        const holder = item.path === "" || item.path === "/" ? f : ensureGroup(item.path);
        if (typeof item.value === "string") holder.create_attribute(item.name, item.value);
        // An empty list: Keras writes (and reads back) an empty float64 array.
        else if (item.value.length === 0) holder.create_attribute(item.name, new Float64Array(0), [0], "<d");
        else holder.create_attribute(item.name, [...item.value]);
      }
    }
    file.close();
    file = null;
    return fs.readFile(name);
  } finally {
    try {
      file?.close();
    } finally {
      if (fs.analyzePath(name).exists) fs.unlink(name);
    }
  }
}
