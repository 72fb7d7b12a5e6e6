/**
 * Affine resampling of one image (HWC), the geometric core of augmentation.
 *
 * Conventions (pixel centres at whole coordinates, image centre at ((h-1)/2, (w-1)/2)):
 * the content is first scaled by 1/zoomX and 1/zoomY about the centre (so, as in Keras, a
 * zoom below 1 enlarges it), then rotated `rotation` degrees counter-clockwise as seen on
 * screen, then moved `shiftX` pixels right and `shiftY` pixels down, and finally mirrored
 * left-right when `flipHorizontal` (Keras flips after the affine step too).
 *
 * Each output pixel is computed from the inverse map: its source point is sampled
 * bilinearly (Keras's default interpolation order 1) with fill mode "nearest", i.e. the
 * source point is clamped to the image, which repeats the edge pixels outward.
 */

/** One geometric transform; see the module comment for the exact meaning of each field. */
export interface AffineParams {
  /** Degrees, counter-clockwise on screen. */
  rotation: number;
  /** Pixels, positive moves the content right. */
  shiftX: number;
  /** Pixels, positive moves the content down. */
  shiftY: number;
  /** Horizontal zoom factor (Keras semantics: < 1 enlarges). */
  zoomX: number;
  /** Vertical zoom factor (Keras semantics: < 1 enlarges). */
  zoomY: number;
  /** Mirror left-right after the affine step. */
  flipHorizontal: boolean;
}

/** Floats {@link inverseMap} writes per transform. */
export const MAP_LENGTH = 6;

/**
 * Writes the inverse map of `p` for an `h` x `w` image into `map[offset..offset + 6]`:
 * the source of output pixel (row, col) is
 * (map[0]*row + map[1]*col + map[2], map[3]*row + map[4]*col + map[5]) as (row, col).
 */
export function inverseMap(p: AffineParams, h: number, w: number, map: Float64Array, offset: number): void {
  const theta = (p.rotation * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const s = p.flipHorizontal ? -1 : 1;
  // Relative to the centre and before the shift, the unflipped output point is
  // u = s*(col - cx) - shiftX, v = row - cy; the source is centre + Z * R(-theta) * (u, v).
  const u0 = -s * cx - p.shiftX;
  const v0 = -cy - p.shiftY;
  map[offset] = p.zoomY * cos;
  map[offset + 1] = p.zoomY * sin * s;
  map[offset + 2] = cy + p.zoomY * (sin * u0 + cos * v0);
  map[offset + 3] = -p.zoomX * sin;
  map[offset + 4] = p.zoomX * cos * s;
  map[offset + 5] = cx + p.zoomX * (cos * u0 - sin * v0);
}

/**
 * Resamples `src[srcOffset..]` (h x w x c) through the inverse map at `map[mapOffset..]`
 * into `dst[dstOffset..]`. Allocates nothing; the caller has checked all lengths.
 */
export function resample(
  src: Float32Array, srcOffset: number, h: number, w: number, c: number,
  map: Float64Array, mapOffset: number, dst: Float32Array, dstOffset: number,
): void {
  const rr = map[mapOffset]!, rc = map[mapOffset + 1]!, r0 = map[mapOffset + 2]!;
  const cr = map[mapOffset + 3]!, cc = map[mapOffset + 4]!, c0 = map[mapOffset + 5]!;
  if (rr === 1 && rc === 0 && r0 === 0 && cr === 0 && cc === 1 && c0 === 0) {
    // A plain loop rather than set(subarray): no view object per sample.
    for (let i = 0, n = h * w * c; i < n; i++) dst[dstOffset + i] = src[srcOffset + i]!;
    return;
  }
  const rowStride = w * c;
  let o = dstOffset;
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const y = Math.min(Math.max(rr * row + rc * col + r0, 0), h - 1);
      const x = Math.min(Math.max(cr * row + cc * col + c0, 0), w - 1);
      const y0 = Math.floor(y), x0 = Math.floor(x);
      const fy = y - y0, fx = x - x0;
      const y1 = y0 + 1 < h ? y0 + 1 : y0;
      const x1 = x0 + 1 < w ? x0 + 1 : x0;
      const p00 = srcOffset + y0 * rowStride + x0 * c, p01 = srcOffset + y0 * rowStride + x1 * c;
      const p10 = srcOffset + y1 * rowStride + x0 * c, p11 = srcOffset + y1 * rowStride + x1 * c;
      for (let k = 0; k < c; k++) {
        const top = src[p00 + k]! + fx * (src[p01 + k]! - src[p00 + k]!);
        const bottom = src[p10 + k]! + fx * (src[p11 + k]! - src[p10 + k]!);
        dst[o++] = top + fy * (bottom - top);
      }
    }
  }
}
