/**
 * `datasets.imageFolder` in Node: walks a directory as Keras's index_directory does (one
 * subfolder per class, followed down; symbolic links to folders inside a class are not
 * followed, as with Keras's follow_links=False), refuses anything that could read outside
 * the folder or hang (a symbolic link out of it, a FIFO or device named like an image, a
 * file too large), and reads each image only when a batch needs it.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import type { Tensor } from "../tensor.js";
import { hasImageExtension } from "./image_decode.js";
import { resizeBilinear } from "./resize.js";
import { decodeImageChannels } from "./image_decode_node.js";
import { foundMessage, ImageFolderSource, type BothSubsetsOptions, imageFolderSettings, indexImageFiles, splitIndices, type ImageFolderOptions, type ImageFolderSettings } from "./image_folder.js";

/**
 * Image files larger than this (256 MiB) are refused before reading: no image within
 * MAX_IMAGE_PIXELS needs more, and a huge file named .png should not fill the memory.
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 2 ** 20;

const OP = "imageFolder";

interface NodeFile {
  /** "class/sub/name.png", "/"-separated. */
  path: string;
  /** Where to read it. */
  full: string;
}

/** The images of `dir` as a batch source, or [training, validation] with subset "both". */
export function imageFolder(dir: string, options: BothSubsetsOptions): [ImageFolderSource, ImageFolderSource];
export function imageFolder(dir: string, options?: ImageFolderOptions): ImageFolderSource;
export function imageFolder(dir: string, options: ImageFolderOptions = {}): ImageFolderSource | [ImageFolderSource, ImageFolderSource] {
  if (typeof dir !== "string" || dir === "") throw new Error(`${OP}: dir must be the path of a folder, received ${typeof dir === "string" ? "\"\"" : String(dir)}`);
  const s = imageFolderSettings(OP, options);
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (cause) {
    throw new Error(`${OP}: cannot open folder ${dir} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  if (!statSync(root).isDirectory()) throw new Error(`${OP}: ${dir} is a file, expected a folder with one subfolder per class`);
  const walker = new Walker(dir, root);
  const subfolders = s.labelMode === null ? [] : walker.subfolders();
  const files = s.labelMode === null ? walker.files("") : subfolders.filter((d) => !d.startsWith(".") && (!s.classNames || s.classNames.includes(d))).flatMap((d) => walker.files(d));
  const index = indexImageFiles(OP, dir, subfolders, files, s);
  if (s.verbose) console.log(foundMessage(index.files.length, index.classNames.length, s.labelMode !== null));
  const make = (subset: "training" | "validation"): ImageFolderSource => {
    const [from, to] = splitIndices(OP, index.files.length, s, subset);
    if (s.verbose && s.validationSplit > 0) console.log(`Using ${to - from} files for ${subset}.`);
    const mine = index.files.slice(from, to);
    return new ImageFolderSource(OP, mine.map((f) => f.path), index.labels.slice(from, to), index.classNames, s, (i) => load(mine[i]!, s));
  };
  if (s.subset === "both") return [make("training"), make("validation")];
  return make(s.subset ?? "training");
}

/** Options of {@link readImage}: imageFolder's, for one file. */
export interface ReadImageOptions {
  /** [height, width] (default [256, 256]); a number means a square. */
  imageSize?: number | readonly [number, number];
  /** "rgb" (default), "grayscale" or "rgba". */
  colorMode?: "grayscale" | "rgb" | "rgba";
}

/**
 * One image file as imageFolder would give it, x `[1, height, width, channels]` in
 * [0, 255]: for `predict` on a single photo with the pipeline the model was trained on.
 */
export function readImage(path: string, options: ReadImageOptions = {}): Tensor {
  const where = "readImage";
  if (typeof path !== "string" || path === "") throw new Error(`${where}: path must be a file path, received ${String(path)}`);
  if (typeof options !== "object" || options === null) throw new Error(`${where}: options must be an object, received ${String(options)}`);
  for (const key of Object.keys(options)) if (key !== "imageSize" && key !== "colorMode") throw new Error(`${where}: unknown option "${key}"; expected imageSize or colorMode`);
  const s = imageFolderSettings(where, { ...options, shuffle: false });
  const image = load({ path, full: path }, s, where);
  const x = resizeBilinear(image.data, image.height, image.width, s.channels, s.height, s.width);
  return { data: x, shape: [1, s.height, s.width, s.channels] };
}

/** Reads and decodes one file, checking again that it is a regular file of sane size. */
function load(f: NodeFile, s: ImageFolderSettings, op = OP) {
  let bytes: Uint8Array;
  let fd = -1;
  try {
    // O_NOFOLLOW: a file swapped for a link after the listing is refused, not followed out.
    fd = openSync(f.full, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error("it is not a regular file");
    if (st.size > MAX_IMAGE_FILE_BYTES) throw new Error(`it holds ${st.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} (MAX_IMAGE_FILE_BYTES) an image may`);
    bytes = new Uint8Array(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, bytes, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got < st.size) bytes = bytes.subarray(0, got);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new Error(`${op}: cannot read ${f.full}: ${code ?? (cause as Error).message}`, { cause });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return decodeImageChannels(bytes, f.full, s.channels);
}

/** Lists a folder tree under `root` (a real path), refusing links that leave it. */
class Walker {
  constructor(private readonly shown: string, private readonly root: string) {}

  /** Folders directly in the root (links to folders inside it count, as os.path.isdir follows them). */
  subfolders(): string[] {
    const out: string[] = [];
    for (const e of readdirSync(this.root, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(e.name);
      else if (e.isSymbolicLink()) {
        const target = this.inside(e.name);
        if (target !== null && statSync(target).isDirectory()) out.push(e.name);
      }
    }
    return out;
  }

  /** Every file below `folder` ("" for the root), depth first; links to folders below a class are not followed. */
  files(folder: string): NodeFile[] {
    const out: NodeFile[] = [];
    const start = folder === "" ? this.root : this.inside(folder) ?? join(this.root, folder);
    const visit = (dir: string, rel: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const relPath = rel === "" ? e.name : `${rel}/${e.name}`;
        const full = join(dir, e.name);
        if (e.isDirectory()) visit(full, relPath);
        else if (e.isSymbolicLink()) {
          const target = this.inside(relPath, full);
          // A link to a file inside the folder is read; one to a folder is not followed (Keras's follow_links=False).
          // Read through the checked target, so that the read below can refuse links.
          if (target !== null && hasImageExtension(e.name) && statSync(target).isFile()) out.push({ path: relPath, full: target });
        } else if (hasImageExtension(e.name)) {
          if (!e.isFile()) throw new Error(`${OP}: ${this.show(relPath)} is not a regular file (a FIFO, socket or device named like an image)`);
          out.push({ path: relPath, full });
        }
      }
    };
    visit(start, folder);
    return out;
  }

  /**
   * The real path of the link at `rel` when it stays inside the root; throws when it
   * leads out; null when it is broken (it is then skipped, like a missing file).
   */
  private inside(rel: string, full = join(this.root, rel)): string | null {
    let target: string;
    try {
      target = realpathSync(full);
    } catch {
      if (lstatSync(full).isSymbolicLink()) return null;
      throw new Error(`${OP}: cannot resolve ${this.show(rel)}`);
    }
    const back = relative(this.root, target);
    if (back === "") throw new Error(`${OP}: ${this.show(rel)} is a symbolic link back to ${this.shown} itself`);
    if (back === ".." || back.startsWith(`..${sep}`) || isAbsolute(back)) {
      throw new Error(`${OP}: ${this.show(rel)} is a symbolic link to ${target}, outside ${this.shown}; copy the images into the folder instead`);
    }
    return target;
  }

  private show(rel: string): string {
    return `${this.shown.replace(/[\\/]+$/, "")}/${rel}`;
  }
}
