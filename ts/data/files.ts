/**
 * Node-only loaders for dataset files on disk: IDX (plain or gzipped, as LeCun's MNIST
 * files are distributed) and Kaggle digit CSV. They read and inflate bytes here and hand
 * them to the pure parsers in idx.ts and csv.ts, prefixing any error with the path.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { Tensor } from "../tensor.js";
import { idxToImages, idxToLabels, isGzip, parseIdx, type IdxArray } from "./idx.js";
import { parseDigitCsv, type DigitCsv } from "./csv.js";

/** Inflates `bytes` when they start with the gzip magic 1f 8b; returns them as is otherwise. */
export function gunzipIfNeeded(bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (cause) {
    throw new Error(`gzip data is corrupt or truncated (${(cause as Error).message})`, { cause });
  }
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

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Reads and parses an IDX file, gzipped or not. */
export function readIdx(path: string): IdxArray {
  return withPath("readIdx", path, () => parseIdx(gunzipIfNeeded(read(path))));
}

/** Images from an IDX file of unsigned bytes `[n, h, w]`: x `[n, h, w, 1]` in [0, 1]. */
export function loadIdxImages(path: string): Tensor {
  return withPath("loadIdxImages", path, () => idxToImages(parseIdx(gunzipIfNeeded(read(path))), "images"));
}

/** Labels from a one-dimensional IDX file of integers: y `[n]` as floats. */
export function loadIdxLabels(path: string): Tensor {
  return withPath("loadIdxLabels", path, () => idxToLabels(parseIdx(gunzipIfNeeded(read(path))), "labels"));
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

/** Reads a Kaggle Digit Recognizer CSV (optionally gzipped); see `parseDigitCsv`. */
export function loadDigitCsv(path: string): DigitCsv {
  return withPath("loadDigitCsv", path, () => parseDigitCsv(new TextDecoder().decode(gunzipIfNeeded(read(path)))));
}
