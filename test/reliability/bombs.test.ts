/**
 * Decompression bombs and oversized files in every loader: a gzipped IDX file inflates to
 * at most what its header declares, and never past the documented limit; a CSV is
 * parsed line by line from its bytes (no whole-file string) and refused above the limit
 * before it is read; PNG shares the same capped inflation.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_DATA_FILE_BYTES, loadDigitCsv, loadIdxImages, loadIdxLabels, readIdx } from "../../ts/data/files.js";
import { MAX_INFLATED_BYTES, gunzipHead, inflateAtMost } from "../../ts/data/inflate.js";
import { parseDigitCsvBytes } from "../../ts/data/csv.js";
import { crc32, decodePng } from "../../ts/data/png.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-bombs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

function file(bytes: Uint8Array): string {
  const path = join(dir, `f-${count++}`);
  writeFileSync(path, bytes);
  return path;
}

function idxHeader(type: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out[2] = type;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe("gzipped IDX", () => {
  it("a header declaring 2,000,000 images is refused before the data is inflated", () => {
    const path = file(gzipSync(concat(idxHeader(0x08, [2_000_000, 28, 28]), new Uint8Array(1 << 20))));
    expect(() => loadIdxImages(path)).toThrow(
      `loadIdxImages: ${path}: the IDX header declares shape [2000000, 28, 28] of unsigned byte (1568000016 bytes with the header), more than the ${MAX_INFLATED_BYTES} bytes a file may inflate to`,
    );
  });

  it("data that inflates past what the header declares stops there", () => {
    // 10 labels declared, 64 MiB of zeros behind them: about 64 KiB gzipped.
    const bomb = gzipSync(concat(idxHeader(0x08, [10]), new Uint8Array(64 << 20)), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const path = file(bomb);
    expect(() => loadIdxLabels(path)).toThrow(`loadIdxLabels: ${path}: gzip data inflates to more than the 18 bytes its IDX header declares`);
  });

  it("a good file still loads, and the header can sit behind a long gzip file name", () => {
    const labels = concat(idxHeader(0x08, [5]), new Uint8Array([1, 2, 3, 4, 5]));
    expect(Array.from(readIdx(file(gzipSync(labels))).data)).toEqual([1, 2, 3, 4, 5]);
    // A gzip member with FNAME set (flag 0x08) and a 100,000-byte name before the data.
    const plain = gzipSync(labels);
    const named = concat(plain.subarray(0, 3), new Uint8Array([0x08]), plain.subarray(4, 10), new Uint8Array(100_000).fill(0x61), new Uint8Array([0]), plain.subarray(10));
    expect(Array.from(readIdx(file(named)).data)).toEqual([1, 2, 3, 4, 5]);
  });

  it("gunzipHead returns the start of the data with bounded output, whatever the ratio", () => {
    const bomb = gzipSync(new Uint8Array(32 << 20), { level: 9 });
    const head = gunzipHead(bomb, 1024);
    expect(head.length).toBeGreaterThanOrEqual(1024);
    expect(head.length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe("inflateAtMost (shared by IDX, CSV and PNG)", () => {
  it("returns the data up to the limit and null past it, gzip and zlib alike", () => {
    const data = new Uint8Array(1000).map((_, i) => i % 7);
    expect(inflateAtMost("gzip", gzipSync(data), 1000)).toEqual(data);
    expect(inflateAtMost("gzip", gzipSync(data), 999)).toBeNull();
    expect(inflateAtMost("zlib", deflateSync(data), 1000)).toEqual(data);
    expect(inflateAtMost("zlib", deflateSync(data), 10)).toBeNull();
    expect(() => inflateAtMost("gzip", gzipSync(data).subarray(0, 20), 1000)).toThrow(/gzip data is corrupt or truncated/);
  });
});

describe("CSV", () => {
  it("a file above the limit is refused before it is read (a sparse 1.5 GiB file)", () => {
    const path = join(dir, `huge-${count++}.csv`);
    writeFileSync(path, "");
    truncateSync(path, 1.5 * 1024 ** 3);
    expect(() => loadDigitCsv(path)).toThrow(`loadDigitCsv: ${path} holds ${1.5 * 1024 ** 3} bytes, more than the ${MAX_DATA_FILE_BYTES} bytes allowed`);
  });

  it("a gzipped CSV that inflates past the limit is refused", () => {
    const path = file(gzipSync(new Uint8Array(4 << 20).fill(0x30)));
    expect(() => loadDigitCsv(path, 1 << 20)).toThrow(`loadDigitCsv: ${path}: gzip data inflates to more than the 1048576 bytes allowed`);
  });

  it("parses from bytes line by line as the text parser does", () => {
    const header = ["label", ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(",");
    const row = (label: number) => [label, ...Array.from({ length: 784 }, (_, i) => (i * label) % 256)].join(",");
    const text = `\uFEFF${header}\r\n${row(3)}\n${row(7)}\r\n\n`;
    const parsed = parseDigitCsvBytes(new TextEncoder().encode(text));
    expect(Array.from(parsed.y!.data)).toEqual([3, 7]);
    expect(parsed.x.data[784 + 5]).toBeCloseTo(35 / 255, 6);
    expect(() => parseDigitCsvBytes(new TextEncoder().encode(`${header}\n${row(3)}\n1,2\n`))).toThrow("parseDigitCsv: line 3 has 2 columns, expected 785 like the header");
  });
});

describe("PNG", () => {
  it("image data that inflates past the image's size is refused (the same capped inflation)", () => {
    const chunk = (type: string, data: Uint8Array) => {
      const out = new Uint8Array(12 + data.length);
      const view = new DataView(out.buffer);
      view.setUint32(0, data.length);
      for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
      out.set(data, 8);
      view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
      return out;
    };
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, 4);
    new DataView(ihdr.buffer).setUint32(4, 4);
    ihdr[8] = 8;
    const png = concat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(new Uint8Array(32 << 20))), chunk("IEND", new Uint8Array(0)));
    expect(() => decodePng(png)).toThrow("decodePng: image data inflates to more than the 20 bytes a 4 x 4 grayscale image needs");
  });
});
