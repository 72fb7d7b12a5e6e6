/**
 * Any 8-bit image (a decoded PNG, a canvas's ImageData) to an MNIST-like input: 28x28
 * grayscale in [0, 1] with a light digit on a dark background. Pure, so the browser demo
 * can feed it canvas pixels.
 */

/** 8-bit pixels, row-major: 1 gray, 2 gray+alpha, 3 RGB or 4 RGBA channels. */
export interface ImagePixels {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB or 4 RGBA (a canvas's ImageData is 4). */
  channels: number;
  /** height * width * channels samples, row-major (ImageData's `data` fits as is). */
  data: Uint8Array | Uint8ClampedArray;
}

const SIDE = 28;

/**
 * Converts `image` to 784 floats: to gray (ITU-R BT.601 luma; transparent pixels are
 * composited over white, as a page shows them), inverted when the border is light on
 * average (dark ink on paper becomes MNIST's white on black), padded to a square with the
 * border's mean so the aspect ratio is kept, then resized to 28x28 by averaging the area
 * each output pixel covers.
 */
export function imageToDigit(image: ImagePixels): Float32Array {
  const { width: w, height: h, channels: c, data } = image;
  for (const [name, v] of [["width", w], ["height", h]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`imageToDigit: ${name} must be a whole number >= 1, received ${v}`);
  }
  if (![1, 2, 3, 4].includes(c)) throw new Error(`imageToDigit: channels must be 1, 2, 3 or 4, received ${c}`);
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== w * h * c) {
    throw new Error(`imageToDigit: data must be a Uint8Array of ${w * h * c} values (${w} x ${h} x ${c}), received ${data instanceof Uint8Array || data instanceof Uint8ClampedArray ? `${data.length} values` : Object.prototype.toString.call(data)}`);
  }
  const gray = toGray(data, w * h, c);
  let border = 0;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y === 0 || x === 0 || y === h - 1 || x === w - 1) {
        border += gray[y * w + x]!;
        count++;
      }
    }
  }
  border /= count;
  if (border > 0.5) {
    for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i]!;
    border = 1 - border;
  }
  // Pad to a centred square, then average areas: out pixel (oy, ox) covers the square's
  // [oy, oy + 1) * side / 28 by [ox, ox + 1) * side / 28.
  const side = Math.max(w, h);
  const top = Math.floor((side - h) / 2), left = Math.floor((side - w) / 2);
  const rows = areaWeights(side);
  const cols = areaWeights(side);
  const out = new Float32Array(SIDE * SIDE);
  for (let oy = 0; oy < SIDE; oy++) {
    for (let ox = 0; ox < SIDE; ox++) {
      let sum = 0;
      for (const [sy, wy] of rows[oy]!) {
        const y = sy - top;
        for (const [sx, wx] of cols[ox]!) {
          const x = sx - left;
          const v = y >= 0 && y < h && x >= 0 && x < w ? gray[y * w + x]! : border;
          sum += wy * wx * v;
        }
      }
      out[oy * SIDE + ox] = Math.min(Math.max(sum, 0), 1);
    }
  }
  return out;
}

/** For each of the 28 output cells, the source indices it overlaps and their weights (summing to 1). */
function areaWeights(size: number): [number, number][][] {
  const scale = size / SIDE;
  const cells: [number, number][][] = [];
  for (let o = 0; o < SIDE; o++) {
    const start = o * scale, end = (o + 1) * scale;
    const cell: [number, number][] = [];
    for (let i = Math.floor(start); i < end; i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) cell.push([i, overlap / scale]);
    }
    cells.push(cell);
  }
  return cells;
}

/** Gray levels in [0, 1]; alpha composites over white. */
function toGray(data: Uint8Array | Uint8ClampedArray, n: number, c: number): Float32Array {
  const gray = new Float32Array(n);
  const hasAlpha = c === 2 || c === 4;
  for (let i = 0; i < n; i++) {
    const p = i * c;
    const luma = c >= 3 ? (0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!) / 255 : data[p]! / 255;
    const a = hasAlpha ? data[p + c - 1]! / 255 : 1;
    gray[i] = a * luma + (1 - a);
  }
  return gray;
}
