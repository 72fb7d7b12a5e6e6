/**
 * datasets.imageFolder in Node: Keras's file order and class names (golden from real
 * Keras), labels, colour modes, the split, per-epoch shuffles, reading per batch, every
 * bad folder a user or an attacker can make, and training on a folder of digits.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../ts/data/datasets.js";
import { decodeImageChannels } from "../../ts/data/image_decode_node.js";
import { imageFolder } from "../../ts/data/image_folder_node.js";
import { loadMnistDigits } from "../../ts/data/mnist.js";
import { encodePng } from "../../ts/data/png.js";
import { resizeBilinear } from "../../ts/data/resize.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { encodeBmp24, makeTree } from "../helpers/images.js";
import { rng } from "../helpers/random.js";

const GOLDEN = join(import.meta.dirname, "../golden/images");
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(GOLDEN, "src", name)));
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(files: Record<string, Uint8Array | string>): string {
  const root = makeTree(files);
  roots.push(root);
  return root;
}

/** A w x h gray PNG whose pixels are `value + index` (mod 256). */
function grayPng(w: number, h: number, value: number): Uint8Array {
  return encodePng(Uint8Array.from({ length: w * h }, (_, i) => (value + i) % 256), w, h);
}

/** x and y of a whole epoch, filled in batches of 3. */
function readEpoch(source: ReturnType<typeof imageFolder> & { fill: unknown }, epoch = 0): { x: Float32Array; y: Float32Array } {
  const size = source.sampleShape.reduce((a, b) => a * b, 1);
  const labelSize = source.labelShape[0] ?? 1;
  const x = new Float32Array(source.length * size), y = new Float32Array(source.length * labelSize);
  source.startEpoch(epoch);
  for (let start = 0; start < source.length; start += 3) {
    const count = Math.min(3, source.length - start);
    source.fill(start, count, x.subarray(start * size), y.subarray(start * labelSize));
  }
  return { x, y };
}

describe("file order and classes as Keras's index_directory", () => {
  it("matches the golden listing: classes sorted, hidden folders and other extensions skipped, folders walked in order", () => {
    const order = JSON.parse(readFileSync(join(GOLDEN, "order.json"), "utf8")) as { tree: string[]; filePaths: string[]; classNames: string[] };
    const png = grayPng(2, 2, 0);
    const root = tree(Object.fromEntries(order.tree.map((rel) => [rel, rel.endsWith(".txt") ? "text" : rel.endsWith(".jpg") ? golden("photo.jpg") : png])));
    const source = imageFolder(root, { shuffle: false, imageSize: [4, 4] });
    expect(source.filePaths).toEqual(order.filePaths);
    expect(source.classNames).toEqual(order.classNames);
    expect(Array.from(source.labels)).toEqual(order.filePaths.map((p) => order.classNames.indexOf(p.split("/")[0]!)));
  });

  it("keeps the order of given classNames and takes only those classes", () => {
    const root = tree({ "cat/1.png": grayPng(3, 3, 0), "dog/1.png": grayPng(3, 3, 9), "eel/1.png": grayPng(3, 3, 5) });
    const source = imageFolder(root, { shuffle: false, classNames: ["eel", "cat"], imageSize: 3 });
    expect(source.classNames).toEqual(["eel", "cat"]);
    expect(source.filePaths).toEqual(["eel/1.png", "cat/1.png"]);
    expect(() => imageFolder(root, { classNames: ["cat", "cow"] })).toThrow(/imageFolder: classNames \["cow"\] are not subfolders of .*; its subfolders are \["cat", "dog", "eel"\]/);
  });
});

describe("samples and labels", () => {
  const rgb = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  const files = { "a/x.png": grayPng(6, 5, 10), "b/y.bmp": encodeBmp24(rgb, 5, 4), "b/z.jpg": golden("photo.jpg"), "c/w.gif": golden("palette.gif") };

  it("decodes, converts and resizes every format as the decoders and resizeBilinear do", () => {
    const root = tree(files);
    for (const [colorMode, channels] of [["rgb", 3], ["grayscale", 1], ["rgba", 4]] as const) {
      const source = imageFolder(root, { shuffle: false, imageSize: [7, 3], colorMode });
      expect(source.sampleShape).toEqual([7, 3, channels]);
      const { x } = readEpoch(source);
      source.filePaths.forEach((p, i) => {
        const image = decodeImageChannels(new Uint8Array(readFileSync(join(root, p))), p, channels);
        const want = resizeBilinear(image.data, image.height, image.width, channels, 7, 3);
        expectClose(x.subarray(i * want.length, (i + 1) * want.length), want, `${p} ${colorMode}`, 0, 0);
      });
    }
  });

  it("writes int, categorical and binary labels, and none for labelMode null", () => {
    const root = tree(files);
    const int = imageFolder(root, { shuffle: false, imageSize: 2 });
    expect(int.labelShape).toEqual([]);
    expect(Array.from(readEpoch(int).y)).toEqual([0, 1, 1, 2]);
    const cat = imageFolder(root, { shuffle: false, imageSize: 2, labelMode: "categorical" });
    expect(cat.labelShape).toEqual([3]);
    expect(Array.from(readEpoch(cat).y)).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
    const two = tree({ "no/1.png": grayPng(2, 2, 0), "yes/1.png": grayPng(2, 2, 0), "yes/2.png": grayPng(2, 2, 0) });
    const bin = imageFolder(two, { shuffle: false, imageSize: 2, labelMode: "binary" });
    expect(bin.labelShape).toEqual([1]);
    expect(Array.from(readEpoch(bin).y)).toEqual([0, 1, 1]);
    expect(() => imageFolder(root, { labelMode: "binary" })).toThrow(/labelMode "binary" needs exactly 2 classes, .* has 3: \["a", "b", "c"\]/);
    // No labels: every image below the root, classes or not (Keras's labels=None).
    const flat = tree({ "1.png": grayPng(2, 2, 0), "sub/2.png": grayPng(2, 2, 0) });
    const none = imageFolder(flat, { shuffle: false, imageSize: 2, labelMode: null });
    expect(none.classNames).toBe(null);
    expect(none.filePaths).toEqual(["1.png", "sub/2.png"]);
    expect(none.toTensors().y).toBe(null);
    expect(() => none.fill(0, 1, new Float32Array(12), new Float32Array(1))).toThrow(/fill: this source has no labels \(labelMode null\), so fit and evaluate cannot use it/);
  });

  it("toTensors gives the files in file order, as fill does without shuffling", () => {
    const root = tree(files);
    const source = imageFolder(root, { shuffle: false, imageSize: [3, 4], labelMode: "categorical" });
    const { x, y } = source.toTensors();
    expect(x.shape).toEqual([4, 3, 4, 3]);
    expect(y!.shape).toEqual([4, 3]);
    const epoch = readEpoch(source);
    expect(Array.from(x.data)).toEqual(Array.from(epoch.x));
    expect(Array.from(y!.data)).toEqual(Array.from(epoch.y));
    expect(source.toTensors(1, 2).x.shape).toEqual([2, 3, 4, 3]);
    expect(() => source.toTensors(3, 2)).toThrow(/toTensors: images 3 to 5 are outside the 4 images/);
  });

  it("reads files when a batch needs them, not when the source is made", () => {
    const root = tree({ "a/1.png": grayPng(2, 2, 0), "b/1.png": grayPng(2, 2, 0) });
    const source = imageFolder(root, { shuffle: false, imageSize: 2, colorMode: "grayscale" });
    writeFileSync(join(root, "b/1.png"), grayPng(2, 2, 100));
    expect(Array.from(readEpoch(source).x.subarray(4))).toEqual([100, 101, 102, 103]);
  });
});

describe("shuffling and the validation split", () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 30; i++) files[`${"abc"[i % 3]}/${String(i).padStart(2, "0")}.png`] = grayPng(2, 2, i);
  const root = tree(files);

  it("shuffles files once by the seed, then every epoch differently, reproducibly", () => {
    const a = imageFolder(root, { seed: 5, imageSize: 2 }), b = imageFolder(root, { seed: 5, imageSize: 2 });
    const plain = imageFolder(root, { shuffle: false, imageSize: 2 });
    expect(a.filePaths).toEqual(b.filePaths);
    expect(a.filePaths).not.toEqual(plain.filePaths);
    expect([...a.filePaths].sort()).toEqual([...plain.filePaths].sort());
    expect(Array.from(readEpoch(a, 1).x)).toEqual(Array.from(readEpoch(b, 1).x));
    expect(Array.from(readEpoch(a, 0).x)).not.toEqual(Array.from(readEpoch(a, 1).x));
    expect(Array.from(readEpoch(plain, 0).x)).toEqual(Array.from(readEpoch(plain, 1).x));
    expect(imageFolder(root, { seed: 6, imageSize: 2 }).filePaths).not.toEqual(a.filePaths);
  });

  it("keeps the last int(split * n) shuffled files for validation, disjoint from training", () => {
    const [train, val] = imageFolder(root, { seed: 3, validationSplit: 0.25, subset: "both", imageSize: 2 });
    expect(val.length).toBe(7);
    expect(train.length).toBe(23);
    expect(new Set([...train.filePaths, ...val.filePaths]).size).toBe(30);
    const all = imageFolder(root, { seed: 3, imageSize: 2 });
    expect([...train.filePaths, ...val.filePaths]).toEqual(all.filePaths);
    expect(imageFolder(root, { seed: 3, validationSplit: 0.25, subset: "validation", imageSize: 2 }).filePaths).toEqual(val.filePaths);
    expect(imageFolder(root, { seed: 3, validationSplit: 0.25, subset: "training", imageSize: 2 }).filePaths).toEqual(train.filePaths);
    expect(train.classNames).toEqual(["a", "b", "c"]);
    expect(val.classNames).toEqual(["a", "b", "c"]);
  });

  it("refuses splits Keras refuses, and ones that leave a part empty", () => {
    expect(() => imageFolder(root, { validationSplit: 0.2, subset: "training" })).toThrow(/imageFolder: with validationSplit and shuffle, pass a seed/);
    expect(() => imageFolder(root, { validationSplit: 0.2 })).toThrow(/validationSplit and subset go together/);
    expect(() => imageFolder(root, { subset: "training" })).toThrow(/validationSplit and subset go together/);
    expect(() => imageFolder(root, { validationSplit: 1.5, subset: "training", seed: 1 })).toThrow(/validationSplit must be a number in \(0, 1\), received 1\.5/);
    expect(() => imageFolder(root, { validationSplit: 0.01, subset: "training", seed: 1 })).toThrow(/validationSplit 0\.01 of 30 images leaves no validation images/);
    expect(() => imageFolder(root, { validationSplit: 0.2, subset: "test" as "training", seed: 1 })).toThrow(/subset must be "training", "validation" or "both", received "test"/);
  });
});

describe("bad folders and files", () => {
  it("refuses a missing folder, a file, an empty folder, a folder of files, a class without images", () => {
    expect(() => imageFolder("/no/such/folder")).toThrow(/imageFolder: cannot open folder \/no\/such\/folder \(ENOENT\)/);
    const root = tree({ "a/1.png": grayPng(2, 2, 0), "b/notes.txt": "hi", "loose.png": grayPng(2, 2, 0) });
    expect(() => imageFolder(join(root, "loose.png"))).toThrow(/loose\.png is a file, expected a folder/);
    expect(() => imageFolder(tree({}))).toThrow(/has no subfolders; expected one folder per class/);
    expect(() => imageFolder(tree({ "1.png": grayPng(2, 2, 0), ".git/x.png": grayPng(2, 2, 0) }))).toThrow(/has no subfolders/);
    expect(() => imageFolder(root)).toThrow(/imageFolder: class folder .*\/b holds no images \(files ending in \.bmp, \.gif, \.jpeg, \.jpg, \.png\)/);
    expect(() => imageFolder(tree({ "1.png": grayPng(2, 2, 0) }).concat("/x"))).toThrow(/cannot open folder/);
  });

  it("names the file for a corrupt image, a truncated JPEG and a 20000 x 20000 image (refused from its header)", () => {
    const photo = golden("photo.jpg");
    const big = grayPng(2, 2, 0).slice();
    new DataView(big.buffer).setUint32(16, 20000);
    new DataView(big.buffer).setUint32(20, 20000);
    for (const [name, bytes, message] of [
      ["bad.png", new TextEncoder().encode("not an image at all"), /not a PNG, JPEG, BMP or GIF image/],
      ["cut.jpg", photo.subarray(0, photo.length >> 1), /decodeJpeg: corrupt or truncated JPEG data/],
      ["big.png", big, /a 20000 x 20000 image \(400\.0 Mpx\) is larger than the 64 Mpx simdnet decodes \(MAX_IMAGE_PIXELS\)/],
    ] as const) {
      const root = tree({ "a/ok.png": grayPng(2, 2, 0), [`b/${name}`]: bytes });
      const source = imageFolder(root, { shuffle: false, imageSize: 2 });
      const x = new Float32Array(2 * 12), y = new Float32Array(2);
      source.fill(0, 1, x, y);
      expect(() => source.fill(1, 1, x, y), name).toThrow(new RegExp(`${root}/b/${name.replace(".", "\\.")}: .*${message.source}`));
    }
  });

  it("refuses a symbolic link out of the folder, wherever it is, and one back to it", () => {
    const outside = tree({ "secret.png": grayPng(2, 2, 0), "cls/1.png": grayPng(2, 2, 0) });
    const root = tree({ "a/1.png": grayPng(2, 2, 0), "b/1.png": grayPng(2, 2, 0) });
    symlinkSync(join(outside, "secret.png"), join(root, "a/link.png"));
    expect(() => imageFolder(root)).toThrow(new RegExp(`imageFolder: ${root}/a/link\\.png is a symbolic link to ${outside}/secret\\.png, outside ${root}; copy the images into the folder instead`));
    rmSync(join(root, "a/link.png"));
    symlinkSync(join(outside, "cls"), join(root, "c"));
    expect(() => imageFolder(root)).toThrow(/c is a symbolic link to .*cls, outside/);
    rmSync(join(root, "c"));
    symlinkSync(root, join(root, "b/loop"));
    expect(() => imageFolder(root)).toThrow(/b\/loop is a symbolic link back to .* itself/);
    rmSync(join(root, "b/loop"));
    // Links that stay inside are fine: a file is read, a folder below a class is not followed (Keras).
    symlinkSync(join(root, "a/1.png"), join(root, "b/again.png"));
    mkdirSync(join(root, "store"));
    writeFileSync(join(root, "store/2.png"), grayPng(2, 2, 0));
    symlinkSync(join(root, "store"), join(root, "a/store"));
    const inside = imageFolder(root, { shuffle: false, classNames: ["a", "b"], imageSize: 2 });
    expect(inside.filePaths).toEqual(["a/1.png", "b/1.png", "b/again.png"]);
    expect(() => inside.toTensors()).not.toThrow();
    // A file swapped for a link after the listing is not followed.
    rmSync(join(root, "b/1.png"));
    symlinkSync(join(outside, "secret.png"), join(root, "b/1.png"));
    expect(() => inside.toTensors()).toThrow(/imageFolder: cannot read .*b\/1\.png: ELOOP/);
  });

  it("refuses a FIFO named like an image instead of hanging on it", () => {
    const root = tree({ "a/1.png": grayPng(2, 2, 0) });
    execFileSync("mkfifo", [join(root, "a/pipe.png")]);
    expect(() => imageFolder(root)).toThrow(/a\/pipe\.png is not a regular file \(a FIFO, socket or device named like an image\)/);
  });

  it("checks options before reading anything", () => {
    const root = tree({ "a/1.png": grayPng(2, 2, 0) });
    expect(() => imageFolder(root, { image_size: [2, 2] } as never)).toThrow(/imageFolder: unknown option "image_size"; expected one of labelMode, classNames/);
    expect(() => imageFolder(root, { imageSize: [0, 4] })).toThrow(/imageSize must be whole numbers in \[1, 8192\], received \[0, 4\]/);
    expect(() => imageFolder(root, { colorMode: "bgr" as "rgb" })).toThrow(/colorMode must be "rgb", "grayscale" or "rgba", received "bgr"/);
    expect(() => imageFolder(root, { batchSize: 0 })).toThrow(/batchSize must be a whole number >= 1, received 0/);
    expect(() => imageFolder(root, { labelMode: "sparse" as "int" })).toThrow(/labelMode must be "int", "categorical", "binary" or null/);
    expect(() => imageFolder(root, { labelMode: null, classNames: ["a"] })).toThrow(/classNames cannot be given with labelMode null/);
    expect(() => imageFolder(42 as unknown as string)).toThrow(/imageFolder: dir must be the path of a folder, received 42/);
    const source = imageFolder(root, { imageSize: 2 });
    expect(() => source.fill(0, 2, new Float32Array(8), new Float32Array(2))).toThrow(/fill: samples 0 to 2 are outside the 1 images/);
    expect(() => source.fill(0, 1, new Float32Array(3), new Float32Array(1))).toThrow(/fill: x must be a Float32Array of at least 12 values/);
  });
});

describe("readImage", () => {
  it("gives one file as imageFolder gives it, and names the file in errors", async () => {
    const root = tree({ "a/x.jpg": golden("photo.jpg"), "b/y.png": grayPng(3, 3, 0) });
    const source = imageFolder(root, { shuffle: false, imageSize: [5, 6], colorMode: "grayscale" });
    const x = await datasets.readImage(join(root, "a/x.jpg"), { imageSize: [5, 6], colorMode: "grayscale" });
    expect(x.shape).toEqual([1, 5, 6, 1]);
    expect(Array.from(x.data)).toEqual(Array.from(source.toTensors(0, 1).x.data));
    expect((await datasets.readImage(join(root, "b/y.png"))).shape).toEqual([1, 256, 256, 3]);
    await expect(datasets.readImage(join(root, "nope.png"))).rejects.toThrow(/readImage: cannot read .*nope\.png: ENOENT/);
    await expect(datasets.readImage(join(root, "a"))).rejects.toThrow(/readImage: cannot read .*a: (EISDIR|it is not a regular file)/);
    await expect(datasets.readImage(join(root, "a/x.jpg"), { seed: 1 } as never)).rejects.toThrow(/readImage: unknown option "seed"/);
  });
});

describe("training on a folder", () => {
  beforeAll(async () => {
    await init();
  });

  it("datasets.imageFolder feeds fit: digits as PNG and BMP files, some larger, reach a sensible accuracy", async () => {
    const { x, y } = loadMnistDigits();
    const files: Record<string, Uint8Array> = {};
    const next = rng(7);
    const perClass = 60;
    for (let d = 0; d < 10; d++) {
      let k = 0;
      for (let i = 0; i < 10000 && k < perClass; i++) {
        if (y.data[i] !== d) continue;
        const gray = Uint8Array.from(x.data.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
        const kind = next();
        if (kind < 0.3) files[`digit_${d}/${k}.bmp`] = encodeBmp24(Uint8Array.from({ length: 784 * 3 }, (_, j) => gray[Math.floor(j / 3)]!), 28, 28);
        else if (kind < 0.5) files[`digit_${d}/${k}.png`] = encodePng(Uint8Array.from({ length: 56 * 56 }, (_, j) => gray[Math.floor(j / 112) * 28 + Math.floor((j % 56) / 2)]!), 56, 56);
        else files[`digit_${d}/${k}.PNG`] = encodePng(gray, 28, 28);
        k++;
      }
    }
    const root = tree(files);
    const [train, val] = await datasets.imageFolder(root, { imageSize: [28, 28], colorMode: "grayscale", seed: 1, validationSplit: 0.2, subset: "both", batchSize: 16 });
    expect(train.classNames).toEqual(Array.from({ length: 10 }, (_, d) => `digit_${d}`));
    const model = new Sequential({
      seed: 2,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 5, activation: "relu", inputShape: [28, 28, 1] }),
        layers.maxPooling2d(),
        layers.flatten(),
        layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    // Pixels are in [0, 255] as in Keras: a small learning rate stands in for a rescaling layer.
    model.compile({ optimizer: optimizers.adam({ learningRate: 3e-4 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x: vx, y: vy } = val.toTensors();
    const history = await model.fit(train, { epochs: 12, verbose: 0, validationData: [vx, vy!] });
    const acc = history.history.val_accuracy!;
    expect(acc[acc.length - 1]).toBeGreaterThan(0.75);
    expect(model.evaluate(vx, vy!).accuracy).toBe(acc[acc.length - 1]);
  });
});
