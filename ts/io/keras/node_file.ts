/**
 * Node-only reading and writing of one `.keras` / `.h5` file (browser bundles replace
 * the import of this module with a rejection that says to use bytes instead).
 */
import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { resolve } from "node:path";

/** Largest file read, in bytes (the zip and HDF5 limits are below it). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** The bytes of the file at `path`, its size checked before it is read. */
export async function readModelFile(path: string): Promise<{ bytes: Uint8Array; file: string }> {
  const file = resolve(path);
  const info = await stat(file).catch(() => {
    throw new Error(`loadModel: no file at ${file}`);
  });
  if (!info.isFile()) throw new Error(`loadModel: ${file} is not a file`);
  if (info.size > MAX_FILE_BYTES) throw new Error(`loadModel: ${file} has ${info.size} bytes, more than the limit of ${MAX_FILE_BYTES}`);
  return { bytes: new Uint8Array(await readFile(file)), file };
}

/** Writes `bytes` to `path` beside it first, then renames, so a crash never leaves half a file. */
export async function writeModelFile(path: string, bytes: Uint8Array): Promise<string> {
  const file = resolve(path);
  const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  return file;
}
