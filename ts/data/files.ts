/**
 * Node-only loaders for dataset files on disk: IDX (plain or gzipped, as LeCun's MNIST
 * files are distributed) and Kaggle digit CSV. They read and inflate bytes here and hand
 * them to the pure parsers in idx.ts and csv.ts, prefixing any error with the path.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from "node:fs";
import { formatShape, type Tensor } from "../tensor.js";
import { idxDeclaredBytes, idxToImages, idxToLabels, isGzip, parseIdx, readIdxHeader, type IdxArray } from "./idx.js";
import { parseDigitCsvBytes, type DigitCsv } from "./csv.js";
import { MAX_INFLATED_BYTES, gunzipHead, inflateAtMost } from "./inflate.js";

/**
 * Inflates `bytes` when they start with the gzip magic 1f 8b, to at most `maxBytes`;
 * returns them as they are otherwise.
 */
export function gunzipIfNeeded(bytes: Uint8Array, maxBytes = MAX_INFLATED_BYTES): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const out = inflateAtMost("gzip", bytes, maxBytes);
  if (!out) throw new Error(`gzip data inflates to more than the ${maxBytes} bytes allowed`);
  return out;
}

/**
 * The bytes of an IDX file, inflated if gzipped: first only as far as the header, then
 * to exactly what the header declares (and at most MAX_INFLATED_BYTES), so that neither a
 * huge declared shape nor data running on past it can make this allocate more.
 */
function idxBytes(bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const header = readIdxHeader(gunzipHead(bytes, 4 + 4 * 255));
  const declared = idxDeclaredBytes(header, MAX_INFLATED_BYTES);
  if (declared > MAX_INFLATED_BYTES) {
    const exact = header.headerEnd + header.shape.reduce((a, b) => a * b, 1) * header.typeBytes;
    throw new Error(`the IDX header declares shape ${formatShape(header.shape)} of ${header.typeName} (${exact} bytes with the header), more than the ${MAX_INFLATED_BYTES} bytes a file may inflate to`);
  }
  const out = inflateAtMost("gzip", bytes, declared);
  if (!out) throw new Error(`gzip data inflates to more than the ${declared} bytes its IDX header declares`);
  return out;
}

/** Runs `body`, prefixing any error it throws with the operation and file. */
function withPath<T>(op: string, path: string, body: () => T): T {
  try {
    return body();
  } catch (cause) {
    const message = (cause as Error).message.replace(/^(parseIdx|parseDigitCsv): /, "");
    throw new Error(`${op}: ${path}: ${message}`, { cause });
  }
}

/** The largest dataset file read (compressed or not), 1 GiB. */
export const MAX_DATA_FILE_BYTES = 1024 * 1024 * 1024;

// O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever; with it the open
// returns at once and fstat refuses the FIFO. (Windows has no such flag, nor such FIFOs.)
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

function kindOf(s: ReturnType<typeof fstatSync>): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads the regular file at `path` whole, at most `maxBytes` (default
 * {@link MAX_DATA_FILE_BYTES}). The type and size come from fstat on the open file, so a
 * FIFO, a device or a directory is refused (naming it) before anything is read, never
 * waited on, and a file that grows while it is read is refused rather than read on.
 * Errors start with `op` and the path.
 */
export function readDataFile(op: string, path: string, maxBytes = MAX_DATA_FILE_BYTES): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new Error(`${op}: ${path} is a directory, not a regular file`);
    throw new Error(`${op}: ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`${op}: ${path} is ${kindOf(info)}, not a regular file`);
    if (info.size > maxBytes) throw new Error(`${op}: ${path} holds ${info.size} bytes, more than the ${maxBytes} bytes allowed`);
    const out = new Uint8Array(info.size);
    let done = 0;
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, done);
      if (n === 0) throw new Error(`${op}: ${path} shrank while it was being read (${done} of ${out.length} bytes)`);
      done += n;
    }
    if (readSync(fd, new Uint8Array(1), 0, 1, done) !== 0) throw new Error(`${op}: ${path} grew while it was being read (beyond ${done} bytes)`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses an IDX file, gzipped or not. */
export function readIdx(path: string): IdxArray {
  const bytes = readDataFile("readIdx", path);
  return withPath("readIdx", path, () => parseIdx(idxBytes(bytes)));
}

/** Images from an IDX file of unsigned bytes `[n, h, w]`: x `[n, h, w, 1]` in [0, 1]. */
export function loadIdxImages(path: string): Tensor {
  const bytes = readDataFile("loadIdxImages", path);
  return withPath("loadIdxImages", path, () => idxToImages(parseIdx(idxBytes(bytes)), "images"));
}

/** Labels from a one-dimensional IDX file of integers: y `[n]` as floats. */
export function loadIdxLabels(path: string): Tensor {
  const bytes = readDataFile("loadIdxLabels", path);
  return withPath("loadIdxLabels", path, () => idxToLabels(parseIdx(idxBytes(bytes)), "labels"));
}

/** An images file and a labels file of the same length, e.g. MNIST's train-*-idx*-ubyte.gz. */
export function loadIdx(imagesPath: string, labelsPath: string): { x: Tensor; y: Tensor } {
  const x = loadIdxImages(imagesPath);
  const y = loadIdxLabels(labelsPath);
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`loadIdx: ${imagesPath} holds ${x.shape[0]} images but ${labelsPath} holds ${y.shape[0]} labels; expected the same count`);
  }
  return { x, y };
}

/**
 * Reads a Kaggle Digit Recognizer CSV (optionally gzipped); see `parseDigitCsv`. The file
 * and its inflated text may hold at most `maxBytes` (default 1 GiB), checked before
 * reading or while inflating; the text is parsed line by line from its bytes, never made
 * into one string.
 */
export function loadDigitCsv(path: string, maxBytes = MAX_DATA_FILE_BYTES): DigitCsv {
  const bytes = readDataFile("loadDigitCsv", path, maxBytes);
  return withPath("loadDigitCsv", path, () => parseDigitCsvBytes(gunzipIfNeeded(bytes, maxBytes)));
}
