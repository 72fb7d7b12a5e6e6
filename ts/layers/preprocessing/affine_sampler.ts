/**
 * Keras 3's `ops.image.affine_transform` as its TensorFlow backend computes it
 * (ImageProjectiveTransformV3): output pixel (x, y) reads the input at
 * (a0 x + a1 y + a2, b0 x + b1 y + b2) in pixel indices (no half-pixel offset), mapped
 * back inside the image by the fill mode, then sampled bilinearly (or nearest). And the
 * adjoint of that map, for gradients: each output's gradient is added to the input
 * pixels it was read from, with the same weights.
 */

/** How points outside the image are read (Keras's fill_mode). */
export type FillMode = "reflect" | "wrap" | "constant" | "nearest";
/** How a point between pixels is read (Keras's interpolation). */
export type Interpolation = "bilinear" | "nearest";

/** An affine map from output to input pixel coordinates: [a0, a1, a2, b0, b1, b2]. */
export type AffineMatrix = ArrayLike<number>;

/**
 * TensorFlow's MapCoordinate: `at` on an axis of `len` pixels, folded inside per mode.
 * "reflect" is (d c b a | a b c d | d c b a), "wrap" (a b c d | a b c d), "nearest"
 * clamps, "constant" leaves it (the read then gives the fill value).
 */
export function mapCoordinate(at: number, len: number, mode: FillMode): number {
  if (mode === "constant") return at;
  let c = at;
  if (mode === "reflect") {
    if (c < 0) {
      if (len <= 1) c = 0;
      else {
        const sz2 = 2 * len;
        if (c < -sz2) c = sz2 * Math.trunc(-c / sz2) + c;
        c = c < -len ? c + sz2 : -c - 1;
      }
    } else if (c > len - 1) {
      if (len <= 1) c = 0;
      else {
        const sz2 = 2 * len;
        c -= sz2 * Math.trunc(c / sz2);
        if (c >= len) c = sz2 - c - 1;
      }
    }
  } else if (mode === "wrap") {
    if (c < 0) {
      if (len <= 1) c = 0;
      else c += len * (Math.trunc(-c / (len - 1)) + 1);
    } else if (c > len - 1) {
      if (len <= 1) c = 0;
      else c -= len * Math.trunc(c / (len - 1));
    }
  }
  return Math.min(Math.max(c, 0), len - 1);
}

/** Options of one sampling: the image geometry and the Keras options. */
export interface SampleOptions {
  height: number;
  width: number;
  channels: number;
  fillMode: FillMode;
  fillValue: number;
  interpolation: Interpolation;
}

/**
 * Calls `tap(outIndex, inIndex, weight)` for every input pixel read by every output
 * pixel (indices of pixels, not of values), and `fill(outIndex, weight)` for the weight
 * read from outside the image (constant fill). One walk serves forward and adjoint.
 */
function walk(m: AffineMatrix, o: SampleOptions, tap: (out: number, at: number, w: number) => void, fill: (out: number, w: number) => void): void {
  const { height: h, width: w, fillMode, interpolation } = o;
  const [a0, a1, a2, b0, b1, b2] = [m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!];
  const read = (out: number, y: number, x: number, weight: number): void => {
    if (weight === 0) return;
    if (y >= 0 && y < h && x >= 0 && x < w) tap(out, y * w + x, weight);
    else fill(out, weight);
  };
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      const out = oy * w + ox;
      const x = mapCoordinate(a0 * ox + a1 * oy + a2, w, fillMode);
      const y = mapCoordinate(b0 * ox + b1 * oy + b2, h, fillMode);
      if (interpolation === "nearest") {
        // std::round: halves away from zero.
        read(out, Math.sign(y) * Math.round(Math.abs(y)), Math.sign(x) * Math.round(Math.abs(x)), 1);
        continue;
      }
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const dx = x - x0, dy = y - y0;
      read(out, y0, x0, (1 - dy) * (1 - dx));
      read(out, y0, x0 + 1, (1 - dy) * dx);
      read(out, y0 + 1, x0, dy * (1 - dx));
      read(out, y0 + 1, x0 + 1, dy * dx);
    }
  }
}

/** Writes the transformed image (`src` from `srcOffset`, HWC) into `dst` from `dstOffset`. */
export function affineForward(src: Float32Array, srcOffset: number, m: AffineMatrix, o: SampleOptions, dst: Float32Array, dstOffset: number): void {
  const c = o.channels;
  dst.fill(0, dstOffset, dstOffset + o.height * o.width * c);
  walk(m, o, (out, at, weight) => {
    for (let k = 0; k < c; k++) dst[dstOffset + out * c + k]! += weight * src[srcOffset + at * c + k]!;
  }, (out, weight) => {
    for (let k = 0; k < c; k++) dst[dstOffset + out * c + k]! += weight * o.fillValue;
  });
}

/** The adjoint: adds each output gradient `dy` back to the input pixels it read, into `dx` (overwritten). */
export function affineAdjoint(dy: Float32Array, dyOffset: number, m: AffineMatrix, o: SampleOptions, dx: Float32Array, dxOffset: number): void {
  const c = o.channels;
  dx.fill(0, dxOffset, dxOffset + o.height * o.width * c);
  walk(m, o, (out, at, weight) => {
    for (let k = 0; k < c; k++) dx[dxOffset + at * c + k]! += weight * dy[dyOffset + out * c + k]!;
  }, () => {});
}
