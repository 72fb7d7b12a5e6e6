/**
 * The zip container of a `.keras` file, read and written by our own small code: Keras 3
 * stores its three entries uncompressed (ZIP_STORED), so writing needs no compressor,
 * and reading parses the central directory itself so that every limit below is checked
 * against what the file declares before anything is inflated or allocated. Deflated
 * entries (a `.keras` re-zipped by another tool) are inflated with fflate, imported
 * only when one is met, as a stream that stops at the declared size.
 *
 * Refused, each with an Error naming the entry: more than {@link ZIP_LIMITS}.entries
 * entries, names that are absolute, contain `..`, backslashes or NUL (the zip-slip
 * tricks; we never write entries to disk, but a name that is not what it seems is not
 * a Keras file), duplicate names, an entry larger than `entryBytes`, a declared ratio of
 * inflated to compressed size above `ratio`, a total above `totalBytes`, encryption,
 * ZIP64, methods other than stored and deflate, CRC mismatches, and anything truncated.
 */
import { crc32 } from "../crc32.js";

/** The limits a zip read enforces (documented in docs/keras-files.md). */
export const ZIP_LIMITS = Object.freeze({
  /** Entries in the central directory (a .keras file has 3, plus an assets folder). */
  entries: 1000,
  /** Inflated size of one entry. */
  entryBytes: 1024 * 1024 * 1024,
  /** Inflated size of all entries read. */
  totalBytes: 2 * 1024 * 1024 * 1024,
  /** Inflated / compressed size of a deflated entry (deflate's own maximum is ~1032). */
  ratio: 1100,
});

/** Limits of one read; every field defaults to {@link ZIP_LIMITS}. */
export type ZipLimits = { -readonly [K in keyof typeof ZIP_LIMITS]: number };

/** One entry of a zip's central directory, as declared (nothing inflated yet). */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The central directory of `bytes`, checked; `where` names the file in errors. */
export function listZip(bytes: Uint8Array, where: string, limits: Partial<ZipLimits> = {}): ZipEntry[] {
  const max = { ...ZIP_LIMITS, ...limits };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${where}: not a zip file (no end of central directory record; the file may be truncated)`);
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new Error(`${where}: ZIP64 archives are not supported (a .keras file is far smaller)`);
  if (count > max.entries) throw new Error(`${where}: the zip declares ${count} entries, more than the limit of ${max.entries}`);
  if (dirOffset + dirSize > eocd) throw new Error(`${where}: the zip's central directory (${dirSize} bytes at ${dirOffset}) runs past the end record at ${eocd}; the file is truncated or corrupt`);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CENTRAL) throw new Error(`${where}: zip central directory entry ${i} is corrupt`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const headerOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLength > eocd) throw new Error(`${where}: zip central directory entry ${i} is truncated`);
    const name = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(p + 46, p + 46 + nameLength));
    const at = `${where}: zip entry "${name}"`;
    checkEntryName(name, at);
    if (names.has(name)) throw new Error(`${at} appears twice`);
    names.add(name);
    if (flags & 1) throw new Error(`${at} is encrypted`);
    if (method !== 0 && method !== 8) throw new Error(`${at} uses compression method ${method}; expected 0 (stored) or 8 (deflate)`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || headerOffset === 0xffffffff) throw new Error(`${at} needs ZIP64, which is not supported`);
    if (method === 0 && size !== compressedSize) throw new Error(`${at} is stored but declares ${size} bytes in ${compressedSize}`);
    if (size > max.entryBytes) throw new Error(`${at} declares ${size} bytes, more than the limit of ${max.entryBytes}`);
    if (method === 8 && size > Math.max(compressedSize, 1) * max.ratio) {
      throw new Error(`${at} declares ${size} bytes from ${compressedSize} compressed, a ratio above the limit of ${max.ratio} (a zip bomb?)`);
    }
    entries.push({ name, method, crc, compressedSize, size, headerOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Zip-slip and look-alike names: only plain relative paths of printable characters. */
function checkEntryName(name: string, at: string): void {
  if (name === "" || name.startsWith("/") || /^[a-zA-Z]:/.test(name) || name.includes("\\") || /[\u0000-\u001f\u007f\ufffd]/.test(name)) {
    throw new Error(`${at}: the name is not a plain relative path`);
  }
  if (name.split("/").some((part) => part === ".." || part === ".")) throw new Error(`${at}: the name contains "." or ".." segments`);
}

/**
 * The bytes of `names` in the zip (entries not named are not inflated), each checked
 * against its declared size and CRC, with the limits of {@link listZip} plus `totalBytes`
 * over the entries read. A name missing from the zip is an error.
 */
export async function readZipEntries(bytes: Uint8Array, names: readonly string[], where: string, limits: Partial<ZipLimits> = {}): Promise<Map<string, Uint8Array>> {
  const max = { ...ZIP_LIMITS, ...limits };
  const entries = listZip(bytes, where, { ...max, entryBytes: ZIP_LIMITS.entryBytes });
  const wanted = names.map((n) => {
    const entry = entries.find((e) => e.name === n);
    if (!entry) throw new Error(`${where}: the zip has no "${n}" (entries: ${entries.map((e) => e.name).join(", ") || "none"}); is this a .keras file?`);
    if (entry.size > max.entryBytes) throw new Error(`${where}: zip entry "${n}" declares ${entry.size} bytes, more than the limit of ${max.entryBytes}`);
    return entry;
  });
  const total = wanted.reduce((sum, e) => sum + e.size, 0);
  if (total > max.totalBytes) throw new Error(`${where}: the entries declare ${total} bytes in all, more than the limit of ${max.totalBytes}`);
  const out = new Map<string, Uint8Array>();
  for (const entry of wanted) out.set(entry.name, await readEntry(bytes, entry, where));
  return out;
}

async function readEntry(bytes: Uint8Array, entry: ZipEntry, where: string): Promise<Uint8Array> {
  const at = `${where}: zip entry "${entry.name}"`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.headerOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== LOCAL) throw new Error(`${at}: its local header is missing; the file is truncated or corrupt`);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new Error(`${at}: its ${entry.compressedSize} bytes run past the end of the file (${bytes.length} bytes); the file is truncated`);
  const raw = bytes.subarray(start, end);
  const data = entry.method === 0 ? raw.slice() : await inflateBounded(raw, entry.size, at);
  if (crc32(data) !== entry.crc) throw new Error(`${at}: CRC-32 mismatch; the file is corrupt`);
  return data;
}

/** Inflates `raw` into exactly `size` bytes, stopping as soon as the output would pass it. */
async function inflateBounded(raw: Uint8Array, size: number, at: string): Promise<Uint8Array> {
  const { Inflate } = await import("fflate");
  const out = new Uint8Array(size);
  let filled = 0;
  let overflow = false;
  const inflater = new Inflate((chunk) => {
    if (filled + chunk.length > size) {
      overflow = true;
      return;
    }
    out.set(chunk, filled);
    filled += chunk.length;
  });
  // Small input chunks bound what one push can produce (deflate expands at most ~1032x).
  const step = 16 * 1024;
  try {
    for (let i = 0; i < raw.length && !overflow; i += step) inflater.push(raw.subarray(i, Math.min(raw.length, i + step)), i + step >= raw.length);
  } catch (e) {
    throw new Error(`${at}: the deflate data is corrupt (${(e as Error).message})`);
  }
  if (overflow) throw new Error(`${at}: inflates to more than the ${size} bytes it declares`);
  if (filled !== size) throw new Error(`${at}: inflates to ${filled} bytes, but declares ${size}; the file is truncated or corrupt`);
  return out;
}

/** Writes a zip of `entries` (name, bytes), all stored uncompressed as Keras writes them. */
export function writeZip(entries: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  // A fixed DOS timestamp (1980-01-01 00:00) keeps saves byte-for-byte reproducible.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const { name, data } of entries) {
    checkEntryName(name, `writeZip: entry "${name}"`);
    const nameBytes = encoder.encode(name);
    const crc = crc32(data);
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new Error(`writeZip: entry "${name}" would need ZIP64 (over 4 GiB)`);
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true);
    lv.setUint16(10, dosTime, true);
    lv.setUint16(12, dosDate, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const dir = new Uint8Array(46 + nameBytes.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, CENTRAL, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(8, 0x0800, true);
    dv.setUint16(12, dosTime, true);
    dv.setUint16(14, dosDate, true);
    dv.setUint32(16, crc, true);
    dv.setUint32(20, data.length, true);
    dv.setUint32(24, data.length, true);
    dv.setUint16(28, nameBytes.length, true);
    dv.setUint32(42, offset, true);
    dir.set(nameBytes, 46);
    parts.push(local, data);
    central.push(dir);
    offset += local.length + data.length;
  }
  const dirSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, EOCD, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((s, c) => s + c.length, 0));
  let p = 0;
  for (const c of all) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
