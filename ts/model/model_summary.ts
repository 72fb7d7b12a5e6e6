/**
 * What `model.summary()` prints, assembled from a model's graph: the option checks, the
 * rows (describe.ts) with their non-trainable counts, and the choice of table: tf.keras
 * 2's (summary.ts; "Connected to" for a functional model) or Keras 3's (summary_keras3.ts).
 */
import { checkKnownKeys } from "../options.js";
import { summaryRows } from "./describe.js";
import { valueName, type ModelGraph } from "./graph.js";
import { nonTrainableCount } from "./layer_stack.js";
import { formatGraphSummary, formatSummary, type SummaryRow } from "./summary.js";
import { formatKeras3Summary, keras3Connected, keras3LineLength, type Keras3SummaryRow } from "./summary_keras3.js";

/** Options of `model.summary`. */
export interface SummaryArgs {
  /** Add each layer's shape and parameter arithmetic under it (tf.keras 2 table only; default false). */
  explain?: boolean;
  /** Called with each line of the table (default console.log). */
  print?: (line: string) => void;
  /**
   * "keras2" (default): the tf.keras 2 table the course shows ("Connected to" for a
   * functional model). "keras3": the box-drawn table Keras 3 prints, with sizes.
   */
  format?: "keras2" | "keras3";
  /**
   * Terminal width the Keras 3 table fits (its line length is at most columns - 4, as
   * Keras's); default 80, what Keras uses when output is not a terminal.
   */
  columns?: number;
}

/** The model as the summary needs it. */
export interface SummarySubject {
  name: string;
  graph: ModelGraph;
  /** A Sequential: no InputLayer row, never "Connected to". */
  sequential: boolean;
  /** Optimizer variables once built (Keras prints them after the first step), else null. */
  optimizerParams: number | null;
}

/** Checks `options`, prints the table line by line and returns it. */
export function printSummary(model: SummarySubject, options: SummaryArgs): string {
  if (typeof options !== "object" || options === null) throw new Error(`summary: options must be an object, received ${String(options)}`);
  checkKnownKeys("summary", options, ["explain", "print", "format", "columns"]);
  const { format = "keras2", columns } = options;
  if (format !== "keras2" && format !== "keras3") throw new Error(`summary: format must be "keras2" or "keras3", received ${String(format)}`);
  if (columns !== undefined && (typeof columns !== "number" || !Number.isSafeInteger(columns) || columns < 24)) {
    throw new Error(`summary: columns must be a whole number >= 24, received ${String(columns)}`);
  }
  const explain = options.explain ?? false;
  if (typeof explain !== "boolean") throw new Error(`summary: explain must be true or false, received ${String(explain)}`);
  if (format === "keras3" && explain) throw new Error('summary: explain is only printed in the tf.keras 2 table (format "keras2")');
  const { graph } = model;
  // Trainable counts come from the layers' flags and weight specs (BatchNormalization's
  // moving statistics are never trained; a frozen layer's weights are not).
  const rows = summaryRows(graph.layers, explain).map((row, i) => ({ ...row, nonTrainableParams: nonTrainableCount(graph.layers[i]!) }));
  let text: string;
  if (format === "keras3") {
    text = keras3Table(model, rows, columns ?? 80).replace(/\n$/, "");
  } else if (model.sequential) {
    text = formatSummary(model.name, rows, { explain });
  } else {
    const connections = graph.inbound.map((ins) => ins.map((v) => valueName(graph, v)));
    text = formatGraphSummary(model.name, { name: graph.inputName, shape: graph.inputShape }, rows, connections, { explain });
  }
  const print = options.print ?? ((line: string) => console.log(line));
  for (const line of text.split("\n")) print(line);
  return text;
}

/**
 * The Keras 3 table from the same rows: a functional model lists its InputLayer first and
 * has "Connected to" unless Keras finds it sequential-like.
 */
function keras3Table(model: SummarySubject, rows: readonly SummaryRow[], columns: number): string {
  const g = model.graph;
  const k3: Keras3SummaryRow[] = rows.map((r, i) => ({
    name: r.name, className: r.className, outputShape: r.outputShape, params: r.params,
    connectedTo: g.inbound[i]!.map((v) => ({ layer: valueName(g, v), nodeIndex: 0, tensorIndex: 0 })),
  }));
  if (!model.sequential) k3.unshift({ name: g.inputName, className: "InputLayer", outputShape: [null, ...g.inputShape], params: 0, connectedTo: [] });
  const connected = !model.sequential && keras3Connected(k3);
  const nonTrainable = rows.reduce((n, r) => n + (r.nonTrainableParams ?? 0), 0);
  const total = rows.reduce((n, r) => n + r.params, 0);
  return formatKeras3Summary({
    modelName: model.name, rows: k3, connected, trainableParams: total - nonTrainable, nonTrainableParams: nonTrainable,
    optimizerParams: model.optimizerParams, lineLength: keras3LineLength(connected, columns),
  });
}
