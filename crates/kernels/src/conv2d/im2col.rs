//! Moving receptive fields between an NHWC image batch and the patch matrix.
//!
//! Row `r` of the patch matrix is output pixel `(n, oh, ow)` (row-major over the batch);
//! its columns are `(kh, kw, ci)` row-major, `k_w * in_c` floats per kernel row. In NHWC
//! the taps `kw` of one kernel row that fall inside the image are consecutive in memory,
//! so each kernel row is one contiguous copy between zero (padding) ends.

use super::Conv2dDims;

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

/// Writes rows `r0..r1` of the patch matrix of `x` into `col` (`[r1 - r0, patch_len]`),
/// zeros where a tap falls in the padding.
pub(super) fn gather(d: &Conv2dDims, x: &[f32], r0: usize, r1: usize, col: &mut [f32]) {
    let kernel_row = d.k_w * d.in_c;
    for (r, patch) in (r0..r1).zip(col.chunks_exact_mut(d.patch_len())) {
        let p = Patch::of_row(d, r);
        for (kh, dst) in patch.chunks_exact_mut(kernel_row).enumerate() {
            match p.run(d, kh) {
                None => dst.fill(0.0),
                Some((lo, hi, src)) => {
                    dst[..lo].fill(0.0);
                    dst[lo..hi].copy_from_slice(&x[src..src + (hi - lo)]);
                    dst[hi..].fill(0.0);
                }
            }
        }
    }
}

/// The transpose of [`gather`]: adds each float of rows `r0..r1` of `dcol` into the `dx`
/// cell it would have been gathered from (padding taps are dropped).
pub(super) fn scatter_add(d: &Conv2dDims, dcol: &[f32], r0: usize, r1: usize, dx: &mut [f32]) {
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
