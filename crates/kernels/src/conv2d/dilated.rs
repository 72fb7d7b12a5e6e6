//! The patch matrix of a dilated convolution: the same rows and columns as `im2col.rs`
//! (`(kh, kw, ci)` per output pixel), but the taps of one kernel row are `dilation_w`
//! pixels apart, so each tap is its own run of `in_c` floats, inside the image or zero.

use super::Conv2dDims;
use crate::depthwise::inside_taps;
use crate::runs::{copy_run, zero_run};

/// Calls `f(tap, Some(x_offset))` for each tap of patch row `r` (in `(kh, kw)` order), or
/// `f(tap, None)` for a tap in the padding; `x_offset` is where its `in_c` floats start.
fn for_each_tap(d: &Conv2dDims, r: usize, mut f: impl FnMut(usize, Option<usize>)) {
    let pixels = d.out_h * d.out_w;
    let (n, oh, ow) = (r / pixels, r % pixels / d.out_w, r % d.out_w);
    let (kh_lo, kh_hi) = inside_taps(oh, d.stride_h, d.dilation_h, d.pad_top, d.in_h, d.k_h);
    let (kw_lo, kw_hi) = inside_taps(ow, d.stride_w, d.dilation_w, d.pad_left, d.in_w, d.k_w);
    for kh in 0..d.k_h {
        for kw in 0..d.k_w {
            let tap = kh * d.k_w + kw;
            if (kh_lo..kh_hi).contains(&kh) && (kw_lo..kw_hi).contains(&kw) {
                let ih = oh * d.stride_h + kh * d.dilation_h - d.pad_top;
                let iw = ow * d.stride_w + kw * d.dilation_w - d.pad_left;
                f(tap, Some(((n * d.in_h + ih) * d.in_w + iw) * d.in_c));
            } else {
                f(tap, None);
            }
        }
    }
}

/// Rows `r0..r1` of the patch matrix into `col` (`[r1 - r0, patch_len]`).
pub(super) fn gather(d: &Conv2dDims, x: &[f32], r0: usize, r1: usize, col: &mut [f32]) {
    let c = d.in_c;
    for (r, patch) in (r0..r1).zip(col.chunks_exact_mut(d.patch_len())) {
        for_each_tap(d, r, |tap, src| {
            let dst = &mut patch[tap * c..(tap + 1) * c];
            match src {
                Some(at) => copy_run(dst, &x[at..at + c]),
                None => zero_run(dst),
            }
        });
    }
}

/// The transpose of [`gather`]: adds rows `r0..r1` of `dcol` into `dx`.
pub(super) fn scatter_add(d: &Conv2dDims, dcol: &[f32], r0: usize, r1: usize, dx: &mut [f32]) {
    let c = d.in_c;
    for (r, patch) in (r0..r1).zip(dcol.chunks_exact(d.patch_len())) {
        for_each_tap(d, r, |tap, dst| {
            if let Some(at) = dst {
                let src = &patch[tap * c..(tap + 1) * c];
                dx[at..at + c]
                    .iter_mut()
                    .zip(src)
                    .for_each(|(g, s)| *g += s);
            }
        });
    }
}
