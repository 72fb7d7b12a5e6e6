/**
 * Kaggle "Digit Recognizer" CSV files: a header `label,pixel0,...,pixel783` (test files
 * have no label column), then one image per line, pixel values 0..255. Pure: no Node
 * imports, so a browser can parse a file the user picked (the Node loader is in files.ts).
 */
import { tensor, type Tensor } from "../tensor.js";
import { isDetached } from "../io/json.js";

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Images `[n, 28, 28, 1]` in [0, 1], and labels `[n]` when the file has a label column. */
export interface DigitCsv {
  /** The images, `[n, 28, 28, 1]`, pixel / 255. */
  x: Tensor;
  /** The labels 0..9 as floats, `[n]`; null for a file without a label column. */
  y: Tensor | null;
}

/** The lines of a CSV, read one at a time (so a large file need not be one string). */
interface Lines {
  /** Lines, trailing blank ones excluded. */
  readonly count: number;
  /** Line `i` (0-based) without its line end. */
  line(i: number): string;
}

/**
 * Parses a Digit Recognizer CSV. Accepts CRLF or LF line ends, a byte-order mark and
 * trailing blank lines. Errors name the line (1-based, the header is line 1) and the
 * column (1-based, with its header name).
 */
export function parseDigitCsv(text: string): DigitCsv {
  if (typeof text !== "string") {
    throw new Error(`parseDigitCsv: text must be a string, received ${typeof text}`);
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return parseLines({ count: lines.length, line: (i) => lines[i]! });
}

/**
 * Parses a Digit Recognizer CSV from its UTF-8 bytes, as {@link parseDigitCsv} does from
 * text, without making the whole file one string: lines are found in the bytes and
 * decoded one at a time, so a file far larger than a string can hold still parses (the
 * Node loader uses this).
 */
export function parseDigitCsvBytes(bytes: Uint8Array): DigitCsv {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`parseDigitCsv: bytes must be a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  }
  if (isDetached(bytes.buffer)) throw new Error("parseDigitCsv: bytes is a view of a detached ArrayBuffer (it was transferred, e.g. to a worker, and holds nothing now)");
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const starts: number[] = [bom];
  for (let i = bytes.indexOf(10, bom); i !== -1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  const decoder = new TextDecoder();
  const line = (i: number): string => {
    let end = i + 1 < starts.length ? starts[i + 1]! - 1 : bytes.length;
    if (end > starts[i]! && bytes[end - 1] === 13) end--;
    return decoder.decode(bytes.subarray(starts[i]!, end));
  };
  let count = starts.length;
  while (count > 0 && line(count - 1).trim() === "") count--;
  return parseLines({ count, line });
}

function parseLines(lines: Lines): DigitCsv {
  if (lines.count === 0) {
    throw new Error("parseDigitCsv: the file is empty; expected a header line label,pixel0,...,pixel783 (or pixel0,...,pixel783 for unlabeled images)");
  }
  const header = lines.line(0).split(",").map((c) => c.trim());
  const labeled = header[0] === "label";
  const names = labeled ? ["label"] : [];
  for (let i = 0; i < PIXELS; i++) names.push(`pixel${i}`);
  if (header.length !== names.length) {
    throw new Error(`parseDigitCsv: line 1 (header) has ${header.length} columns, expected ${names.length} (${labeled ? "label,pixel0,...,pixel783" : "pixel0,...,pixel783, or label first"})`);
  }
  header.forEach((cell, i) => {
    if (cell !== names[i]) throw new Error(`parseDigitCsv: line 1 (header), column ${i + 1} is "${cell}", expected "${names[i]}"`);
  });

  const n = lines.count - 1;
  const x = new Float32Array(n * PIXELS);
  const y = labeled ? new Float32Array(n) : null;
  for (let row = 0; row < n; row++) {
    const line = lines.line(row + 1);
    if (parseCleanRow(line, labeled, x, row * PIXELS, y, row)) continue;
    const lineNo = row + 2;
    const cells = line.split(",");
    if (cells.length !== names.length) {
      throw new Error(`parseDigitCsv: line ${lineNo} has ${cells.length} columns, expected ${names.length} like the header`);
    }
    for (let col = 0; col < cells.length; col++) {
      const raw = cells[col]!.trim();
      const v = raw === "" ? NaN : Number(raw);
      const where = `parseDigitCsv: line ${lineNo}, column ${col + 1} (${names[col]})`;
      if (Number.isNaN(v)) throw new Error(`${where}: "${raw}" is not a number`);
      if (labeled && col === 0) {
        if (!Number.isInteger(v) || v < 0 || v > 9) throw new Error(`${where}: label ${raw} is not a digit 0..9`);
        y![row] = v;
      } else {
        if (!(v >= 0 && v <= 255)) throw new Error(`${where}: pixel value ${raw} is outside 0..255`);
        x[row * PIXELS + col - (labeled ? 1 : 0)] = v / 255;
      }
    }
  }
  return { x: tensor(x, [n, SIDE, SIDE, 1]), y: y ? tensor(y, [n]) : null };
}

/**
 * The fast path for the usual line: only digits and commas, every value in range. Parses
 * without creating strings; returns false (leaving the careful path to explain) otherwise.
 */
function parseCleanRow(line: string, labeled: boolean, x: Float32Array, xOffset: number, y: Float32Array | null, row: number): boolean {
  const columns = labeled ? PIXELS + 1 : PIXELS;
  let col = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= line.length; i++) {
    const ch = i < line.length ? line.charCodeAt(i) : 44; // the end of the line ends a cell like a comma
    if (ch >= 48 && ch <= 57) {
      value = value * 10 + ch - 48;
      if (++digits > 3) return false;
    } else if (ch === 44) {
      if (digits === 0 || col >= columns) return false;
      if (labeled && col === 0) {
        if (value > 9) return false;
        y![row] = value;
      } else {
        if (value > 255) return false;
        x[xOffset + col - (labeled ? 1 : 0)] = value / 255;
      }
      col++;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return col === columns;
}
