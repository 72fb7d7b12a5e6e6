/**
 * Reading and writing a saved model's files with Node's fs. handlers.ts imports this
 * module only when a "file://" address is used, so browser bundles never need node:fs.
 */
import { type FileHandle, mkdir, open, readFile, readdir, rename, stat, unlink } from "node:fs/promises";
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
    const size = await stat(file).then((s) => (s.isFile() ? s.size : -1), () => -1);
    if (size !== recorded.weightsBytes) continue;
    const data = await readFile(file).catch(() => null);
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

/** model.json's text and the directory its weight paths are relative to. */
export async function readModelJsonFile(path: string): Promise<{ text: string; file: string; dir: string }> {
  let file = resolve(path);
  const info = await stat(file).catch(() => {
    throw new Error(`loadModel: no file or directory at ${file}`);
  });
  if (info.isDirectory()) file = join(file, "model.json");
  const text = await readFile(file, "utf8").catch((e: Error) => {
    throw new Error(`loadModel: cannot read ${file}: ${e.message}`);
  });
  return { text, file, dir: dirname(file) };
}

/** The full path of weights path `p` of a manifest, which must stay inside `dir`. */
export function weightsPath(dir: string, p: string): string {
  const full = resolve(dir, p);
  const inside = relative(dir, full);
  if (/^[a-z][a-z0-9+.-]*:/i.test(p) || isAbsolute(p) || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error(`loadModel: weights path "${p}" must be relative to model.json's directory and stay inside it`);
  }
  return full;
}

/**
 * Reads the weight files `paths` (relative to `dir`, which they may not leave) and
 * concatenates them. Their sizes must add up to `expectedBytes`, checked before reading;
 * if they do not, the error is `onSizeMismatch(total)` when given, else one that says
 * truncated or oversized.
 */
export async function readWeightFiles(
  dir: string, paths: readonly string[], expectedBytes: number, onSizeMismatch?: (total: number) => Error,
): Promise<Uint8Array> {
  const files = paths.map((p) => weightsPath(dir, p));
  const sizes = await Promise.all(
    files.map((f) =>
      stat(f).then(
        (s) => s.size,
        () => {
          // The code lets a load with a fingerprint look for an interrupted save's weights.
          throw Object.assign(new Error(`loadModel: weights file ${f} named in model.json does not exist`), { code: "ENOENT" });
        },
      ),
    ),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== expectedBytes) {
    if (onSizeMismatch) throw onSizeMismatch(total);
    const list = files.map((f, i) => `${f} (${sizes[i]} bytes)`).join(", ");
    const what = total < expectedBytes ? "truncated" : "oversized";
    throw new Error(`loadModel: weights are ${what}: model.json declares ${expectedBytes} bytes, the files hold ${total}: ${list}`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const f of files) {
    const data = await readFile(f);
    // The file may have changed since stat; never write past the buffer.
    if (offset + data.length > total) throw new Error(`loadModel: weights file ${f} changed while it was being read`);
    out.set(data, offset);
    offset += data.length;
  }
  if (offset !== total) throw new Error(`loadModel: weights files changed while they were being read`);
  return out;
}
