/**
 * The browser path of image folders, in Node: File objects with webkitRelativePath and
 * dropped entries give the same classes, order, labels and pixels as imageFolder on the
 * same files on disk. The platform decoder (createImageBitmap) is replaced by simdnet's
 * Node decoders here; a real browser test covers it (see docs/images.md).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { datasets } from "../../ts/data/datasets.js";
import { decodeImageBytes } from "../../ts/data/image_decode_node.js";
import type { ImageFolderSource } from "../../ts/data/image_folder.js";
import { decodeWithPlatform, filesFromEntries, imageFolderFromFileList, type FileWithPath } from "../../ts/data/image_folder_browser.js";
import { imageFolder } from "../../ts/data/image_folder_node.js";
import { encodePng } from "../../ts/data/png.js";
import { encodeBmp24, makeTree } from "../helpers/images.js";

const GOLDEN = join(import.meta.dirname, "../golden/images");
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(GOLDEN, "src", name)));
const nodeDecode = async (bytes: Uint8Array, name: string) => decodeImageBytes(bytes, name);

const tree: Record<string, Uint8Array | string> = {
  "cats/1.png": encodePng(Uint8Array.from({ length: 30 }, (_, i) => i * 8), 6, 5),
  "cats/sub/2.jpg": golden("photo.jpg"),
  "dogs/a.bmp": encodeBmp24(Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i * 7), 4, 3),
  "dogs/b.gif": golden("palette.gif"),
  "dogs/readme.txt": "not an image",
  "eels/c.PNG": golden("rgba.png"),
};
const root = makeTree(tree);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A File as <input webkitdirectory> gives it: its path starts with the chosen folder's name. */
function inputFile(rel: string, data: Uint8Array | string): File {
  const file = new File([data as BlobPart], rel.split("/").pop()!);
  Object.defineProperty(file, "webkitRelativePath", { value: `photos/${rel}` });
  return file;
}

function epoch(source: ImageFolderSource, e: number): number[] {
  const size = source.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(source.length * size), y = new Float32Array(source.length * (source.labelShape[0] ?? 1));
  source.startEpoch(e);
  source.fill(0, source.length, x, y);
  return [...x, ...y];
}

describe("imageFolderFromFiles", () => {
  it("gives what imageFolder gives on the same files: classes, order, labels, pixels, split", async () => {
    const files = Object.entries(tree).map(([rel, data]) => inputFile(rel, data));
    for (const options of [
      { shuffle: false, imageSize: [5, 4] as [number, number] },
      { seed: 4, imageSize: 3, colorMode: "grayscale" as const, labelMode: "categorical" as const },
      { seed: 9, imageSize: [2, 7] as [number, number], colorMode: "rgba" as const, validationSplit: 0.4, subset: "validation" as const },
    ]) {
      const web = await imageFolderFromFileList(files, options, nodeDecode) as ImageFolderSource;
      const disk = imageFolder(root, options);
      expect(web.classNames).toEqual(["cats", "dogs", "eels"]);
      expect(web.filePaths).toEqual(disk.filePaths);
      expect(Array.from(web.labels)).toEqual(Array.from(disk.labels));
      expect(epoch(web, 0)).toEqual(epoch(disk, 0));
      expect(epoch(web, 1)).toEqual(epoch(disk, 1));
    }
    const [train, val] = await imageFolderFromFileList(files, { seed: 2, validationSplit: 0.4, subset: "both", imageSize: 2 }, nodeDecode) as [ImageFolderSource, ImageFolderSource];
    expect([train.length, val.length]).toEqual([3, 2]);
  });

  it("takes dropped entries: one folder is the root, several folders are the classes", async () => {
    /** A fake FileSystemEntry tree; directories hand out their children two at a time. */
    const entry = (name: string, node: Record<string, unknown> | Uint8Array | string): FileSystemEntry => {
      if (node instanceof Uint8Array || typeof node === "string") {
        return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([node as BlobPart], name)) } as unknown as FileSystemEntry;
      }
      const children = Object.entries(node).map(([n, c]) => entry(n, c as Record<string, unknown>));
      return {
        name, isFile: false, isDirectory: true,
        createReader: () => {
          let at = 0;
          return { readEntries: (ok: (e: FileSystemEntry[]) => void) => { ok(children.slice(at, at + 2)); at += 2; } };
        },
      } as unknown as FileSystemEntry;
    };
    const nested: Record<string, Record<string, unknown>> = {};
    for (const [rel, data] of Object.entries(tree)) {
      let at: Record<string, unknown> = nested;
      const parts = rel.split("/");
      parts.slice(0, -1).forEach((p) => (at = (at[p] ??= {}) as Record<string, unknown>));
      at[parts.at(-1)!] = data;
    }
    const fromRoot = await filesFromEntries([entry("photos", nested)]);
    expect(fromRoot.map((f) => f.path).sort()).toEqual(Object.keys(tree).sort());
    const fromClasses = await datasets.filesFromEntries(Object.entries(nested).map(([n, c]) => entry(n, c)));
    expect(fromClasses.map((f) => f.path).sort()).toEqual(Object.keys(tree).sort());
    const source = await imageFolderFromFileList(fromRoot, { shuffle: false, imageSize: 3 }, nodeDecode) as ImageFolderSource;
    expect(epoch(source, 0)).toEqual(epoch(imageFolder(root, { shuffle: false, imageSize: 3 }), 0));
  });

  it("refuses what the Node version refuses, and files without a folder path", async () => {
    const files = (t: Record<string, Uint8Array | string>): File[] => Object.entries(t).map(([rel, data]) => inputFile(rel, data));
    await expect(imageFolderFromFileList(files({ "a.png": tree["cats/1.png"]! }), {}, nodeDecode)).rejects.toThrow(/imageFolderFromFiles: photos has no subfolders/);
    // Errors name the chosen folder when its Files name it; { file, path } pairs cannot.
    await expect(imageFolderFromFileList(files({ "a/x.txt": "x", "b/1.png": tree["cats/1.png"]! }), {}, nodeDecode)).rejects.toThrow(/class folder photos\/a holds no images/);
    await expect(imageFolderFromFileList([{ file: new Blob(["x"]), path: "a/x.txt" }, { file: new Blob([tree["cats/1.png"]! as BlobPart]), path: "b/1.png" }], {}, nodeDecode)).rejects.toThrow(/class folder the chosen folder\/a holds no images/);
    await expect(imageFolderFromFileList([new File(["x"], "lonely.png")], {}, nodeDecode)).rejects.toThrow(/files\[0\] \(lonely\.png\) has no folder path \(webkitRelativePath is ""\); pick a folder with <input type="file" webkitdirectory>/);
    await expect(imageFolderFromFileList([{ file: new Blob(["x"]), path: "a/../../etc/x.png" }], {}, nodeDecode)).rejects.toThrow(/path a\/\.\.\/\.\.\/etc\/x\.png leads out of the folder/);
    await expect(imageFolderFromFileList([42 as unknown as FileWithPath], {}, nodeDecode)).rejects.toThrow(/files\[0\] must be a File or \{ file: Blob, path: string \}/);
    const photo = golden("photo.jpg");
    await expect(imageFolderFromFileList(files({ "a/cut.jpg": photo.subarray(0, 300), "b/1.png": tree["cats/1.png"]! }), {}, nodeDecode)).rejects.toThrow(/a\/cut\.jpg: decodeJpeg: corrupt or truncated/);
    await expect(imageFolderFromFileList(files({ "a/1.png": tree["cats/1.png"]!, "b/1.png": tree["cats/1.png"]! }), { imageSize: 8192 }, nodeDecode)).rejects.toThrow(/2 images of 8192 x 8192 x 3 take 1\.5 GiB as floats, more than the 1 GiB \(MAX_BROWSER_PRELOAD_BYTES\)/);
    await expect(imageFolderFromFileList(files({ "a/1.png": tree["cats/1.png"]! }), { colour: "rgb" } as never, nodeDecode)).rejects.toThrow(/imageFolderFromFiles: unknown option "colour"/);
  });

  it("decodeWithPlatform checks the header, then says when there is no platform decoder (Node)", async () => {
    await expect(decodeWithPlatform(new TextEncoder().encode("nope"), "x.png")).rejects.toThrow(/x\.png: not a PNG, JPEG, BMP or GIF image/);
    await expect(decodeWithPlatform(golden("rgb.png"), "x.png")).rejects.toThrow(/no createImageBitmap or OffscreenCanvas; in Node use datasets\.imageFolder\(dir\)/);
    await expect(datasets.imageFolderFromFiles([inputFile("a/1.png", golden("rgb.png"))])).rejects.toThrow(/no createImageBitmap/);
  });
});
