import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDigitCsv } from "../../ts/data/csv.js";
import { loadDigitCsv } from "../../ts/data/files.js";
import { rng } from "../helpers/random.js";

const PIXEL_NAMES = Array.from({ length: 784 }, (_, i) => `pixel${i}`);
const LABELED_HEADER = ["label", ...PIXEL_NAMES].join(",");
const UNLABELED_HEADER = PIXEL_NAMES.join(",");

function rows(next: () => number, n: number, labeled: boolean): { text: string[]; pixels: number[][]; labels: number[] } {
  const pixels: number[][] = [];
  const labels: number[] = [];
  const text: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = Array.from({ length: 784 }, () => Math.floor(next() * 256));
    const l = Math.floor(next() * 10);
    pixels.push(p);
    labels.push(l);
    text.push((labeled ? [l, ...p] : p).join(","));
  }
  return { text, pixels, labels };
}

/** A labeled file of one row whose cell `column` (0-based) is `cell`, the others valid. */
function withCell(column: number, cell: string): string {
  const cells = ["3", ...new Array<string>(784).fill("0")];
  cells[column] = cell;
  return [LABELED_HEADER, cells.join(",")].join("\n");
}

describe("parseDigitCsv", () => {
  it("reads labeled files with CRLF or LF, with or without a trailing newline", () => {
    const next = rng(4);
    const { text, pixels, labels } = rows(next, 5, true);
    for (const eol of ["\n", "\r\n"]) {
      for (const trailing of ["", eol]) {
        const { x, y } = parseDigitCsv([LABELED_HEADER, ...text].join(eol) + trailing);
        expect(x.shape).toEqual([5, 28, 28, 1]);
        expect(y!.shape).toEqual([5]);
        expect(Array.from(y!.data)).toEqual(labels);
        for (let i = 0; i < 5; i++) for (let j = 0; j < 784; j += 37) expect(x.data[i * 784 + j]).toBeCloseTo(pixels[i]![j]! / 255, 6);
      }
    }
  });

  it("reads unlabeled (test) files, header-only files and a byte-order mark", () => {
    const { text, pixels } = rows(rng(5), 3, false);
    const { x, y } = parseDigitCsv("\uFEFF" + [UNLABELED_HEADER, ...text].join("\n") + "\n");
    expect(y).toBeNull();
    expect(x.shape).toEqual([3, 28, 28, 1]);
    expect(x.data[2 * 784 + 783]).toBeCloseTo(pixels[2]![783]! / 255, 6);
    expect(parseDigitCsv(LABELED_HEADER + "\r\n").x.shape).toEqual([0, 28, 28, 1]);
  });

  it("reads unusual but valid numbers (spaces, decimals, leading zeros) like plain ones", () => {
    const plain = ["4", ...Array.from({ length: 784 }, (_, i) => String(i % 256))];
    const odd = plain.map((cell, i) => [cell, ` ${cell} `, `${cell}.0`, `000${cell}`, `${cell}e0`][i % 5]!);
    const a = parseDigitCsv([LABELED_HEADER, plain.join(",")].join("\n"));
    const b = parseDigitCsv([LABELED_HEADER, odd.join(","), plain.join(",")].join("\n"));
    expect(Array.from(b.x.data.subarray(0, 784))).toEqual(Array.from(a.x.data));
    expect(Array.from(b.x.data.subarray(784))).toEqual(Array.from(a.x.data));
    expect(Array.from(b.y!.data)).toEqual([4, 4]);
  });

  it("names the line and column of every kind of error", () => {
    expect(() => parseDigitCsv("")).toThrow("parseDigitCsv: the file is empty; expected a header line label,pixel0,...,pixel783");
    expect(() => parseDigitCsv("\r\n\n")).toThrow("parseDigitCsv: the file is empty");
    expect(() => parseDigitCsv("label,pixel0,pixel1")).toThrow("parseDigitCsv: line 1 (header) has 3 columns, expected 785");
    expect(() => parseDigitCsv(LABELED_HEADER.replace("pixel7,", "pixelseven,"))).toThrow('parseDigitCsv: line 1 (header), column 9 is "pixelseven", expected "pixel7"');
    expect(() => parseDigitCsv(LABELED_HEADER + "\n1,2,3")).toThrow("parseDigitCsv: line 2 has 3 columns, expected 785 like the header");
    expect(() => parseDigitCsv(withCell(10, "abc"))).toThrow('parseDigitCsv: line 2, column 11 (pixel9): "abc" is not a number');
    expect(() => parseDigitCsv(withCell(10, ""))).toThrow('parseDigitCsv: line 2, column 11 (pixel9): "" is not a number');
    expect(() => parseDigitCsv(withCell(785 - 1, "256"))).toThrow("parseDigitCsv: line 2, column 785 (pixel783): pixel value 256 is outside 0..255");
    expect(() => parseDigitCsv(withCell(1, "-1"))).toThrow("line 2, column 2 (pixel0): pixel value -1 is outside 0..255");
    expect(() => parseDigitCsv(withCell(0, "10"))).toThrow("parseDigitCsv: line 2, column 1 (label): label 10 is not a digit 0..9");
    expect(() => parseDigitCsv(withCell(0, "2.5"))).toThrow("column 1 (label): label 2.5 is not a digit 0..9");
    const blankInside = [LABELED_HEADER, "", ["1", ...new Array<string>(784).fill("0")].join(",")].join("\n");
    expect(() => parseDigitCsv(blankInside)).toThrow("parseDigitCsv: line 2 has 1 columns, expected 785");
  });
});

describe("loadDigitCsv", () => {
  const dir = mkdtempSync(join(tmpdir(), "simdnet-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file and names it in errors", () => {
    const { text, labels } = rows(rng(6), 4, true);
    const path = join(dir, "train.csv");
    writeFileSync(path, [LABELED_HEADER, ...text].join("\r\n") + "\r\n");
    expect(Array.from(loadDigitCsv(path).y!.data)).toEqual(labels);
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "label\n");
    expect(() => loadDigitCsv(bad)).toThrow(`loadDigitCsv: ${bad}: line 1 (header) has 1 columns, expected 785`);
  });
});
