//! Moving receptive fields between an NHWC image batch and the patch matrix.
//!
//! Row `r` of the patch matrix is output pixel `(n, oh, ow)` (row-major over the batch);
//! its columns are `(kh, kw, ci)` row-major, `k_w * in_c` floats per kernel row. In NHWC
//! the taps `kw` of one kernel row that fall inside the image are consecutive in memory,
//! so each kernel row is one contiguous copy between zero (padding) ends.

use super::Conv2dDims;
use crate::runs::{copy_run, zero_run};

/// Where one patch row reads from: the taps inside the image on each axis.
struct Patch {
    /// Input rows start at `x` offset `image + ih * in_w * in_c`.
    image: usize,
    /// Kernel rows `kh_lo..kh_hi` lie inside the image; `kh_lo` reads input row `ih_lo`.
    kh_lo: usize,
    kh_hi: usize,
    ih_lo: usize,
    /// Kernel columns `kw_lo..kw_hi` lie inside the image; `kw_lo` reads column `iw_lo`.
    kw_lo: usize,
    kw_hi: usize,
    iw_lo: usize,
}

/// On one axis, for output coordinate `o`: the taps `k_lo..k_hi` inside an input of length
/// `n` and the input coordinate of tap `k_lo`.
fn inside(o: usize, stride: usize, pad: usize, n: usize, f: usize) -> (usize, usize, usize) {
    // Window start in padded coordinates; it is below n (see window_axis), so below n + pad.
    let start = o * stride;
    let k_lo = pad.saturating_sub(start);
    let k_hi = (n + pad - start).min(f).max(k_lo);
    (k_lo, k_hi, start + k_lo - pad)
}

impl Patch {
    fn of_row(d: &Conv2dDims, r: usize) -> Patch {
        let pixels = d.out_h * d.out_w;
        let (n, oh, ow) = (r / pixels, r % pixels / d.out_w, r % d.out_w);
        let (kh_lo, kh_hi, ih_lo) = inside(oh, d.stride_h, d.pad_top, d.in_h, d.k_h);
        let (kw_lo, kw_hi, iw_lo) = inside(ow, d.stride_w, d.pad_left, d.in_w, d.k_w);
        Patch {
            image: n * d.in_h * d.in_w * d.in_c,
            kh_lo,
            kh_hi,
            ih_lo,
            kw_lo,
            kw_hi,
            iw_lo,
        }
    }

    /// For kernel row `kh`: the range of the patch row's `k_w * in_c` floats that lies
    /// inside the image, and the `x` offset it starts at; `None` when the row is padding.
    fn run(&self, d: &Conv2dDims, kh: usize) -> Option<(usize, usize, usize)> {
        if kh < self.kh_lo || kh >= self.kh_hi {
            return None;
        }
        let ih = self.ih_lo + kh - self.kh_lo;
        let src = self.image + (ih * d.in_w + self.iw_lo) * d.in_c;
        Some((self.kw_lo * d.in_c, self.kw_hi * d.in_c, src))
    }
}

/// Largest zero-padded image (floats) the gather builds; larger images are gathered
/// with explicit zero runs instead (`gather_clipped`).
pub const PADDED_IMAGE_LIMIT: usize = 1 << 16;

/// How far the windows reach, in padded coordinates: `(height, width)`.
fn reach(d: &Conv2dDims) -> (usize, usize) {
    (
        (d.out_h - 1) * d.stride_h + d.k_h,
        (d.out_w - 1) * d.stride_w + d.k_w,
    )
}

/// True when windows reach outside the image (so the gather needs zeros).
fn needs_padding(d: &Conv2dDims) -> bool {
    let (h, w) = reach(d);
    h > d.in_h || w > d.in_w
}

/// Height and width of the padded image: every window and every image cell fit (with a
/// stride, windows may stop short of the image on one axis while overflowing the other).
fn padded_size(d: &Conv2dDims) -> (usize, usize) {
    let (h, w) = reach(d);
    (h.max(d.pad_top + d.in_h), w.max(d.pad_left + d.in_w))
}

/// Floats of scratch for one zero-padded image: `hp * wp * in_c` when windows reach
/// outside the image and that is at most [`PADDED_IMAGE_LIMIT`], else 0.
pub fn padded_image_len(d: &Conv2dDims) -> usize {
    if d.is_dilated() || !needs_padding(d) {
        return 0;
    }
    let (hp, wp) = padded_size(d);
    match hp.checked_mul(wp).and_then(|n| n.checked_mul(d.in_c)) {
        Some(n) if n <= PADDED_IMAGE_LIMIT => n,
        _ => 0,
    }
}

/// Writes rows `r0..r1` of the patch matrix of `x` into `col` (`[r1 - r0, patch_len]`),
/// zeros where a tap falls in the padding. `padded` holds at least
/// [`padded_image_len`] floats (its contents are ignored).
///
/// Every window reads `k_h` runs of `k_w * in_c` consecutive floats, one per kernel row,
/// from an image with no holes: `x` itself when no window leaves the image, else a
/// zero-padded copy of each image in `padded`. So each patch row is `k_h` plain copies,
/// with no bounds logic and no zero runs per row.
pub(super) fn gather(
    d: &Conv2dDims,
    x: &[f32],
    r0: usize,
    r1: usize,
    col: &mut [f32],
    padded: &mut [f32],
) {
    if d.is_dilated() {
        return super::dilated::gather(d, x, r0, r1, col);
    }
    let padded_len = padded_image_len(d);
    if needs_padding(d) && padded_len == 0 {
        gather_clipped(d, x, r0, r1, col);
        return;
    }
    let (pixels, image_len) = (d.out_h * d.out_w, d.in_h * d.in_w * d.in_c);
    let (kernel_row, patch_len) = (d.k_w * d.in_c, d.patch_len());
    let padded = &mut padded[..padded_len];
    // The border stays zero; only the interior is rewritten per image.
    padded.fill(0.0);
    let mut r = r0;
    while r < r1 {
        let n = r / pixels;
        let end = r1.min((n + 1) * pixels);
        let image = &x[n * image_len..(n + 1) * image_len];
        let (src, row_len): (&[f32], usize) = if padded_len > 0 {
            let wp = padded_size(d).1;
            let row_len = wp * d.in_c;
            let (in_row, at) = (d.in_w * d.in_c, d.pad_top * row_len + d.pad_left * d.in_c);
            for (ih, src_row) in image.chunks_exact(in_row).enumerate() {
                copy_run(&mut padded[at + ih * row_len..][..in_row], src_row);
            }
            (padded, row_len)
        } else {
            (image, d.in_w * d.in_c)
        };
        let (step_h, step_w) = (d.stride_h * row_len, d.stride_w * d.in_c);
        let rows = &mut col[(r - r0) * patch_len..(end - r0) * patch_len];
        let (mut oh, mut ow) = ((r - n * pixels) / d.out_w, (r - n * pixels) % d.out_w);
        for patch in rows.chunks_exact_mut(patch_len) {
            let base = oh * step_h + ow * step_w;
            for (kh, dst) in patch.chunks_exact_mut(kernel_row).enumerate() {
                copy_run(dst, &src[base + kh * row_len..][..kernel_row]);
            }
            ow += 1;
            if ow == d.out_w {
                ow = 0;
                oh += 1;
            }
        }
        r = end;
    }
}

/// [`gather`] for images too large to pad: clips each kernel row to the image and writes
/// the zeros itself.
fn gather_clipped(d: &Conv2dDims, x: &[f32], r0: usize, r1: usize, col: &mut [f32]) {
    let kernel_row = d.k_w * d.in_c;
    for (r, patch) in (r0..r1).zip(col.chunks_exact_mut(d.patch_len())) {
        let p = Patch::of_row(d, r);
        for (kh, dst) in patch.chunks_exact_mut(kernel_row).enumerate() {
            match p.run(d, kh) {
                None => zero_run(dst),
                Some((lo, hi, src)) => {
                    zero_run(&mut dst[..lo]);
                    copy_run(&mut dst[lo..hi], &x[src..src + (hi - lo)]);
                    zero_run(&mut dst[hi..]);
                }
            }
        }
    }
}

/// The transpose of [`gather`]: adds each float of rows `r0..r1` of `dcol` into the `dx`
/// cell it would have been gathered from (padding taps are dropped).
pub(super) fn scatter_add(d: &Conv2dDims, dcol: &[f32], r0: usize, r1: usize, dx: &mut [f32]) {
    if d.is_dilated() {
        return super::dilated::scatter_add(d, dcol, r0, r1, dx);
    }
    let kernel_row = d.k_w * d.in_c;
    for (r, patch) in (r0..r1).zip(dcol.chunks_exact(d.patch_len())) {
        let p = Patch::of_row(d, r);
        for (kh, src_row) in patch.chunks_exact(kernel_row).enumerate() {
            if let Some((lo, hi, dst)) = p.run(d, kh) {
                let cells = &mut dx[dst..dst + (hi - lo)];
                cells
                    .iter_mut()
                    .zip(&src_row[lo..hi])
                    .for_each(|(c, g)| *c += g);
            }
        }
    }
}
