/**
 * A canvas to draw a digit on with a mouse, a finger or a pen (pointer events), and its
 * conversion to a 28x28 MNIST-style image: the ink's bounding box scaled to fit 20x20,
 * then placed so its centre of mass is at the image centre, as MNIST's digits were made.
 */

const INK_WIDTH_FRACTION = 0.075; // of the canvas side; close to MNIST's stroke width

/** A drawing surface that calls `onChange` while and after the visitor draws. */
export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private inked = false;
  private frame = 0;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("DrawPad: this browser gives no 2D canvas context");
    this.ctx = ctx;
    this.clear();
    canvas.style.touchAction = "none"; // no scrolling or zooming while drawing
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.toCanvas(e);
      this.stroke(this.last);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (this.last) this.stroke(this.toCanvas(e));
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.onChange();
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  /** True when nothing has been drawn since the last clear. */
  get isEmpty(): boolean {
    return !this.inked;
  }

  /** Wipes the canvas to black. */
  clear(): void {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  private toCanvas(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - box.left) / box.width) * this.canvas.width, y: ((e.clientY - box.top) / box.height) * this.canvas.height };
  }

  private stroke(to: { x: number; y: number }): void {
    const from = this.last ?? to;
    const { ctx } = this;
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = this.canvas.width * INK_WIDTH_FRACTION * 2;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    this.last = to;
    this.inked = true;
    // Predict while drawing, at most once per frame.
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.onChange();
      });
    }
  }

  /** The drawing as 784 values in [0, 1] (row-major, ink is 1), or null when empty. */
  toMnist(): Float32Array | null {
    const { width, height } = this.canvas;
    const ink = this.ctx.getImageData(0, 0, width, height).data;
    let [minX, minY, maxX, maxY, mass, sumX, sumY] = [width, height, -1, -1, 0, 0, 0];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = ink[(y * width + x) * 4];
        if (v === 0) continue;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
        mass += v;
        sumX += v * (x + 0.5);
        sumY += v * (y + 0.5);
      }
    }
    if (mass === 0) return null;
    const scale = 20 / Math.max(maxX - minX + 1, maxY - minY + 1);
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const sctx = small.getContext("2d", { willReadFrequently: true });
    if (!sctx) return null;
    sctx.fillStyle = "#000";
    sctx.fillRect(0, 0, 28, 28);
    sctx.imageSmoothingQuality = "high";
    const dx = 14 - (sumX / mass - minX) * scale;
    const dy = 14 - (sumY / mass - minY) * scale;
    sctx.drawImage(this.canvas, minX, minY, maxX - minX + 1, maxY - minY + 1, dx, dy, (maxX - minX + 1) * scale, (maxY - minY + 1) * scale);
    const rgba = sctx.getImageData(0, 0, 28, 28).data;
    return Float32Array.from({ length: 784 }, (_, i) => rgba[i * 4] / 255);
  }
}
