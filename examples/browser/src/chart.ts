/**
 * A small line chart on a canvas: a few series over a shared x axis (training batches),
 * drawn as lines or as dots. The demo needs nothing more, so it carries no charting
 * dependency (see docs/browser.md).
 */

/** One series of a {@link LineChart}. */
export interface Series {
  name: string;
  color: string;
  /** Dots (one value per epoch) rather than a line (one value per batch). */
  dots?: boolean;
}

/** Options of a {@link LineChart}. */
export interface ChartOptions {
  series: Series[];
  /** Fixed top of the y axis (1 for accuracy); otherwise it follows the data. */
  yMax?: number;
  /** Formats y-axis labels. */
  format?: (y: number) => string;
}

const MARGIN = { left: 44, right: 10, top: 22, bottom: 22 };

/** A line chart that redraws itself once per animation frame after data changes. */
export class LineChart {
  private points: [number, number][][];
  private xMax = 1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly options: ChartOptions) {
    this.points = options.series.map(() => []);
    this.schedule();
  }

  /** Empties every series and sets the x axis to [0, xMax]. */
  reset(xMax: number): void {
    this.points = this.options.series.map(() => []);
    this.xMax = Math.max(1, xMax);
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
    const yMax = options.yMax ?? niceCeiling(Math.max(0.1, ...all.map((p) => p[1])));
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const px = (x: number) => MARGIN.left + (x / this.xMax) * plotW;
    const py = (y: number) => MARGIN.top + plotH - (Math.min(y, yMax) / yMax) * plotH;

    // Grid and axis labels.
    ctx.strokeStyle = "#e3e3e3";
    ctx.fillStyle = "#666";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i <= 4; i++) {
      const y = (yMax * i) / 4;
      ctx.beginPath();
      ctx.moveTo(MARGIN.left, py(y));
      ctx.lineTo(width - MARGIN.right, py(y));
      ctx.stroke();
      ctx.fillText((options.format ?? String)(y), MARGIN.left - 6, py(y));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(`batches (0 to ${this.xMax})`, MARGIN.left + plotW / 2, height - MARGIN.bottom + 6);

    // Series, then the legend along the top.
    let legendX = MARGIN.left;
    options.series.forEach((series, index) => {
      const pts = this.points[index];
      ctx.strokeStyle = ctx.fillStyle = series.color;
      ctx.lineWidth = 1.5;
      if (series.dots) {
        for (const [x, y] of pts) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 4, 0, 2 * Math.PI);
          ctx.fill();
        }
      } else {
        ctx.beginPath();
        pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
        ctx.stroke();
      }
      ctx.fillRect(legendX, 6, 10, 10);
      ctx.fillStyle = "#333";
      ctx.textAlign = "left";
      ctx.fillText(series.name, legendX + 14, 5);
      legendX += 24 + ctx.measureText(series.name).width;
    });
  }
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `v`. */
function niceCeiling(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}
