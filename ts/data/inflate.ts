/**
 * Inflation with a ceiling, the one mechanism every loader of compressed data uses
 * (gzipped IDX and CSV files, PNG image data), so that a small file cannot make a loader
 * allocate gigabytes: deflate reaches ratios above 1000:1. Node only (zlib).
 */
import { constants, gunzipSync, inflateSync } from "node:zlib";

/** The most any compressed input may inflate to, 1 GiB (a 16k x 16k RGBA PNG). */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

/** How much {@link gunzipHead} lets one attempt inflate. */
const HEAD_CAP = 64 * 1024;

function tooLarge(e: unknown): boolean {
  return (e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE";
}

/**
 * Inflates `bytes` (a gzip member, or a zlib stream as PNG's IDAT) to at most `maxBytes`
 * bytes; returns null as soon as the data holds more, having allocated little beyond
 * `maxBytes`. Corrupt or truncated data is an Error.
 */
export function inflateAtMost(format: "gzip" | "zlib", bytes: Uint8Array, maxBytes: number): Uint8Array | null {
  try {
    // One byte more than allowed tells "exactly maxBytes" from "more".
    const out = (format === "gzip" ? gunzipSync : inflateSync)(bytes, { maxOutputLength: maxBytes + 1 });
    return out.length > maxBytes ? null : new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (cause) {
    if (tooLarge(cause)) return null;
    throw new Error(`${format} data is corrupt or truncated (${(cause as Error).message})`, { cause });
  }
}

/**
 * The first inflated bytes of gzip data: at least `want` (at most 32 KiB) of them, or all
 * of them when there are fewer, but never more than 64 KiB, however far the data would
 * inflate. Lets a loader read a header (IDX's shape) before deciding how much to inflate.
 *
 * Inflates ever longer prefixes of the input (zlib inflates a cut stream as far as it
 * goes); when a prefix gives too much, halves the step. One input byte inflates to at most
 * about 1 KiB, so some prefix lands between `want` and the 64 KiB cap.
 */
export function gunzipHead(bytes: Uint8Array, want: number): Uint8Array {
  const attempt = (take: number): Uint8Array | null => {
    try {
      return gunzipSync(bytes.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_CAP });
    } catch (cause) {
      if (tooLarge(cause)) return null;
      throw new Error(`gzip data is corrupt or truncated (${(cause as Error).message})`, { cause });
    }
  };
  let short = 0; // a prefix length known to give fewer than `want` bytes
  let take = Math.min(4096, bytes.length);
  for (;;) {
    const out = attempt(take);
    if (out === null) break;
    if (out.length >= want || take === bytes.length) return out;
    short = take;
    take = Math.min(take * 2, bytes.length);
  }
  // Between `short` (too little) and `take` (too much): bisect.
  let over = take;
  while (over - short > 1) {
    const mid = short + Math.floor((over - short) / 2);
    const out = attempt(mid);
    if (out === null) over = mid;
    else if (out.length >= want) return out;
    else short = mid;
  }
  return attempt(short) ?? new Uint8Array(0);
}
