import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx, parseIdx, type IdxData } from "../../ts/data/idx.js";
import { loadIdx, loadIdxImages, loadIdxLabels, readIdx } from "../../ts/data/files.js";
import { randomInt, rng } from "../helpers/random.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A hand-written IDX header: magic, type, rank, big-endian dims. */
function header(type: number, dims: number[]): number[] {
  const out = [0, 0, type, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return out;
}

const KINDS: [string, number, (n: number) => IdxData, (next: () => number) => number][] = [
  ["ubyte", 0x08, (n) => new Uint8Array(n), (r) => Math.floor(r() * 256)],
  ["sbyte", 0x09, (n) => new Int8Array(n), (r) => Math.floor(r() * 256) - 128],
  ["short", 0x0b, (n) => new Int16Array(n), (r) => Math.floor(r() * 65536) - 32768],
  ["int", 0x0c, (n) => new Int32Array(n), (r) => Math.floor(r() * 2 ** 32) - 2 ** 31],
  ["float", 0x0d, (n) => new Float32Array(n), (r) => Math.fround((r() - 0.5) * 1e6)],
  ["double", 0x0e, (n) => new Float64Array(n), (r) => (r() - 0.5) * 1e300],
];

describe("parseIdx", () => {
  it("reads hand-made big-endian files of every type", () => {
    expect(parseIdx(new Uint8Array([...header(0x08, [2, 3]), 1, 2, 3, 4, 5, 255]))).toEqual({ shape: [2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 255]) });
    expect(parseIdx(new Uint8Array([...header(0x09, [2]), 0x7f, 0x80])).data).toEqual(new Int8Array([127, -128]));
    expect(parseIdx(new Uint8Array([...header(0x0b, [2]), 0x01, 0x02, 0xff, 0xfe])).data).toEqual(new Int16Array([258, -2]));
    expect(parseIdx(new Uint8Array([...header(0x0c, [1]), 0x80, 0, 0, 1])).data).toEqual(new Int32Array([-2147483647]));
    expect(parseIdx(new Uint8Array([...header(0x0d, [1]), 0x3f, 0xc0, 0, 0])).data).toEqual(new Float32Array([1.5]));
    expect(parseIdx(new Uint8Array([...header(0x0e, [1]), 0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data).toEqual(new Float64Array([-2.5]));
    expect(parseIdx(new Uint8Array([...header(0x08, []), 9]))).toEqual({ shape: [], data: new Uint8Array([9]) });
    expect(parseIdx(new Uint8Array(header(0x0e, [0xffffffff, 0])))).toEqual({ shape: [0xffffffff, 0], data: new Float64Array(0) });
  });

  it("round-trips random arrays of every type and rank through encodeIdx, also from an offset view", () => {
    const next = rng(1);
    for (const [name, , make, draw] of KINDS) {
      for (let trial = 0; trial < 5; trial++) {
        const shape = Array.from({ length: randomInt(next, 1, 4) }, () => randomInt(next, 1, 5));
        const data = make(shape.reduce((a, b) => a * b, 1));
        for (let i = 0; i < data.length; i++) data[i] = draw(next);
        const bytes = encodeIdx(shape, data);
        const shifted = new Uint8Array(bytes.length + 3);
        shifted.set(bytes, 3);
        for (const input of [bytes, shifted.subarray(3)]) {
          const back = parseIdx(input);
          expect(back.shape, name).toEqual(shape);
          expect(back.data, name).toEqual(data);
        }
      }
    }
  });

  it("rejects malformed input with the offset and what was expected", () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 8]))).toThrow("parseIdx: truncated header: 3 bytes, expected at least 4");
    expect(() => parseIdx(new Uint8Array([0, 1, 8, 0, 0]))).toThrow("parseIdx: bad magic at offset 0: 0x00 0x01, expected 0x00 0x00");
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0a, 0, 0]))).toThrow("parseIdx: unknown data type 0x0a at offset 2, expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e");
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1, 0, 0]))).toThrow("parseIdx: truncated header: 2 dimensions need 12 header bytes, the input has 10");
    expect(() => parseIdx(new Uint8Array([...header(0x0b, [2, 2]), 1, 2, 3, 4, 5, 6, 7]))).toThrow("parseIdx: truncated data: shape [2, 2] of short (2 bytes each) does not fit in the 7 bytes after the header at offset 12");
    expect(() => parseIdx(new Uint8Array([...header(0x08, [2]), 1, 2, 3]))).toThrow("parseIdx: 1 trailing bytes at offset 10: shape [2] of unsigned byte ends there");
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip-compressed/);
    expect(() => parseIdx([0, 0, 8, 0] as unknown as Uint8Array)).toThrow("parseIdx: bytes must be a Uint8Array, received [object Array]");
  });

  it("rejects huge declared shapes without allocating them", () => {
    // 255 dimensions of 2^32 - 1 each: the product overflows a double many times over.
    const dims = new Array<number>(255).fill(0xffffffff);
    expect(() => parseIdx(new Uint8Array([...header(0x0e, dims), 1, 2, 3, 4]))).toThrow(/truncated data: shape \[4294967295, 4294967295, .* does not fit in the 4 bytes after the header at offset 1024/);
    expect(() => parseIdx(new Uint8Array(header(0x08, [60000, 28, 28])))).toThrow("does not fit in the 0 bytes after the header at offset 16");
  });
});

describe("IDX files", () => {
  const next = rng(2);
  const n = 7, h = 5, w = 4;
  const pixels = Uint8Array.from({ length: n * h * w }, () => Math.floor(next() * 256));
  pixels[0] = 0;
  pixels[1] = 255;
  const labels = Uint8Array.from({ length: n }, () => Math.floor(next() * 10));

  for (const gz of [false, true]) {
    const pack = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
    const suffix = gz ? ".gz" : "";
    it(`loads images and labels${gz ? " gzipped" : " plain"}`, () => {
      const imagesPath = file(`images${suffix}`, pack(encodeIdx([n, h, w], pixels)));
      const labelsPath = file(`labels${suffix}`, pack(encodeIdx([n], labels)));
      const { x, y } = loadIdx(imagesPath, labelsPath);
      expect(x.shape).toEqual([n, h, w, 1]);
      expect(x.data[0]).toBe(0);
      expect(x.data[1]).toBe(1);
      for (let i = 0; i < pixels.length; i++) expect(x.data[i]).toBeCloseTo(pixels[i]! / 255, 6);
      expect(y.shape).toEqual([n]);
      expect(Array.from(y.data)).toEqual(Array.from(labels));
      expect(readIdx(imagesPath).data).toEqual(pixels);
    });
  }

  it("checks counts, kinds and gzip integrity, naming the file", () => {
    const images = file("i", encodeIdx([n, h, w], pixels));
    const fewer = file("l", encodeIdx([n - 1], labels.subarray(1)));
    expect(() => loadIdx(images, fewer)).toThrow(`loadIdx: ${images} holds 7 images but ${fewer} holds 6 labels; expected the same count`);
    const flat = file("flat", encodeIdx([n * h * w], pixels));
    expect(() => loadIdxImages(flat)).toThrow(`loadIdxImages: ${flat}: images: expected unsigned bytes (type 0x08) of shape [n, height, width], received unsigned byte of shape [140]`);
    const floats = file("floats", encodeIdx([2], new Float32Array([0.5, 1])));
    expect(() => loadIdxLabels(floats)).toThrow(`loadIdxLabels: ${floats}: labels: expected integers of shape [n], received float of shape [2]`);
    const gz = gzipSync(encodeIdx([n], labels));
    const cut = file("cut.gz", new Uint8Array(gz.subarray(0, gz.length - 6)));
    expect(() => loadIdxLabels(cut)).toThrow(`loadIdxLabels: ${cut}: gzip data is corrupt or truncated`);
    const trailing = file("t", new Uint8Array([...encodeIdx([n], labels), 0]));
    expect(() => loadIdxLabels(trailing)).toThrow(`loadIdxLabels: ${trailing}: 1 trailing bytes at offset 15`);
    expect(() => loadIdxLabels(join(dir, "missing"))).toThrow(/loadIdxLabels: .*missing: ENOENT/);
  });

  it("encodeIdx rejects inconsistent input", () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow("encodeIdx: shape [2, 2] needs 4 values, received 3");
    expect(() => encodeIdx([-1], new Uint8Array(0))).toThrow("encodeIdx: shape [-1] has dimension -1");
  });
});
