/**
 * Direct-loop conv2d reference (float64 sums) for checking the wasm kernels: every
 * product term of the definition, visited once.
 */
import type { Conv2dDims } from "../../ts/shapes.js";

/** Calls `term(xIndex, wIndex, yIndex)` for every product x * w that contributes to y. */
function forEachTerm(d: Conv2dDims, term: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < d.batch; n++) {
    for (let oh = 0; oh < d.outH; oh++) {
      for (let ow = 0; ow < d.outW; ow++) {
        for (let kh = 0; kh < d.kH; kh++) {
          const ih = oh * d.strideH + kh * (d.dilationH ?? 1) - d.padTop;
          if (ih < 0 || ih >= d.inH) continue;
          for (let kw = 0; kw < d.kW; kw++) {
            const iw = ow * d.strideW + kw * (d.dilationW ?? 1) - d.padLeft;
            if (iw < 0 || iw >= d.inW) continue;
            for (let ci = 0; ci < d.inC; ci++) {
              const xi = ((n * d.inH + ih) * d.inW + iw) * d.inC + ci;
              for (let co = 0; co < d.outC; co++) {
                term(xi, ((kh * d.kW + kw) * d.inC + ci) * d.outC + co, ((n * d.outH + oh) * d.outW + ow) * d.outC + co);
              }
            }
          }
        }
      }
    }
  }
}

/** `y = conv(x, w) + bias`. */
export function conv2dForwardRef(d: Conv2dDims, x: Float32Array, w: Float32Array, bias: Float32Array | null): Float64Array {
  const y = new Float64Array(d.batch * d.outH * d.outW * d.outC);
  if (bias) y.forEach((_, i) => (y[i] = bias[i % d.outC]!));
  forEachTerm(d, (xi, wi, yi) => (y[yi] += x[xi]! * w[wi]!));
  return y;
}

/** Input gradient for output gradient `dy`. */
export function conv2dBackwardInputRef(d: Conv2dDims, dy: Float32Array, w: Float32Array): Float64Array {
  const dx = new Float64Array(d.batch * d.inH * d.inW * d.inC);
  forEachTerm(d, (xi, wi, yi) => (dx[xi] += dy[yi]! * w[wi]!));
  return dx;
}

/** Filter gradient for output gradient `dy`. */
export function conv2dBackwardFilterRef(d: Conv2dDims, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(d.kH * d.kW * d.inC * d.outC);
  forEachTerm(d, (xi, wi, yi) => (dw[wi] += x[xi]! * dy[yi]!));
  return dw;
}

/** Bias gradient: the sum of `dy` over every pixel of every image. */
export function conv2dBackwardBiasRef(d: Conv2dDims, dy: Float32Array): Float64Array {
  const db = new Float64Array(d.outC);
  dy.forEach((g, i) => (db[i % d.outC] += g));
  return db;
}
