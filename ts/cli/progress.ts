/**
 * A Keras-like progress bar for training in a terminal: one line per epoch that fills as
 * batches finish, with images/s, ETA, loss and accuracy. On a TTY the line is redrawn in
 * place (at most every `intervalMs`); elsewhere (CI logs, pipes) only the finished line
 * of each epoch is printed, so logs stay readable. {@link ProgressCallback} drives it
 * from fit.
 */
import type { Callback, Logs } from "../callbacks/callback.js";

/** Where the bar writes: a Node stream or anything with the same two members. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Total epochs (for the "Epoch 3/10" label). */
  epochs: number;
  /** Samples per epoch. */
  samples: number;
  /** Output stream; default process.stdout. */
  stream?: ProgressStream;
  /** Minimum time between redraws on a TTY. Default 100 ms. */
  intervalMs?: number;
  /** Clock, replaceable in tests. Default performance.now. */
  now?: () => number;
  /** Width of the bar in characters. Default 30. */
  width?: number;
}

type Metrics = Record<string, number>;

/** Formats seconds as "4.2s", "42s", "3m05s" or "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 9.95) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function formatMetric(name: string, value: number): string {
  return `${name} ${Number.isFinite(value) ? value.toFixed(4) : String(value)}`;
}

/**
 * Renders training progress. Call {@link epochBegin}, then {@link batchEnd} after each
 * batch with the samples done so far in the epoch and running metrics, then
 * {@link epochEnd} with the epoch's final metrics (validation ones included).
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly width: number;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = -Infinity;

  constructor(private readonly options: ProgressBarOptions) {
    for (const key of ["epochs", "samples"] as const) {
      const v = options[key];
      if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`ProgressBar: ${key} must be a whole number > 0, received ${v}`);
    }
    this.stream = options.stream ?? process.stdout;
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 100;
    this.width = options.width ?? 30;
  }

  /** Starts epoch `epoch` (0-based). */
  epochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
  }

  /** Reports `done` samples of this epoch finished, with running metrics. */
  batchEnd(done: number, metrics: Metrics): void {
    if (!this.stream.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs && done < this.options.samples) return;
    this.lastDraw = t;
    this.stream.write(`\r${this.line(done, metrics, false)}\x1b[K`);
  }

  /** Finishes the epoch's line with its final metrics. */
  epochEnd(metrics: Metrics): void {
    const prefix = this.stream.isTTY ? "\r" : "";
    const suffix = this.stream.isTTY ? "\x1b[K\n" : "\n";
    this.stream.write(`${prefix}${this.line(this.options.samples, metrics, true)}${suffix}`);
  }

  /** The text of the bar for `done` samples (exposed for tests). */
  line(done: number, metrics: Metrics, finished: boolean): string {
    const { samples, epochs } = this.options;
    const elapsed = Math.max((this.now() - this.epochStart) / 1000, 1e-9);
    const fraction = Math.min(done / samples, 1);
    const filled = Math.round(fraction * this.width);
    const bar = finished || filled >= this.width
      ? "=".repeat(this.width)
      : "=".repeat(Math.max(filled - 1, 0)) + ">" + ".".repeat(this.width - Math.max(filled, 1));
    const rate = done / elapsed;
    const timing = finished ? `${formatDuration(elapsed)}` : `ETA ${formatDuration((samples - done) / Math.max(rate, 1e-9))}`;
    const digits = String(samples).length;
    const parts = [
      `Epoch ${String(this.epoch + 1).padStart(String(epochs).length)}/${epochs}`,
      `[${bar}]`,
      `${String(done).padStart(digits)}/${samples}`,
      `${Math.round(rate).toLocaleString("en-US")} img/s`,
      timing,
      ...Object.entries(metrics).map(([k, v]) => formatMetric(k, v)),
    ];
    return parts.join("  ");
  }
}

/** A Keras-style progress bar as a fit callback. */
export class ProgressCallback implements Callback {
  private bar: ProgressBar | null = null;
  private batchSize = 1;
  private samples = 1;

  constructor(private readonly stream: ProgressStream) {}

  setParams(params: Record<string, unknown>): void {
    this.samples = Number(params.samples);
    this.batchSize = Number(params.batchSize);
    this.bar = new ProgressBar({ epochs: Number(params.epochs), samples: this.samples, stream: this.stream });
  }

  onEpochBegin(epoch: number): void {
    this.bar?.epochBegin(epoch);
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.bar?.batchEnd(Math.min((batch + 1) * this.batchSize, this.samples), pick(logs, ["loss", "accuracy"]));
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    this.bar?.epochEnd(pick(logs, ["loss", "accuracy", "val_loss", "val_accuracy"]));
  }
}

function pick(logs: Logs, keys: string[]): Logs {
  const out: Logs = {};
  for (const k of keys) if (logs[k] !== undefined) out[k] = logs[k]!;
  return out;
}
