/**
 * `datasets.imageFolderFromFiles`: the same as `imageFolder`, in browsers, from `File`
 * objects: those of an `<input type="file" webkitdirectory>` (each knows its path in the
 * chosen folder, `webkitRelativePath`) or of a drag and drop (walk the dropped entries
 * with {@link filesFromEntries}). Images are decoded by the platform
 * (`createImageBitmap`, then an OffscreenCanvas), so no Node module and no JPEG library
 * is involved.
 *
 * A batch source fills its batches synchronously, and the platform decodes
 * asynchronously: so by default this decodes every image once, when the source is made,
 * and keeps it at the target size as floats (n * height * width * channels * 4 bytes,
 * refused above MAX_BROWSER_PRELOAD_BYTES). The original-size pixels are dropped at once.
 * With `preload: false` it decodes each batch in the source's `prepare`, which `fit`
 * awaits before the batch, and holds only that batch.
 */
import { readImageHeader, toChannels, type DecodedImage } from "./image_decode.js";
import { foundMessage, ImageFolderSource, imageFolderSettings, indexImageFiles, splitIndices, type ImageFolderOptions, type ImageFolderSettings, type LoadedImage } from "./image_folder.js";
import { describeValue } from "../io/json.js";
import { resizeBilinear } from "./resize.js";

/** The most a browser source holds, 1 GiB of resized images; more is an error suggesting a smaller imageSize. */
export const MAX_BROWSER_PRELOAD_BYTES = 2 ** 30;
/** Image files larger than this (256 MiB) are refused before reading, as in Node. */
const MAX_FILE_BYTES = 256 * 2 ** 20;
/** Images decoded at the same time. */
const PARALLEL = 4;

const OP = "imageFolderFromFiles";

/** A file and its path inside the chosen folder, "class/sub/name.png". */
export interface FileWithPath {
  /** The file's contents. */
  file: Blob;
  /** Its path relative to the folder, "/"-separated; the first part is the class. */
  path: string;
}

/** Options of `imageFolderFromFiles`: those of `imageFolder`, and when to decode. */
export interface ImageFilesOptions extends ImageFolderOptions {
  /**
   * true (default): decode every image when the source is made, and keep them at the
   * target size (so `toTensors` works and epochs decode nothing). false: decode each
   * batch when `fit` awaits the source's `prepare`, holding only that batch; for folders
   * too large to hold. `toTensors` (and any `fill` not prepared) then throws.
   */
  preload?: boolean;
}

/** Decodes image bytes to RGBA (or fewer) pixels; `name` is for errors. */
export type BytesDecoder = (bytes: Uint8Array, name: string) => Promise<DecodedImage>;

/**
 * Decodes with the platform: `createImageBitmap` on the bytes, drawn on an
 * OffscreenCanvas at its own size. The size is read from the header first and refused
 * above MAX_IMAGE_PIXELS. Colour profiles are not applied (TensorFlow ignores them too).
 */
export async function decodeWithPlatform(bytes: Uint8Array, name: string): Promise<DecodedImage> {
  const header = readImageHeader(bytes, name);
  if (typeof createImageBitmap !== "function" || typeof OffscreenCanvas !== "function") {
    throw new Error(`${OP}: this environment has no createImageBitmap or OffscreenCanvas; in Node use datasets.imageFolder(dir)`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: "none", colorSpaceConversion: "none" });
  } catch (cause) {
    throw new Error(`${name}: the browser cannot decode this ${header.format.toUpperCase()} image (corrupt or truncated?): ${(cause as Error).message}`, { cause });
  }
  try {
    const { width, height } = bitmap;
    const context = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error(`${OP}: no 2d context on an OffscreenCanvas`);
    context.drawImage(bitmap, 0, 0);
    return { width, height, channels: 4, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

/**
 * Walks dropped entries (`dataTransfer.items[i].webkitGetAsEntry()`) down to their files.
 * One dropped folder is the root (its subfolders are the classes); several dropped
 * folders are the classes themselves.
 */
export async function filesFromEntries(entries: readonly FileSystemEntry[]): Promise<FileWithPath[]> {
  const out: FileWithPath[] = [];
  const single = entries.length === 1 && entries[0]!.isDirectory;
  const visit = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, path });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns the children in chunks until an empty one.
      for (;;) {
        const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (chunk.length === 0) break;
        for (const child of chunk) await visit(child, path === "" ? child.name : `${path}/${child.name}`);
      }
    }
  };
  for (const entry of entries) await visit(entry, single ? "" : entry.name);
  return out;
}

/**
 * The name errors give the folder: the chosen folder's own name when every File of an
 * input names the same one ("shots" of "shots/cats/a.png"), else "the chosen folder".
 */
function rootName(files: ArrayLike<unknown>): string {
  const names = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const rel = typeof Blob !== "undefined" && f instanceof Blob ? (f as File).webkitRelativePath : undefined;
    names.add(typeof rel === "string" && rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "");
  }
  const [only] = names;
  return names.size === 1 && only ? only : "the chosen folder";
}

/** The files as {@link FileWithPath}: File objects lose the chosen folder's own name from webkitRelativePath. */
function withPaths(files: Iterable<File | FileWithPath> | ArrayLike<File | FileWithPath>): FileWithPath[] {
  const list = typeof (files as Iterable<unknown>)[Symbol.iterator] === "function" ? Array.from(files as Iterable<File | FileWithPath>) : Array.from(files as ArrayLike<File | FileWithPath>);
  return list.map((f, i) => {
    if (typeof Blob !== "undefined" && f instanceof Blob) {
      const rel = (f as File).webkitRelativePath;
      if (typeof rel !== "string" || !rel.includes("/")) {
        throw new Error(`${OP}: files[${i}] (${(f as File).name}) has no folder path (webkitRelativePath is ${JSON.stringify(rel ?? "")}); pick a folder with <input type="file" webkitdirectory>, or pass { file, path } objects`);
      }
      return { file: f, path: rel.slice(rel.indexOf("/") + 1) };
    }
    const e = f as FileWithPath;
    if (!e || typeof e !== "object" || typeof Blob === "undefined" || !(e.file instanceof Blob) || typeof e.path !== "string" || e.path === "") {
      throw new Error(`${OP}: files[${i}] must be a File or { file: Blob, path: string }, received ${Object.prototype.toString.call(f)}`);
    }
    return { file: e.file, path: e.path.replace(/^\/+/, "") };
  });
}

/**
 * `imageFolder` from files in memory; see {@link imageFolderFromFiles}. `decode` turns
 * bytes into pixels (the platform's decoder by default; tests pass another).
 */
export async function imageFolderFromFileList(
  files: Iterable<File | FileWithPath> | ArrayLike<File | FileWithPath>, options: ImageFilesOptions = {}, decode: BytesDecoder = decodeWithPlatform,
): Promise<ImageFolderSource | [ImageFolderSource, ImageFolderSource]> {
  const { preload, rest } = splitPreload(options);
  const s = imageFolderSettings(OP, rest);
  const given = typeof (files as Iterable<unknown>)[Symbol.iterator] === "function" ? Array.from(files as Iterable<File | FileWithPath>) : Array.from(files as ArrayLike<File | FileWithPath>);
  const listed = withPaths(given);
  for (const f of listed) {
    if (f.path.split("/").includes("..")) throw new Error(`${OP}: path ${f.path} leads out of the folder ("..")`);
  }
  // Folders are only seen through their files: a class folder with no files at all cannot be seen.
  const subfolders = [...new Set(listed.filter((f) => f.path.includes("/")).map((f) => f.path.slice(0, f.path.indexOf("/"))))];
  const index = indexImageFiles(OP, rootName(given), subfolders, listed, s);
  if (s.verbose) console.log(foundMessage(index.files.length, index.classNames.length, s.labelMode !== null));
  const make = async (subset: "training" | "validation"): Promise<ImageFolderSource> => {
    const [from, to] = splitIndices(OP, index.files.length, s, subset);
    const mine = index.files.slice(from, to);
    const paths = mine.map((f) => f.path);
    const labels = index.labels.slice(from, to);
    const size = s.height * s.width * s.channels;
    const image = (pixels: Float32Array, k: number): LoadedImage => ({ width: s.width, height: s.height, channels: s.channels, data: pixels.subarray(k * size, (k + 1) * size) });
    if (preload) {
      checkPreloadSize(mine.length, s);
      const pixels = await decodeFiles(mine, s, decode);
      return new ImageFolderSource(OP, paths, labels, index.classNames, s, (i) => image(pixels, i));
    }
    // The images of the batch prepared last, by index; each prepare replaces them.
    let batch = new Map<number, LoadedImage>();
    const prefetch = async (indices: Uint32Array): Promise<void> => {
      const pixels = await decodeFiles(Array.from(indices, (i) => mine[i]!), s, decode);
      batch = new Map(Array.from(indices, (i, k) => [i, image(pixels, k)]));
    };
    const load = (i: number): LoadedImage => {
      const found = batch.get(i);
      if (!found) {
        throw new Error(`${OP}: ${paths[i]} is not decoded: a source made with preload: false decodes a batch in its prepare(start, count), which fit awaits; await source.prepare before fill, or make the source with preload: true to use toTensors`);
      }
      return found;
    };
    return new ImageFolderSource(OP, paths, labels, index.classNames, s, load, prefetch);
  };
  if (s.subset === "both") return [await make("training"), await make("validation")];
  return make(s.subset ?? "training");
}

/** `options` without `preload` (true or false; default true); what is not an object goes on to imageFolderSettings's check. */
function splitPreload(options: ImageFilesOptions): { preload: boolean; rest: ImageFolderOptions } {
  if (typeof options !== "object" || options === null || !("preload" in options)) return { preload: true, rest: options };
  const { preload = true, ...rest } = options;
  if (typeof preload !== "boolean") throw new Error(`${OP}: preload must be true or false, received ${describeValue(preload)}`);
  return { preload, rest };
}

/** Refuses to preload more than MAX_BROWSER_PRELOAD_BYTES of resized images. */
function checkPreloadSize(n: number, s: ImageFolderSettings): void {
  const bytes = n * s.height * s.width * s.channels * 4;
  if (bytes > MAX_BROWSER_PRELOAD_BYTES) {
    throw new Error(`${OP}: ${n} images of ${s.height} x ${s.width} x ${s.channels} take ${(bytes / 2 ** 30).toFixed(1)} GiB as floats, more than the ${MAX_BROWSER_PRELOAD_BYTES / 2 ** 30} GiB (MAX_BROWSER_PRELOAD_BYTES) a browser source holds; choose a smaller imageSize or fewer images, or pass preload: false to decode batch by batch`);
  }
}

/** Decodes, converts and resizes `files`, a few at a time, into one float array (file k at k * size). */
async function decodeFiles(files: readonly FileWithPath[], s: ImageFolderSettings, decode: BytesDecoder): Promise<Float32Array> {
  const size = s.height * s.width * s.channels;
  const out = new Float32Array(files.length * size);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      if (f.file.size > MAX_FILE_BYTES) throw new Error(`${f.path}: the file holds ${f.file.size} bytes, more than the ${MAX_FILE_BYTES} an image may`);
      const raw = new Uint8Array(await f.file.arrayBuffer());
      const image = await decode(raw, f.path);
      const data = toChannels(image, s.channels);
      resizeBilinear(data, image.height, image.width, s.channels, s.height, s.width, out, i * size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
  return out;
}
