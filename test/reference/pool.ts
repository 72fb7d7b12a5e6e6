/**
 * Direct-loop pooling references: each window walked over the padded grid, padded cells
 * skipped, float64 sums.
 */
import type { Pool2dDims } from "../../ts/shapes.js";

/** Calls `visit(yIndex, xIndices)` for every output element with its window's real cells. */
function forEachWindow(d: Pool2dDims, visit: (yi: number, cells: number[]) => void): void {
  for (let n = 0; n < d.batch; n++) {
    for (let oh = 0; oh < d.outH; oh++) {
      for (let ow = 0; ow < d.outW; ow++) {
        for (let c = 0; c < d.channels; c++) {
          const cells: number[] = [];
          for (let ph = 0; ph < d.poolH; ph++) {
            for (let pw = 0; pw < d.poolW; pw++) {
              const ih = oh * d.strideH + ph - d.padTop;
              const iw = ow * d.strideW + pw - d.padLeft;
              if (ih >= 0 && ih < d.inH && iw >= 0 && iw < d.inW) cells.push(((n * d.inH + ih) * d.inW + iw) * d.channels + c);
            }
          }
          visit(((n * d.outH + oh) * d.outW + ow) * d.channels + c, cells);
        }
      }
    }
  }
}

const outputLength = (d: Pool2dDims) => d.batch * d.outH * d.outW * d.channels;
const inputLength = (d: Pool2dDims) => d.batch * d.inH * d.inW * d.channels;

/** Each window's maximum and the x index of its first occurrence (row-major window order). */
export function maxPool2dForwardRef(d: Pool2dDims, x: Float32Array): { y: Float32Array; argmax: Uint32Array } {
  const y = new Float32Array(outputLength(d));
  const argmax = new Uint32Array(outputLength(d));
  forEachWindow(d, (yi, cells) => {
    let best = cells[0]!;
    for (const i of cells) if (x[i]! > x[best]!) best = i;
    y[yi] = x[best]!;
    argmax[yi] = best;
  });
  return { y, argmax };
}

/** `dx` for `dy`: each gradient routed to its window's first maximum in `x`. */
export function maxPool2dBackwardRef(d: Pool2dDims, x: Float32Array, dy: Float32Array): Float64Array {
  const { argmax } = maxPool2dForwardRef(d, x);
  const dx = new Float64Array(inputLength(d));
  argmax.forEach((a, yi) => (dx[a] += dy[yi]!));
  return dx;
}

/** The mean of each window's real cells. */
export function avgPool2dForwardRef(d: Pool2dDims, x: Float32Array): Float64Array {
  const y = new Float64Array(outputLength(d));
  forEachWindow(d, (yi, cells) => {
    let sum = 0;
    for (const i of cells) sum += x[i]!;
    y[yi] = sum / cells.length;
  });
  return y;
}

/** `dx` for `dy`: each gradient shared equally among its window's real cells. */
export function avgPool2dBackwardRef(d: Pool2dDims, dy: Float32Array): Float64Array {
  const dx = new Float64Array(inputLength(d));
  forEachWindow(d, (yi, cells) => {
    for (const i of cells) dx[i] += dy[yi]! / cells.length;
  });
  return dx;
}
