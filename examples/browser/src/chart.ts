/**
 * A small line chart on a canvas: a few series over a shared x axis (training batches),
 * drawn as a line or as markers, with "nice" ticks (1, 2 or 5 times a power of ten), a
 * dashed mark at the end of each epoch, and a redraw when its box changes size. The demo
 * needs nothing more, so it carries no charting dependency (see docs/browser.md). The
 * legend is HTML beside the canvas (see main.ts), so it wraps on a narrow screen.
 */

/** One series of a {@link LineChart}. */
export interface Series {
  name: string;
  color: string;
  /** A marker per point (one value per epoch) rather than a line (one value per batch). */
  marker?: "circle" | "diamond";
}

/** Options of a {@link LineChart}. */
export interface ChartOptions {
  series: Series[];
  /** Fixed top of the y axis (1 for accuracy); otherwise it follows the data. */
  yMax?: number;
  /** Formats y-axis labels. */
  format?: (y: number) => string;
  /** About how many steps the y axis has (default 4). */
  yTicks?: number;
}

const MARGIN = { left: 44, right: 12, top: 16, bottom: 30 };

/** Ticks from 0 to at least `max`: about `count` steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 4): number[] {
  const raw = Math.max(max, Number.MIN_VALUE) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((s) => s * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks[ticks.length - 1] < max - 1e-12; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A line chart that redraws itself once per animation frame after data or size changes. */
export class LineChart {
  private points: [number, number][][];
  private xMax = 1;
  private epochLength = 0;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly options: ChartOptions) {
    this.points = options.series.map(() => []);
    new ResizeObserver(() => this.schedule()).observe(canvas);
    this.schedule();
  }

  /** Empties every series, sets the x axis to [0, xMax] batches, and marks every `epochLength` batches. */
  reset(xMax: number, epochLength = 0): void {
    this.points = this.options.series.map(() => []);
    this.xMax = Math.max(1, xMax);
    this.epochLength = epochLength;
    this.schedule();
  }

  /** Adds point (x, y) to series `index`. */
  add(index: number, x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    this.points[index].push([x, y]);
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, options } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d");
    if (!ctx || width === 0) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";

    const all = this.points.flat();
    const yTicks = niceTicks(options.yMax ?? Math.max(0.1, ...all.map((p) => p[1])), options.yTicks ?? 4);
    const yMax = yTicks[yTicks.length - 1];
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const px = (x: number) => MARGIN.left + (x / this.xMax) * plotW;
    const py = (y: number) => MARGIN.top + plotH - (Math.min(y, yMax) / yMax) * plotH;

    // Grid and y labels.
    ctx.strokeStyle = "#e3e3e3";
    ctx.fillStyle = "#555";
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const y of yTicks) {
      ctx.beginPath();
      ctx.moveTo(MARGIN.left, py(y));
      ctx.lineTo(width - MARGIN.right, py(y));
      ctx.stroke();
      ctx.fillText((options.format ?? String)(y), MARGIN.left - 6, py(y));
    }
    // x ticks in batches, as many as fit.
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const x of niceTicks(this.xMax, Math.max(2, Math.floor(plotW / 70)))) {
      if (x > this.xMax) break;
      ctx.fillText(String(x), px(x), height - MARGIN.bottom + 4);
    }
    ctx.fillText("batches", MARGIN.left + plotW / 2, height - MARGIN.bottom + 16);
    // Epoch ends: dashed lines, labelled at the top when there is room.
    if (this.epochLength > 0 && this.epochLength < this.xMax) {
      ctx.save();
      ctx.setLineDash([3, 3]);
      ctx.strokeStyle = "#999";
      const roomy = (this.epochLength / this.xMax) * plotW > 36;
      for (let e = 1; e * this.epochLength < this.xMax + 0.5; e++) {
        const x = px(e * this.epochLength);
        ctx.beginPath();
        ctx.moveTo(x, MARGIN.top);
        ctx.lineTo(x, MARGIN.top + plotH);
        ctx.stroke();
        if (roomy) ctx.fillText(`epoch ${e}`, x - 22, MARGIN.top - 14);
      }
      ctx.restore();
    }

    options.series.forEach((series, index) => {
      const pts = this.points[index];
      ctx.strokeStyle = ctx.fillStyle = series.color;
      ctx.lineWidth = 2;
      if (series.marker) {
        for (const [x, y] of pts) {
          ctx.beginPath();
          if (series.marker === "circle") ctx.arc(px(x), py(y), 4.5, 0, 2 * Math.PI);
          else {
            ctx.moveTo(px(x), py(y) - 6);
            ctx.lineTo(px(x) + 6, py(y));
            ctx.lineTo(px(x), py(y) + 6);
            ctx.lineTo(px(x) - 6, py(y));
            ctx.closePath();
          }
          ctx.fill();
        }
      } else {
        ctx.beginPath();
        pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
        ctx.stroke();
      }
    });
  }
}

/**
 * An exponential moving average that runs across epoch boundaries, corrected for its
 * start (as Adam corrects its moments), so the first points are not pulled towards 0.
 */
export class Smoother {
  private value = 0;
  private weight = 0;

  /** `span`: roughly how many recent values it averages. */
  constructor(private readonly span = 10) {}

  /** Adds `v` and returns the smoothed value. */
  add(v: number): number {
    const a = 2 / (this.span + 1);
    this.value = (1 - a) * this.value + a * v;
    this.weight = (1 - a) * this.weight + a;
    return this.value / this.weight;
  }
}

/** One epoch's training and validation figures. */
export interface EpochFigures {
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

/**
 * The loss and accuracy charts of both demo pages: series 0 is the training figure per
 * batch (named by the page: how it is averaged), 1 and 2 the training and validation
 * figures per epoch. Okabe-Ito blue and vermilion: told apart with every common
 * colour-vision deficiency, and the markers differ in shape as well.
 */
export class TrainingCharts {
  private readonly loss: LineChart;
  private readonly accuracy: LineChart;

  constructor(lossCanvas: HTMLCanvasElement, accuracyCanvas: HTMLCanvasElement, perBatchName: string) {
    const series: Series[] = [
      { name: perBatchName, color: "#0072b2" },
      { name: "training, epoch", color: "#0072b2", marker: "circle" },
      { name: "validation, epoch", color: "#d55e00", marker: "diamond" },
    ];
    this.loss = new LineChart(lossCanvas, { series, format: (y) => String(Number(y.toFixed(3))) });
    this.accuracy = new LineChart(accuracyCanvas, { series, yMax: 1, yTicks: 5, format: (y) => `${Math.round(y * 100)}%` });
  }

  /** Empties both charts for a run of `totalBatches`, marking every `batchesPerEpoch`. */
  reset(totalBatches: number, batchesPerEpoch: number): void {
    this.loss.reset(totalBatches, batchesPerEpoch);
    this.accuracy.reset(totalBatches, batchesPerEpoch);
  }

  /** The per-batch points at batch `step` (counted over the run). */
  addBatch(step: number, loss: number, accuracy: number): void {
    this.loss.add(0, step, loss);
    this.accuracy.add(0, step, accuracy);
  }

  /** An epoch's points at batch `step`. */
  addEpoch(step: number, e: EpochFigures): void {
    this.loss.add(1, step, e.loss);
    this.loss.add(2, step, e.valLoss);
    this.accuracy.add(1, step, e.accuracy);
    this.accuracy.add(2, step, e.valAccuracy);
  }
}
