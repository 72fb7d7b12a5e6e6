/**
 * Reading and writing a saved model's files with Node's fs. handlers.ts imports this
 * module only when a "file://" address is used, so browser bundles never need node:fs.
 */
import { constants as fsConstants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, realpath, rename, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { type WeightsFingerprint, fingerprintOf } from "./fingerprint.js";

/**
 * The names writeModelFiles gives its temporary files: the final name, then
 * `.tmp-<pid>-<time, base 36>-<random, base 36>`. Loading and cleaning up match exactly
 * this, so no file of the user's is ever read or removed by accident.
 */
const TEMP_TAG = /^\.tmp-\d+-[0-9a-z]+-[0-9a-z]*$/;

function tempTag(): string {
  return `.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function isTempOf(finalName: string, name: string): boolean {
  return name.startsWith(finalName) && TEMP_TAG.test(name.slice(finalName.length));
}

/**
 * Writes `dir/model.json` and `dir/weights.bin` (creating `dir`). Each file is written and
 * flushed under a temporary name first, then renamed over its final name, so neither is
 * ever seen half written.
 *
 * Why model.json is renamed first: model.json records the CRC-32 and length of the
 * weights it was saved with (fingerprint.ts), and a load refuses weights that do not
 * match. A crash between the two renames leaves the NEW model.json beside the OLD
 * weights.bin, and that new model.json always carries the fingerprint, so the mixed pair
 * is never loaded whatever wrote the previous save (TF.js, Keras, an older simdnet); the new
 * weights stay in the `weights.bin.tmp-*` file beside it, from which a load completes the
 * save (findCompletedWeights). (Renaming weights.bin first would
 * leave the OLD model.json, whose fingerprint may be missing.) The directory is synced
 * after each rename where the platform allows, so that the renames reach the disk in
 * this order.
 *
 * Once model.json has been renamed, a failure leaves the weights' temporary file in place
 * (as a crash would): it is the only copy of the weights the new model.json describes, and
 * loadModel completes the interrupted save from it (findCompletedWeights).
 *
 * After both renames, the temporary files of earlier saves to `dir` that never finished
 * are removed. That is safe because a directory has one writer (one training run saves
 * its checkpoints there, one save at a time): a temporary file this save did not make
 * belongs to a save that can no longer finish. It is done last, not first, so that a
 * crash early in this save still leaves the earlier interrupted save recoverable.
 */
export async function writeModelFiles(dir: string, modelJson: string, weights: ArrayBuffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tag = tempTag();
  const files = [
    { final: join(dir, "model.json"), temp: join(dir, `model.json${tag}`), data: new TextEncoder().encode(modelJson) },
    { final: join(dir, "weights.bin"), temp: join(dir, `weights.bin${tag}`), data: new Uint8Array(weights) },
  ];
  let renamed = 0;
  try {
    for (const file of files) {
      const handle = await open(file.temp, "w");
      try {
        await handle.writeFile(file.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const file of files) {
      await rename(file.temp, file.final);
      renamed++;
      await syncDirectory(dir);
    }
  } catch (e) {
    // Before model.json is renamed nothing refers to the temporary files; after, the
    // weights' one is what the new model.json describes, so it stays (see above).
    const unneeded = renamed === 0 ? files : [];
    await Promise.all(unneeded.map((f) => unlink(f.temp).catch(() => undefined)));
    throw e;
  }
  await removeStaleTempFiles(dir);
}

/** Removes the temporary files of earlier, unfinished saves to `dir` (best effort). */
async function removeStaleTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => isTempOf("model.json", n) || isTempOf("weights.bin", n));
  await Promise.all(stale.map((n) => unlink(join(dir, n)).catch(() => undefined)));
}

/**
 * The weights an interrupted save left in `dir`: the one `weights.bin.tmp-*` file (named
 * as writeModelFiles names them) whose length and CRC-32 are `recorded`, read whole; null
 * when no such file, or more than one, is there (then which save it was is unclear).
 *
 * Read-only on purpose: it neither renames the file to weights.bin nor deletes anything.
 * A load is not a writer; the directory's one writer may be saving at this moment (the
 * pair looks interrupted between its two renames too), the directory may be read-only,
 * and the next save replaces both files and removes the leftovers anyway.
 */
export async function findCompletedWeights(dir: string, recorded: WeightsFingerprint): Promise<{ file: string; data: Uint8Array } | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const matches: { file: string; data: Uint8Array }[] = [];
  for (const name of names.filter((n) => isTempOf("weights.bin", n)).sort()) {
    const file = join(dir, name);
    const data = await readWeightFiles(dir, [name], recorded.weightsBytes).catch(() => null);
    if (!data) continue;
    const found = fingerprintOf(data);
    if (found.weightsBytes === recorded.weightsBytes && found.weightsCrc32 === recorded.weightsCrc32) matches.push({ file, data });
  }
  return matches.length === 1 ? matches[0]! : null;
}

/**
 * Flushes a directory's entries (its renames) to disk. Best effort: Windows cannot open a
 * directory for this, and there the renames are left to the file system's own order.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Not supported here; nothing better to do.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The largest model.json read, 256 MiB. Its text is parsed whole, and V8 cannot hold a
 * string much above 512 MiB; a model of 100,000 layers takes about 40 MiB.
 */
export const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;

// O_NONBLOCK: opening a FIFO for reading would wait for a writer forever; with it the open
// returns at once and fstat then refuses the FIFO. O_NOFOLLOW: the path opened is already a
// real path (no links), so a link there now was swapped in after the check. Windows has
// neither flag and no FIFOs of this kind.
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0);

/** What a file that is not a regular file is, for errors. */
function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isSymbolicLink(): boolean }): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  if (s.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/** An open regular file and its size (from fstat on the open file, not stat on its name). */
interface OpenFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens `real` (a real path) for reading, without waiting on a FIFO and without
 * following a link; refuses anything that is not a regular file. `what` names it in
 * errors ("loadModel: weights file X named in model.json").
 */
async function openRegular(real: string, what: string): Promise<OpenFile> {
  let handle: FileHandle;
  try {
    handle = await open(real, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new Error(`${what} is a directory, not a regular file`);
    if (code === "ELOOP") throw new Error(`${what} is a symbolic link that changed while it was being opened`);
    throw new Error(`${what} cannot be opened: ${(e as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${what} is ${kindOf(info)}, not a regular file`);
    return { handle, size: info.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Reads exactly `size` bytes of an open file into `out` at `offset`: never more (a file
 * that grew since fstat is refused, not read on), and a file that shrank is an error too.
 */
async function readExactly(file: OpenFile, out: Uint8Array, offset: number, size: number, what: string): Promise<void> {
  let done = 0;
  while (done < size) {
    const { bytesRead } = await file.handle.read(out, offset + done, size - done, done);
    if (bytesRead === 0) throw new Error(`${what} shrank while it was being read (${done} of ${size} bytes)`);
    done += bytesRead;
  }
  const probe = new Uint8Array(1);
  if ((await file.handle.read(probe, 0, 1, size)).bytesRead !== 0) throw new Error(`${what} grew while it was being read (beyond ${size} bytes)`);
}

/**
 * model.json's text (at most {@link MAX_MODEL_JSON_BYTES}), its path and the directory its
 * weight paths are relative to. model.json may be reached through links (the caller named
 * it), but must be a regular file.
 */
export async function readModelJsonFile(path: string): Promise<{ text: string; file: string; dir: string }> {
  let file = resolve(path);
  const info = await stat(file).catch(() => {
    throw new Error(`loadModel: no file or directory at ${file}`);
  });
  if (info.isDirectory()) file = join(file, "model.json");
  const real = await realpath(file).catch((e: Error) => {
    throw new Error(`loadModel: cannot read ${file}: ${e.message}`);
  });
  const opened = await openRegular(real, `loadModel: ${file}`);
  try {
    if (opened.size > MAX_MODEL_JSON_BYTES) {
      throw new Error(`loadModel: ${file} holds ${opened.size} bytes, more than the ${MAX_MODEL_JSON_BYTES} bytes a model.json may have`);
    }
    const bytes = new Uint8Array(opened.size);
    await readExactly(opened, bytes, 0, opened.size, `loadModel: ${file}`);
    return { text: new TextDecoder().decode(bytes), file, dir: dirname(file) };
  } finally {
    await opened.handle.close();
  }
}

/** The full path of weights path `p` of a manifest, which must stay inside `dir`. */
export function weightsPath(dir: string, p: string): string {
  const full = resolve(dir, p);
  if (/^[a-z][a-z0-9+.-]*:/i.test(p) || isAbsolute(p) || !isInside(dir, full)) {
    throw new Error(`loadModel: weights path "${p}" must be relative to model.json's directory and stay inside it`);
  }
  return full;
}

function isInside(dir: string, full: string): boolean {
  const inside = relative(dir, full);
  return !(inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside));
}

/**
 * Opens weights file `file` (a path inside `dir`) after resolving links: its real path
 * must stay inside the real path of `dir`, and it must be a regular file.
 */
async function openWeightsFile(dir: string, realDir: string, file: string): Promise<OpenFile> {
  const what = `loadModel: weights file ${file} named in model.json`;
  const real = await realpath(file).catch((e: NodeJS.ErrnoException) => {
    // The code lets a load with a fingerprint look for an interrupted save's weights.
    if (e.code === "ENOENT") throw Object.assign(new Error(`${what} does not exist`), { code: "ENOENT" });
    throw new Error(`${what} cannot be read: ${e.message}`);
  });
  if (!isInside(realDir, real)) {
    throw new Error(`${what} resolves to ${real}, outside the model's folder ${dir}${realDir === dir ? "" : ` (${realDir})`}; a model may only read files inside its folder`);
  }
  return openRegular(real, what);
}

/**
 * Reads the weight files `paths` (relative to `dir`, which they may not leave, links
 * resolved) and concatenates them. Only regular files are read, each at most its size at
 * open; their sizes must add up to `expectedBytes`, checked before reading; if they do
 * not, the error is `onSizeMismatch(total)` when given, else one that says truncated or
 * oversized.
 */
export async function readWeightFiles(
  dir: string, paths: readonly string[], expectedBytes: number, onSizeMismatch?: (total: number) => Error,
): Promise<Uint8Array> {
  const files = paths.map((p) => weightsPath(dir, p));
  const realDir = await realpath(dir);
  const opened: OpenFile[] = [];
  try {
    for (const f of files) opened.push(await openWeightsFile(dir, realDir, f));
    const sizes = opened.map((o) => o.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== expectedBytes) {
      if (onSizeMismatch) throw onSizeMismatch(total);
      const list = files.map((f, i) => `${f} (${sizes[i]} bytes)`).join(", ");
      const what = total < expectedBytes ? "truncated" : "oversized";
      throw new Error(`loadModel: weights are ${what}: model.json declares ${expectedBytes} bytes, the files hold ${total}: ${list}`);
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (let i = 0; i < files.length; i++) {
      await readExactly(opened[i]!, out, offset, sizes[i]!, `loadModel: weights file ${files[i]}`);
      offset += sizes[i]!;
    }
    return out;
  } finally {
    await Promise.all(opened.map((o) => o.handle.close()));
  }
}
