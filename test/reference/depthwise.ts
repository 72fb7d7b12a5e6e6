/**
 * Direct-loop depthwise conv2d reference (float64 sums): every product term of the
 * definition, visited once, with the dilated tap positions written out.
 */
import type { DepthwiseDims } from "../../ts/shapes.js";

function forEachTerm(d: DepthwiseDims, term: (xi: number, wi: number, yi: number) => void): void {
  const oc = d.channels * d.multiplier;
  for (let n = 0; n < d.batch; n++) {
    for (let oh = 0; oh < d.outH; oh++) {
      for (let ow = 0; ow < d.outW; ow++) {
        for (let kh = 0; kh < d.kH; kh++) {
          const ih = oh * d.strideH + kh * d.dilationH - d.padTop;
          if (ih < 0 || ih >= d.inH) continue;
          for (let kw = 0; kw < d.kW; kw++) {
            const iw = ow * d.strideW + kw * d.dilationW - d.padLeft;
            if (iw < 0 || iw >= d.inW) continue;
            for (let c = 0; c < d.channels; c++) {
              for (let m = 0; m < d.multiplier; m++) {
                const j = c * d.multiplier + m;
                term(((n * d.inH + ih) * d.inW + iw) * d.channels + c, (kh * d.kW + kw) * oc + j, ((n * d.outH + oh) * d.outW + ow) * oc + j);
              }
            }
          }
        }
      }
    }
  }
}

/** `y` of the depthwise convolution (bias added when given). */
export function depthwiseForwardRef(d: DepthwiseDims, x: Float32Array, w: Float32Array, bias: Float32Array | null): Float64Array {
  const oc = d.channels * d.multiplier;
  const y = new Float64Array(d.batch * d.outH * d.outW * oc);
  if (bias) y.forEach((_, i) => (y[i] = bias[i % oc]!));
  forEachTerm(d, (xi, wi, yi) => (y[yi] += x[xi]! * w[wi]!));
  return y;
}

/** Input gradient for output gradient `dy`. */
export function depthwiseBackwardInputRef(d: DepthwiseDims, dy: Float32Array, w: Float32Array): Float64Array {
  const dx = new Float64Array(d.batch * d.inH * d.inW * d.channels);
  forEachTerm(d, (xi, wi, yi) => (dx[xi] += dy[yi]! * w[wi]!));
  return dx;
}

/** Filter gradient for output gradient `dy`. */
export function depthwiseBackwardFilterRef(d: DepthwiseDims, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(d.kH * d.kW * d.channels * d.multiplier);
  forEachTerm(d, (xi, wi, yi) => (dw[wi] += x[xi]! * dy[yi]!));
  return dw;
}
