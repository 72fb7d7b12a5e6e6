/**
 * `model.summary()` text in the format of tf.keras 2: `print_summary` in
 * keras/utils/layer_utils.py of Keras 2.9 to 2.12 (TensorFlow 2.9 to 2.12), sequential
 * layout. Keras 2.13 to 2.15 print the same table but the totals as
 * "Total params: 61706 (241.04 KB)"; we keep the earlier "61,706" that the course shows.
 *
 * The layout: columns end at int(0.45 * L), int(0.85 * L) and L (29, 55, 65 for the
 * default L = 65). Each cell gets a leading space (first column only) and its text cut to
 * the column width less two, followed by two spaces (none after the last column), then
 * padding to the column's end; a cell too long for its column continues on the next
 * line, and every line is padded to the full width. A line of L spaces follows each row.
 */
/*
 * Functional models (formatGraphSummary) get tf.keras 2's `print_summary` with
 * connections: width 98, columns ending at 0.33, 0.55, 0.67 and 1.0 of it (32, 53, 65,
 * 98), a fourth column "Connected to" holding Python's `str()` of the list of inbound
 * tensors ("['conv2d[0][0]', 'conv2d_1[0][0]']", broken after each item), and first the
 * InputLayer row, whose output shape is a list of one tuple ("[(None, 32, 32, 3)]").
 */

/** One layer's line in the summary. */
export interface SummaryRow {
  /** Layer name, e.g. "conv2d_1". */
  name: string;
  /** Keras class name, e.g. "Conv2D". */
  className: string;
  /** Output shape with null for the batch, e.g. [null, 28, 28, 6]. */
  outputShape: (number | null)[];
  /** Number of weights (kernel and bias). */
  params: number;
  /** False counts the params as non-trainable. Default true. */
  trainable?: boolean;
  /**
   * How many of `params` are not trained (BatchNormalization's moving statistics, or all
   * of a frozen layer's); when given it wins over `trainable`.
   */
  nonTrainableParams?: number;
  /** Lines printed under the row by `formatSummary(..., { explain: true })`. */
  explain?: string[];
}

/** Options of {@link formatSummary}. */
export interface SummaryOptions {
  /** Print each row's `explain` lines under it. Default false. */
  explain?: boolean;
  /** Width of the table. Default 65, as Keras for sequential models. */
  lineLength?: number;
}

const MIN_LINE_LENGTH = 20;

/** Python's `str()` of a shape tuple: "(None, 28, 28, 6)", "(None,)". */
export function formatShapeTuple(shape: readonly (number | null)[]): string {
  const items = shape.map((d) => (d === null ? "None" : String(d)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

/** 61706 -> "61,706" (Python's `f"{n:,}"`). */
export function withThousands(n: number): string {
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// Keras breaks a cell early right after the end of a tuple, dict, list or string item.
const BREAK_AFTER = ["),", "},", "],", "',"];

/** Explain lines under a row: indented by four spaces, short ones padded to the width, long ones kept whole. */
function explainLines(lines: readonly string[], width: number): string[] {
  return lines.map((text) => `    ${text}`.padEnd(width));
}

/** The lines of one table row: Keras's `print_row` at nesting level 0. */
function formatRow(fields: readonly string[], positions: readonly number[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((s) => s.length > 0)) {
    let line = "";
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? positions[col - 1]! : 0;
      const space = col !== positions.length - 1 ? 2 : 0;
      let cutoff = positions[col]! - start - space;
      let fit = left[col]!.slice(0, cutoff);
      const breaks = BREAK_AFTER.filter((b) => fit.includes(b)).map((b) => fit.indexOf(b) + b.length);
      if (breaks.length > 0) {
        cutoff = Math.min(...breaks);
        fit = fit.slice(0, cutoff);
      }
      if (col === 0) line += " ";
      line += fit + " ".repeat(space);
      left[col] = left[col]!.slice(cutoff);
      line += " ".repeat(Math.max(positions[col]! - line.length, 0));
    }
    lines.push(line);
  }
  return lines;
}

function checkRow(row: SummaryRow, i: number): void {
  const where = `formatSummary: rows[${i}]`;
  if (typeof row?.name !== "string" || typeof row.className !== "string") {
    throw new Error(`${where} needs string name and className, received ${JSON.stringify(row)}`);
  }
  if (!Number.isSafeInteger(row.params) || row.params < 0) {
    throw new Error(`${where} (${row.name}): params must be a whole number >= 0, received ${row.params}`);
  }
  if (!Array.isArray(row.outputShape) || row.outputShape.some((d) => d !== null && (!Number.isSafeInteger(d) || d < 0))) {
    throw new Error(`${where} (${row.name}): outputShape must hold whole numbers >= 0 or null, received ${JSON.stringify(row.outputShape)}`);
  }
}

/** Python's `str()` of a list of inbound tensor names: "['conv2d[0][0]', 'add[0][0]']". */
export function formatConnections(names: readonly string[]): string {
  return `[${names.map((n) => `'${n}[0][0]'`).join(", ")}]`;
}

/**
 * The summary table of a functional model (tf.keras 2 layout with "Connected to"):
 * the input's row, then one row per layer with `connections[i]` (the names of the layers
 * or input it reads). Lines joined by "\n", no trailing newline.
 */
export function formatGraphSummary(
  modelName: string, input: { name: string; shape: readonly number[] }, rows: SummaryRow[], connections: readonly (readonly string[])[],
  options: SummaryOptions = {},
): string {
  const width = options.lineLength ?? 98;
  if (!Number.isSafeInteger(width) || width < MIN_LINE_LENGTH) {
    throw new Error(`formatGraphSummary: lineLength must be a whole number >= ${MIN_LINE_LENGTH}, received ${width}`);
  }
  if (connections.length !== rows.length) throw new Error(`formatGraphSummary: ${rows.length} rows but ${connections.length} connection lists`);
  rows.forEach(checkRow);
  const positions = [Math.floor(width * 0.33), Math.floor(width * 0.55), Math.floor(width * 0.67), width];
  const out: string[] = [`Model: "${modelName}"`, "_".repeat(width)];
  out.push(...formatRow(["Layer (type)", "Output Shape", "Param #", "Connected to"], positions));
  out.push("=".repeat(width));
  out.push(...formatRow([`${input.name} (InputLayer)`, `[${formatShapeTuple([null, ...input.shape])}]`, "0", "[]"], positions));
  out.push(" ".repeat(width));
  rows.forEach((row, i) => {
    out.push(...formatRow([`${row.name} (${row.className})`, formatShapeTuple(row.outputShape), String(row.params), formatConnections(connections[i]!)], positions));
    if (options.explain) out.push(...explainLines(row.explain ?? [], width));
    out.push(" ".repeat(width));
  });
  out.push(...totals(rows, width));
  return out.join("\n");
}

/** The totals under a table: "Total params", "Trainable params", "Non-trainable params". */
function totals(rows: readonly SummaryRow[], width: number): string[] {
  let trainable = 0;
  let nonTrainable = 0;
  for (const row of rows) {
    const frozen = row.nonTrainableParams ?? (row.trainable === false ? row.params : 0);
    nonTrainable += frozen;
    trainable += row.params - frozen;
  }
  return [
    "=".repeat(width),
    `Total params: ${withThousands(trainable + nonTrainable)}`,
    `Trainable params: ${withThousands(trainable)}`,
    `Non-trainable params: ${withThousands(nonTrainable)}`,
    "_".repeat(width),
  ];
}

/**
 * The summary table of a sequential model, lines joined by "\n" (no trailing newline),
 * exactly as tf.keras 2 prints it; with `explain`, each row's explain lines follow it,
 * indented by four spaces.
 */
export function formatSummary(modelName: string, rows: SummaryRow[], options: SummaryOptions = {}): string {
  const width = options.lineLength ?? 65;
  if (!Number.isSafeInteger(width) || width < MIN_LINE_LENGTH) {
    throw new Error(`formatSummary: lineLength must be a whole number >= ${MIN_LINE_LENGTH}, received ${width}`);
  }
  rows.forEach(checkRow);
  const positions = [Math.floor(width * 0.45), Math.floor(width * 0.85), width];
  const out: string[] = [`Model: "${modelName}"`, "_".repeat(width)];
  out.push(...formatRow(["Layer (type)", "Output Shape", "Param #"], positions));
  out.push("=".repeat(width));
  for (const row of rows) {
    out.push(...formatRow([`${row.name} (${row.className})`, formatShapeTuple(row.outputShape), String(row.params)], positions));
    if (options.explain) out.push(...explainLines(row.explain ?? [], width));
    out.push(" ".repeat(width));
  }
  out.push(...totals(rows, width));
  return out.join("\n");
}
