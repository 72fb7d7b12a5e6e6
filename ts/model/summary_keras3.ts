/**
 * The text Keras 3 prints for `model.summary()`, character for character: a table drawn
 * with box characters by the `rich` library, then the parameter totals with their sizes.
 * A pure formatter: the model supplies the rows and totals.
 *
 * What Keras 3.15 does, and this file reproduces:
 * - Columns: "Layer (type)", "Output Shape", "Param #" (right-aligned), plus "Connected
 *   to" for a graph that is not sequential-like. The line length defaults to 88 (three
 *   columns) or 108 (four), capped at the terminal's columns - 4 (a pipe or CI counts as
 *   80 columns, so 76). Column i is int(position_i * lineLength) - (sum of the previous
 *   widths), positions [0.45, 0.80, 1.0] or [0.3, 0.56, 0.74, 1.0].
 * - rich then fits those widths, plus a space of padding on each side, into the line
 *   length minus the borders: the excess is taken from the columns evenly, rounding with
 *   Python's round (halves to even), first column first.
 * - Cell text wraps at spaces; a word longer than its cell is cut to width - 1 characters
 *   and "…". Rows are separated by lines; shorter cells get blank lines, below their text
 *   in the body and above it in the header.
 * - Sizes are "{:.2f}" of bytes in B, KB, MB, ... (steps of 1024), by default 4 bytes a
 *   parameter (float32), and for the optimizer 4 more: Keras counts its int64 iteration
 *   counter as one parameter of 8 bytes.
 */

/** One layer of a Keras 3 summary table. */
export interface Keras3SummaryRow {
  /** The layer's name, e.g. "conv2d_1". */
  name: string;
  /** Its Keras class name, e.g. "Conv2D". */
  className: string;
  /** Output shape with the batch axis as null (printed "None"), or text printed as is. */
  outputShape: readonly (number | null)[] | string;
  /** The layer's parameter count (trainable and not). */
  params: number;
  /** The tensors feeding the layer (the "Connected to" column): layer[node][tensor]. */
  connectedTo?: readonly { layer: string; nodeIndex: number; tensorIndex: number }[];
}

/** What {@link formatKeras3Summary} prints. */
export interface Keras3Summary {
  /** The model's name, printed as `Model: "name"`. */
  modelName: string;
  /** The layers in the order Keras lists them (a functional model's InputLayer included). */
  rows: readonly Keras3SummaryRow[];
  /** True for a graph Keras does not treat as sequential-like: adds "Connected to". */
  connected: boolean;
  /** Trainable parameters (shared weights counted once). */
  trainableParams: number;
  /** Non-trainable parameters (e.g. BatchNormalization's moving statistics). */
  nonTrainableParams: number;
  /** The optimizer's variables once built (Keras then prints an "Optimizer params" line). */
  optimizerParams?: number | null;
  /** Bytes of the optimizer's variables; default 4 * optimizerParams + 4 (see the module comment). */
  optimizerBytes?: number;
  /** Table width in characters (Keras's line_length); default {@link keras3LineLength}(connected). */
  lineLength?: number;
}

const POSITIONS_SEQUENTIAL = [0.45, 0.8, 1.0];
const POSITIONS_GRAPH = [0.3, 0.56, 0.74, 1.0];

/**
 * The line length Keras 3 picks: 88 for a sequential-like model, 108 with "Connected to",
 * at most the terminal's `columns` - 4 (80 when output is not a terminal, e.g. CI or a pipe).
 */
export function keras3LineLength(connected: boolean, columns = Infinity): number {
  return Math.min(connected ? 108 : 88, columns - 4);
}

/** Python's round() of a double: halves go to the even neighbour. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** rich's ratio_reduce: takes `total` from `values` in proportion to `ratios`, capped by `maximums`. */
function ratioReduce(total: number, ratios: number[], maximums: number[], values: number[]): number[] {
  const r = ratios.map((ratio, i) => (maximums[i] ? ratio : 0));
  let totalRatio = r.reduce((a, b) => a + b, 0);
  if (!totalRatio) return values.slice();
  let remaining = total;
  return values.map((value, i) => {
    const ratio = r[i]!;
    if (!ratio || totalRatio <= 0) return value;
    const distributed = Math.min(maximums[i]!, pyRound((ratio * remaining) / totalRatio));
    remaining -= distributed;
    totalRatio -= ratio;
    return value - distributed;
  });
}

/** Widths of the columns' cells (padding included, borders not) as rich lays them out. */
function columnWidths(lineLength: number, positions: number[]): number[] {
  const keras: number[] = [];
  let current = 0;
  for (const pos of positions) {
    // Keras: int(pos * line_length) - current, in doubles as here.
    const width = Math.trunc(pos * lineLength) - current;
    if (width < 4) {
      throw new Error(`formatKeras3Summary: lineLength ${lineLength} is too narrow (a column would be ${width} < 4 characters wide, as Keras: "Insufficient console width to print summary.")`);
    }
    keras.push(width);
    current += width;
  }
  const maxWidth = lineLength - (positions.length + 1); // minus the borders
  let widths = keras.map((w) => Math.min(w + 2, maxWidth)); // + one space of padding each side
  const excess = widths.reduce((a, b) => a + b, 0) - maxWidth;
  if (excess > 0) widths = ratioReduce(excess, widths.map(() => 1), widths, widths);
  return widths;
}

/**
 * rich's word wrap of a cell's text into lines of at most `width` characters: breaks at
 * spaces; a word longer than a line gets a line of its own, cut to width - 1 and "…".
 */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.match(/\s*\S+\s*/g) ?? [""]) {
    const visible = word.trimEnd().length;
    if (line.length > 0 && visible > width - line.length) {
      lines.push(line);
      line = "";
    }
    line += word;
  }
  lines.push(line);
  return lines.map((l) => {
    const t = l.trimEnd();
    return t.length > width ? `${t.slice(0, Math.max(0, width - 1))}…` : t;
  });
}

function justify(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Python's f"{n:,}". */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Keras's readable_memory_size: "{:.2f} {unit}" of bytes / 1024^k. Exact integer
 * arithmetic, so halves round to even as Python's formatting of the exact quotient does.
 */
export function keras3MemorySize(byteCount: number): string {
  checkCount(byteCount, "a memory size");
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  const bytes = BigInt(byteCount);
  let k = 0;
  while (k < units.length - 1 && bytes >= 1024n ** BigInt(k + 1)) k++;
  const den = 1024n ** BigInt(k);
  const num = bytes * 100n;
  let hundredths = num / den;
  const rest = num % den;
  if (rest * 2n > den || (rest * 2n === den && hundredths % 2n === 1n)) hundredths += 1n;
  const whole = hundredths / 100n;
  const frac = (hundredths % 100n).toString().padStart(2, "0");
  return `${whole}.${frac} ${units[k]}`;
}

function checkCount(value: unknown, what: string): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`formatKeras3Summary: ${what} must be a whole number >= 0, received ${String(value)}`);
  }
}

function shapeText(shape: Keras3SummaryRow["outputShape"]): string {
  if (typeof shape === "string") return shape;
  // Keras joins the dimensions: a rank-1 shape prints "(None)", not Python's "(None,)".
  return `(${shape.map((d) => (d === null ? "None" : String(d))).join(", ")})`;
}

function connectionsText(row: Keras3SummaryRow): string {
  const c = row.connectedTo ?? [];
  return c.length === 0 ? "-" : c.map((e) => `${e.layer}[${e.nodeIndex}][${e.tensorIndex}]`).join(", ");
}

/**
 * The exact text Keras 3.15's `model.summary()` passes to its print function for a model
 * with these rows and totals (every line ends with a newline).
 */
export function formatKeras3Summary(summary: Keras3Summary): string {
  if (typeof summary !== "object" || summary === null) throw new Error(`formatKeras3Summary: expected a summary object, received ${String(summary)}`);
  if (!Array.isArray(summary.rows)) throw new Error(`formatKeras3Summary: rows must be an array, received ${String(summary.rows)}`);
  checkCount(summary.trainableParams, "trainableParams");
  checkCount(summary.nonTrainableParams, "nonTrainableParams");
  if (summary.optimizerParams != null) checkCount(summary.optimizerParams, "optimizerParams");
  if (summary.optimizerBytes != null) checkCount(summary.optimizerBytes, "optimizerBytes");
  summary.rows.forEach((r, i) => checkCount(r.params, `rows[${i}].params (${String(r.name)})`));
  const lineLength = summary.lineLength ?? keras3LineLength(summary.connected);
  if (!Number.isSafeInteger(lineLength) || lineLength < 1) throw new Error(`formatKeras3Summary: lineLength must be a whole number >= 1, received ${String(lineLength)}`);

  const header = ["Layer (type)", "Output Shape", "Param #"];
  const right = [false, false, true];
  if (summary.connected) {
    header.push("Connected to");
    right.push(false);
  }
  const widths = columnWidths(lineLength, summary.connected ? POSITIONS_GRAPH : POSITIONS_SEQUENTIAL);
  const rule = (l: string, fill: string, mid: string, r: string) => l + widths.map((w) => fill.repeat(w)).join(mid) + r;
  // rich aligns header cells to the bottom of their row and body cells to the top.
  const row = (cells: string[], edge: string, bottom: boolean) => {
    const wrapped = cells.map((c, i) => wrapCell(c, widths[i]! - 2));
    const height = Math.max(...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let k = 0; k < height; k++) {
      const cellLine = (w: string[]) => w[bottom ? k - (height - w.length) : k] ?? "";
      lines.push(edge + wrapped.map((w, i) => ` ${justify(cellLine(w), widths[i]! - 2, right[i]!)} `).join(edge) + edge);
    }
    return lines;
  };

  const out = [`Model: "${summary.modelName}"`, rule("┏", "━", "┳", "┓"), ...row(header, "┃", true), rule("┡", "━", "╇", "┩")];
  summary.rows.forEach((r, i) => {
    if (i > 0) out.push(rule("├", "─", "┼", "┤"));
    const cells = [`${r.name} (${r.className})`, shapeText(r.outputShape), thousands(r.params)];
    if (summary.connected) cells.push(connectionsText(r));
    out.push(...row(cells, "│", false));
  });
  out.push(rule("└", "─", "┴", "┘"));
  const optimizer = summary.optimizerParams ?? 0;
  const optimizerBytes = summary.optimizerBytes ?? (summary.optimizerParams != null ? 4 * optimizer + 4 : 0);
  const total = summary.trainableParams + summary.nonTrainableParams + optimizer;
  const totalBytes = 4 * (summary.trainableParams + summary.nonTrainableParams) + optimizerBytes;
  const line = (label: string, n: number, bytes: number) => ` ${label}: ${thousands(n)} (${keras3MemorySize(bytes)})`;
  out.push(
    line("Total params", total, totalBytes),
    line("Trainable params", summary.trainableParams, 4 * summary.trainableParams),
    line("Non-trainable params", summary.nonTrainableParams, 4 * summary.nonTrainableParams),
  );
  if (summary.optimizerParams != null) out.push(line("Optimizer params", optimizer, optimizerBytes));
  return out.join("\n") + "\n";
}

/**
 * Whether Keras 3 prints the "Connected to" column for a functional model with these rows
 * (a Sequential never has it). Keras drops it for a sequential-like graph: no layer with
 * more than one input tensor (which also covers a shared layer, listed with each call's
 * input), and no two layers at the same depth counted from the outputs (a fan-out).
 */
export function keras3Connected(rows: readonly Keras3SummaryRow[]): boolean {
  if (rows.some((r) => (r.connectedTo ?? []).length > 1)) return true;
  const consumers = new Map<string, string[]>();
  for (const r of rows) {
    for (const c of r.connectedTo ?? []) {
      const list = consumers.get(c.layer);
      if (list) list.push(r.name);
      else consumers.set(c.layer, [r.name]);
    }
  }
  // Depth of a row: 0 without consumers, else 1 + its deepest consumer's. Computed by a
  // depth-first walk with an explicit stack (a chain of tens of thousands of layers must
  // not overflow the JS stack); a name met again while still on the stack is a cycle.
  const depth = new Map<string, number>();
  const onStack = new Set<string>();
  const depthOf = (root: string): number => {
    const stack: { name: string; next: number; deepest: number }[] = [];
    const enter = (name: string): number | undefined => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      if (onStack.has(name)) throw new Error(`keras3Connected: the rows form a cycle through layer ${JSON.stringify(name)}`);
      onStack.add(name);
      stack.push({ name, next: 0, deepest: -1 });
      return undefined;
    };
    const rootDepth = enter(root);
    if (rootDepth !== undefined) return rootDepth;
    for (;;) {
      const top = stack[stack.length - 1]!;
      const next = consumers.get(top.name) ?? [];
      if (top.next < next.length) {
        const d = enter(next[top.next++]!);
        if (d !== undefined) top.deepest = Math.max(top.deepest, d);
        continue;
      }
      const d = top.deepest + 1;
      depth.set(top.name, d);
      onStack.delete(top.name);
      stack.pop();
      if (stack.length === 0) return d;
      const parent = stack[stack.length - 1]!;
      parent.deepest = Math.max(parent.deepest, d);
    }
  };
  const atDepth = new Set<number>();
  for (const r of rows) {
    const d = depthOf(r.name);
    if (atDepth.has(d)) return true;
    atDepth.add(d);
  }
  return false;
}
