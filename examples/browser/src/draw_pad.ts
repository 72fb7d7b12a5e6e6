/**
 * A canvas to draw a digit on with a mouse, a finger or a pen (pointer events), and its
 * conversion to a 28x28 MNIST-style image: the ink's bounding box scaled to fit 20x20,
 * then placed so its centre of mass is at the image centre, as MNIST's digits were made.
 */

const INK_WIDTH_FRACTION = 0.075; // of the canvas side; close to MNIST's stroke width

/** Keyboard pen: a step of the arrow keys, as a fraction of the canvas side. */
const KEY_STEP = 1 / 20;

/**
 * A drawing surface that calls `onChange` while and after the visitor draws. Keyboard
 * users draw too: the canvas takes focus, the arrow keys move a pen (shown by `cursor`),
 * Space lowers or lifts it, Delete or Backspace clears.
 */
export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private inked = false;
  private frame = 0;
  private pen = { x: 0.5, y: 0.5, down: false };

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: () => void, private readonly cursor?: HTMLElement, private readonly onClear?: () => void) {
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
    canvas.addEventListener("keydown", (e) => this.key(e));
    canvas.addEventListener("focus", () => this.showCursor());
    canvas.addEventListener("blur", () => {
      if (this.cursor) this.cursor.hidden = true;
    });
  }

  private key(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      const from = { x: this.pen.x * this.canvas.width, y: this.pen.y * this.canvas.height };
      this.pen.x = Math.min(1, Math.max(0, this.pen.x + move[0] * KEY_STEP));
      this.pen.y = Math.min(1, Math.max(0, this.pen.y + move[1] * KEY_STEP));
      if (this.pen.down) {
        this.last = from;
        this.stroke({ x: this.pen.x * this.canvas.width, y: this.pen.y * this.canvas.height });
        this.last = null;
      }
    } else if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      this.pen.down = !this.pen.down;
      if (this.pen.down) {
        this.last = null;
        this.stroke({ x: this.pen.x * this.canvas.width, y: this.pen.y * this.canvas.height });
        this.last = null;
      }
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      this.clear();
      this.onClear?.();
    } else {
      return;
    }
    this.showCursor();
  }

  private showCursor(): void {
    if (!this.cursor) return;
    this.cursor.hidden = false;
    this.cursor.style.left = `${this.pen.x * 100}%`;
    this.cursor.style.top = `${this.pen.y * 100}%`;
    this.cursor.classList.toggle("down", this.pen.down);
  }

  /** Puts a 28x28 digit (0..1, ink is 1) on the pad, scaled up, and reports the change. */
  setDigit(pixels: Float32Array): void {
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const sctx = small.getContext("2d");
    if (!sctx) return;
    const image = sctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const g = Math.round(pixels[i] * 255);
      image.data.set([g, g, g, 255], i * 4);
    }
    sctx.putImageData(image, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
    this.inked = true;
    this.onChange();
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
