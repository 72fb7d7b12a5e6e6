/**
 * datasets.loadFashionMnist: the loader on small fake folders of IDX files written here
 * (gzipped and plain, broken in each way a folder can be), and on Debian's real
 * `dataset-fashion-mnist` files when that package is installed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { datasets, encodeIdx } from "../../ts/data/datasets.js";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from "../../ts/data/fashion_mnist.js";

const root = mkdtempSync(join(tmpdir(), "simdnet-fashion-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FakeSplit { n: number; side?: [number, number]; labels?: number[] }

/** Pixel i of a fake image: a value in 0..255 that differs from image to image. */
const pixel = (i: number): number => (i * 37 + 11) % 256;

/** Writes the four files into a new folder; `gzip` chooses the format, `omit` leaves one out. */
function fakeDir(name: string, train: FakeSplit, test: FakeSplit, opts: { gzip?: boolean; omit?: string } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const write = (file: string, bytes: Uint8Array): void => {
    if (file === opts.omit) return;
    writeFileSync(join(dir, opts.gzip ? `${file}.gz` : file), opts.gzip ? gzipSync(bytes) : bytes);
  };
  for (const [prefix, split] of [["train", train], ["t10k", test]] as const) {
    const [h, w] = split.side ?? [28, 28];
    write(`${prefix}-images-idx3-ubyte`, encodeIdx([split.n, h, w], Uint8Array.from({ length: split.n * h * w }, (_, i) => pixel(i))));
    const labels = split.labels ?? Array.from({ length: split.n }, (_, i) => i % 10);
    write(`${prefix}-labels-idx1-ubyte`, encodeIdx([labels.length], Uint8Array.from(labels)));
  }
  return dir;
}

describe("loadFashionMnist on fake folders", () => {
  it.each([true, false])("reads the four files (gzip %s): shapes, pixels scaled to [0, 1], labels, class names", (gzip) => {
    const dir = fakeDir(`ok-${gzip}`, { n: 30 }, { n: 20 }, { gzip });
    const d = loadFashionMnist({ dir });
    expect(d.train.x.shape).toEqual([30, 28, 28, 1]);
    expect(d.train.y.shape).toEqual([30]);
    expect(d.test.x.shape).toEqual([20, 28, 28, 1]);
    expect(d.test.y.shape).toEqual([20]);
    for (const i of [0, 1, 783, 784, 30 * 784 - 1]) expect(d.train.x.data[i]).toBeCloseTo(pixel(i) / 255, 7);
    expect(Array.from(d.test.y.data.slice(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(d.classNames).toBe(FASHION_MNIST_CLASSES);
  });

  it("names the ten classes in label order", () => {
    expect(FASHION_MNIST_CLASSES).toEqual(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);
    expect(Object.isFrozen(FASHION_MNIST_CLASSES)).toBe(true);
  });

  it("works through the lazy datasets namespace", async () => {
    const dir = fakeDir("lazy", { n: 3 }, { n: 2 }, { gzip: true });
    const d = await datasets.loadFashionMnist({ dir });
    expect(d.train.x.shape).toEqual([3, 28, 28, 1]);
    expect(d.classNames[9]).toBe("Ankle boot");
  });

  it("a missing folder names the Debian package to install", () => {
    const dir = join(root, "does-not-exist");
    expect(() => loadFashionMnist({ dir })).toThrow(`loadFashionMnist: Fashion-MNIST not found: ${dir} is not a folder; install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or pass { dir }`);
  });

  it("a folder without one of the files names the file and the package", () => {
    const dir = fakeDir("no-test-labels", { n: 3 }, { n: 2 }, { gzip: true, omit: "t10k-labels-idx1-ubyte" });
    expect(() => loadFashionMnist({ dir })).toThrow(`loadFashionMnist: ${dir} has no t10k-labels-idx1-ubyte.gz (or t10k-labels-idx1-ubyte); install Debian's dataset-fashion-mnist package`);
  });

  it("refuses a file path as the folder", () => {
    const dir = fakeDir("file-not-dir", { n: 3 }, { n: 2 });
    const file = join(dir, "train-images-idx3-ubyte");
    expect(() => loadFashionMnist({ dir: file })).toThrow(`loadFashionMnist: Fashion-MNIST not found: ${file} is not a folder`);
  });

  it("refuses labels outside 0..9, naming the file and the index", () => {
    const dir = fakeDir("bad-label", { n: 3, labels: [1, 10, 2] }, { n: 2 });
    expect(() => loadFashionMnist({ dir })).toThrow(`loadFashionMnist: ${join(dir, "train-labels-idx1-ubyte")} has label 10 at index 1, expected a class index 0..9`);
  });

  it("refuses images that are not 28x28", () => {
    const dir = fakeDir("bad-side", { n: 3 }, { n: 2, side: [32, 32] });
    expect(() => loadFashionMnist({ dir })).toThrow(`loadFashionMnist: ${join(dir, "t10k-images-idx3-ubyte")} holds images of 32x32, expected 28x28`);
  });

  it("refuses images and labels of different counts (the IDX loader's check)", () => {
    const dir = fakeDir("count", { n: 3, labels: [1, 2] }, { n: 2 });
    expect(() => loadFashionMnist({ dir })).toThrow("holds 3 images but");
  });

  it("passes on the IDX parser's error for a corrupt file, with its path", () => {
    const dir = fakeDir("corrupt", { n: 3 }, { n: 2 });
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), Uint8Array.of(0x12, 0x34, 8, 3));
    expect(() => loadFashionMnist({ dir })).toThrow(`${join(dir, "t10k-images-idx3-ubyte")}: bad magic at offset 0`);
  });

  it("checks its options", () => {
    expect(() => loadFashionMnist({ folder: "/tmp" } as never)).toThrow('loadFashionMnist: unknown option "folder"; expected one of dir');
    expect(() => loadFashionMnist({ dir: "" })).toThrow('loadFashionMnist: dir must be a non-empty string (a folder path), received ""');
    expect(() => loadFashionMnist({ dir: 3 } as never)).toThrow("loadFashionMnist: dir must be a non-empty string (a folder path), received number");
    expect(() => loadFashionMnist(null as never)).toThrow("loadFashionMnist: options must be an object such as { dir }, received null");
  });
});

const installed = existsSync(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));

describe.skipIf(!installed)(`loadFashionMnist on Debian's files${installed ? "" : ` (skipped: ${FASHION_MNIST_DIR} is missing; apt-get install dataset-fashion-mnist)`}`, () => {
  it("loads 60,000 training and 10,000 test images, 6,000 and 1,000 per class", () => {
    const d = loadFashionMnist();
    expect(d.train.x.shape).toEqual([60000, 28, 28, 1]);
    expect(d.test.x.shape).toEqual([10000, 28, 28, 1]);
    const perClass = (y: Float32Array): number[] => {
      const c = new Array<number>(10).fill(0);
      for (const v of y) c[v]!++;
      return c;
    };
    expect(perClass(d.train.y.data)).toEqual(new Array(10).fill(6000));
    expect(perClass(d.test.y.data)).toEqual(new Array(10).fill(1000));
    let min = Infinity, max = -Infinity;
    for (const v of d.test.x.data) { min = Math.min(min, v); max = Math.max(max, v); }
    expect([min, max]).toEqual([0, 1]);
    // The files' first labels (Zalando's README shows them): an ankle boot, then a T-shirt.
    expect(Array.from(d.train.y.data.slice(0, 3))).toEqual([9, 0, 0]);
    expect(Array.from(d.test.y.data.slice(0, 3))).toEqual([9, 2, 1]);
  });
});
