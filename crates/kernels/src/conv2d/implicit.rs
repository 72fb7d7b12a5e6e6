//! Implicit GEMM: the im2col products of `mod.rs` with the patch matrix never written.
//!
//! The GEMM's micro-kernel broadcasts A one float at a time through strides, so it can
//! read A straight from an image. Take one zero-padded image `P` (`[hp, wp, c]`, built
//! once per image in scratch; `x` itself when no window leaves it). Output pixel
//! `(oh, ow)`'s patch, tap `t = (kh, kw)`, channel `ci`, is
//!
//! ```text
//! P[(oh*stride_h + kh) * wp * c  +  ow * stride_w * c  +  kw * c  +  ci]
//!    `---- row base of oh ----'     `-- row step --'     `- tap offset + ci -'
//! ```
//!
//! so within one output row the pixels are `stride_w * c` floats apart and each kernel row
//! (its `k_w` taps) is a run of `k_w * c` consecutive floats at a fixed offset: the shared
//! dimension of the GEMM splits into one segment per kernel row (`gemm::kernel_segments`),
//! and the micro-kernel runs over an output row's pixels four at a time with no copy of A.
//!
//! ```text
//! forward          y[pixels, out_c]   = P-patches · W          one segment per kernel row
//! backward input   dx = the forward of dy (padded by k - 1 - pad) with W flipped and
//!                  transposed per tap (stride 1 only: no col2im scatter)
//! backward filter  dW[tap, ci, co]   += P-patchesᵀ · dy         one segment per output row
//! ```
//!
//! B (the filter) is packed once per call into `NR`-column slivers in `(tap, ci)` order
//! and reused for every image. The filter gradient reads `dy` in place when `out_c` is a
//! multiple of `NR`, else packs a band of its rows at a time.

use super::{Conv2dDims, SCRATCH_BUDGET};
use crate::gemm::blocking::{MR, NR};
use crate::gemm::{kernel_segments, Seg, Segments, PACK_LEN};
use crate::runs::copy_run;

/// Most segments (filter taps, or output rows of a band) the micro-kernel takes at once:
/// kernels with more taps use im2col.
pub const MAX_SEGS: usize = 64;

/// Output pixels per band of the filter gradient: the band's `dy` rows (for 16-64
/// filters, 16-64 KB) stay in L1/L2 while every tap and channel block sweeps over them.
const BAND_PIXELS: usize = 256;

/// How one implicit GEMM reads its source (`x`, or `dy` for the input gradient).
#[derive(Clone, Copy, Debug)]
pub(super) struct Geom {
    /// One source image: `[src_h, src_w, c]`.
    src_h: usize,
    src_w: usize,
    c: usize,
    /// Zeros before the image in the padded copy.
    pad_top: usize,
    pad_left: usize,
    /// The padded image (covers every window); equal to the source when `copy` is false.
    hp: usize,
    wp: usize,
    copy: bool,
    out_h: usize,
    out_w: usize,
    k_h: usize,
    k_w: usize,
    stride_h: usize,
    stride_w: usize,
}

impl Geom {
    fn new(
        src: (usize, usize, usize),
        pad: (usize, usize),
        out: (usize, usize),
        d: &Conv2dDims,
        stride: (usize, usize),
    ) -> Geom {
        let reach_h = (out.0 - 1) * stride.0 + d.k_h;
        let reach_w = (out.1 - 1) * stride.1 + d.k_w;
        let copy = pad.0 > 0 || pad.1 > 0 || reach_h > src.0 || reach_w > src.1;
        let (hp, wp) = if copy {
            (reach_h.max(pad.0 + src.0), reach_w.max(pad.1 + src.1))
        } else {
            (src.0, src.1)
        };
        Geom {
            src_h: src.0,
            src_w: src.1,
            c: src.2,
            pad_top: pad.0,
            pad_left: pad.1,
            hp,
            wp,
            copy,
            out_h: out.0,
            out_w: out.1,
            k_h: d.k_h,
            k_w: d.k_w,
            stride_h: stride.0,
            stride_w: stride.1,
        }
    }

    /// The forward pass (and filter gradient) reads `x`.
    pub(super) fn forward(d: &Conv2dDims) -> Geom {
        Geom::new(
            (d.in_h, d.in_w, d.in_c),
            (d.pad_top, d.pad_left),
            (d.out_h, d.out_w),
            d,
            (d.stride_h, d.stride_w),
        )
    }

    /// The input gradient (stride 1) is a forward pass over `dy` padded by `k - 1 - pad`.
    pub(super) fn backward_input(d: &Conv2dDims) -> Geom {
        Geom::new(
            (d.out_h, d.out_w, d.out_c),
            (d.k_h - 1 - d.pad_top, d.k_w - 1 - d.pad_left),
            (d.in_h, d.in_w),
            d,
            (1, 1),
        )
    }

    /// Floats of one padded image plus `MR` of slack (the filter gradient's last channel
    /// block may read up to `MR - 1` floats past the image into discarded tile rows).
    fn padded_len(&self) -> usize {
        self.hp * self.wp * self.c + MR
    }

    fn patch_len(&self) -> usize {
        self.k_h * self.k_w * self.c
    }

    /// Floats of scratch: the padded image and one packed partial A sliver.
    pub(super) fn scratch_len(&self) -> usize {
        self.padded_len() + MR * self.patch_len()
    }

    /// Offset of tap `(kh, kw)` from a pixel's window start in the padded image.
    fn tap(&self, kh: usize, kw: usize) -> usize {
        (kh * self.wp + kw) * self.c
    }
}

/// Output pixels per band of the filter gradient: whole output rows, at most
/// [`MAX_SEGS`] of them.
fn band_rows(g: &Geom) -> usize {
    (BAND_PIXELS / g.out_w).clamp(1, MAX_SEGS).min(g.out_h)
}

/// True when one padded image and a packed partial sliver fit the conv scratch budget.
fn small_image(g: &Geom) -> bool {
    let patch = g
        .k_h
        .checked_mul(g.k_w)
        .and_then(|t| t.checked_mul(g.c))
        .and_then(|p| p.checked_mul(MR));
    let image = g.hp.checked_mul(g.wp).and_then(|n| n.checked_mul(g.c));
    matches!((image, patch), (Some(i), Some(p)) if i <= SCRATCH_BUDGET && p <= SCRATCH_BUDGET)
}

/// Floats of B packed into `NR`-column slivers: `k * ceil(n / NR) * NR`.
fn packed_len(k: usize, n: usize) -> Option<usize> {
    k.checked_mul((n + NR - 1) / NR * NR)
}

/// True when the forward pass and the filter gradient can run implicitly for `d`: few
/// enough taps, packed filter and `dy` bands within the GEMM's pack workspace.
pub(super) fn fits(d: &Conv2dDims) -> bool {
    let g = Geom::forward(d);
    small_image(&g)
        && (2..=MAX_SEGS).contains(&(d.k_h * d.k_w))
        && packed_len(d.patch_len(), d.out_c).map_or(false, |n| n <= PACK_LEN)
        && packed_len(band_rows(&g) * g.out_w, d.out_c).map_or(false, |n| n <= PACK_LEN)
}

/// True when the input gradient runs implicitly (stride 1 and a packed filter that fits).
pub(super) fn fits_backward_input(d: &Conv2dDims) -> bool {
    small_image(&Geom::backward_input(d))
        && d.stride_h == 1
        && d.stride_w == 1
        && d.k_h * d.k_w <= MAX_SEGS
        && packed_len(d.k_h * d.k_w * d.out_c, d.in_c).map_or(false, |n| n <= PACK_LEN)
}

/// Packs the `k x n` matrix `value(p, j)` into `NR`-column slivers (zero past `n`).
fn pack_b(k: usize, n: usize, value: impl Fn(usize, usize) -> f32, out: &mut [f32]) {
    for (s, sliver) in out
        .chunks_exact_mut(k * NR)
        .take((n + NR - 1) / NR)
        .enumerate()
    {
        for (p, row) in sliver.chunks_exact_mut(NR).enumerate() {
            for (jj, v) in row.iter_mut().enumerate() {
                let j = s * NR + jj;
                *v = if j < n { value(p, j) } else { 0.0 };
            }
        }
    }
}

/// Packs the forward filter `W = [patch_len, out_c]` into `pack`.
pub(super) fn pack_forward(d: &Conv2dDims, w: &[f32], pack: &mut [f32]) {
    let n = d.out_c;
    pack_b(d.patch_len(), n, |p, j| w[p * n + j], pack);
}

/// Packs the input gradient's filter: row `(kh', kw', co)`, column `ci` holds
/// `w[k_h - 1 - kh', k_w - 1 - kw', ci, co]` (flipped taps, channels swapped).
pub(super) fn pack_backward_input(d: &Conv2dDims, w: &[f32], pack: &mut [f32]) {
    let (taps, oc, ic) = (d.k_h * d.k_w, d.out_c, d.in_c);
    pack_b(
        taps * oc,
        ic,
        |p, ci| w[((taps - 1 - p / oc) * ic + ci) * oc + p % oc],
        pack,
    );
}

/// The image that pixel-row reads of image `n` go to: `src` itself, or its zero-padded
/// copy written into `padded` (whose border is zero from [`clear_padded`]).
fn image<'a>(g: &Geom, src: &'a [f32], n: usize, padded: &'a mut [f32]) -> &'a [f32] {
    let len = g.src_h * g.src_w * g.c;
    let img = &src[n * len..(n + 1) * len];
    if !g.copy {
        return img;
    }
    let (row, prow) = (g.src_w * g.c, g.wp * g.c);
    let at = g.pad_top * prow + g.pad_left * g.c;
    for (ih, src_row) in img.chunks_exact(row).enumerate() {
        copy_run(&mut padded[at + ih * prow..][..row], src_row);
    }
    padded
}

/// Zeroes the padded-image scratch once per call: only the interior changes per image.
fn clear_padded(g: &Geom, scratch: &mut [f32]) {
    scratch[..g.padded_len()].fill(0.0);
}

/// The segments of a forward pass, one per kernel row: in NHWC the `k_w` taps of a
/// kernel row are `k_w * c` consecutive floats of the padded image, and B's rows are in
/// the same `(kh, kw, ci)` order, so kernel row `kh` is one run at its offset.
fn row_segments(g: &Geom, segs: &mut [Seg; MAX_SEGS]) -> usize {
    let run = g.k_w * g.c;
    for (kh, seg) in segs.iter_mut().take(g.k_h).enumerate() {
        *seg = Seg {
            a: g.tap(kh, 0),
            b: kh * run * NR,
            len: run,
        };
    }
    g.k_h
}

/// One tile of C (`rows x cols` valid of `MR x NR`): through the micro-kernel directly
/// when whole, else into a small tile whose valid corner is written (or added) to C.
#[allow(clippy::too_many_arguments)]
fn tile(
    sg: &Segments,
    a: &[f32],
    rs: usize,
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    rows: usize,
    cols: usize,
    accumulate: bool,
) {
    if rows == MR && cols == NR {
        kernel_segments(sg, a, rs, b, c, ldc, accumulate);
        return;
    }
    let mut t = [0.0f32; MR * NR];
    kernel_segments(sg, a, rs, b, &mut t, NR, false);
    for (r, src) in t.chunks_exact(NR).take(rows).enumerate() {
        for (j, &v) in src.iter().enumerate().take(cols) {
            let dst = &mut c[r * ldc + j];
            *dst = if accumulate { *dst + v } else { v };
        }
    }
}

/// Rows `r0..r1` (output pixels over the batch) of the implicit forward GEMM over `src`
/// with the packed B (`patch_len x n`): writes (or adds to, when `accumulate`) `y`, which
/// holds those rows (`n` floats each). `scratch` holds [`Geom::scratch_len`] floats.
#[allow(clippy::too_many_arguments)]
pub(super) fn forward_rows(
    g: &Geom,
    src: &[f32],
    b_pack: &[f32],
    n: usize,
    r0: usize,
    r1: usize,
    y: &mut [f32],
    accumulate: bool,
    scratch: &mut [f32],
) {
    let (padded, edge) = scratch.split_at_mut(g.padded_len());
    if g.copy {
        clear_padded(g, padded);
    }
    let k = g.patch_len();
    let mut segs = [Seg::default(); MAX_SEGS];
    let count = row_segments(g, &mut segs);
    let segs = &segs[..count];
    let run = g.k_w * g.c;
    let taps_sg = Segments::new(segs, 1, NR);
    let all = [Seg { a: 0, b: 0, len: k }];
    let packed_sg = Segments::new(&all, MR, NR);
    let (pixels, rs, prow) = (g.out_h * g.out_w, g.stride_w * g.c, g.wp * g.c);
    let mut r = r0;
    while r < r1 {
        let img_n = r / pixels;
        let end = r1.min((img_n + 1) * pixels);
        let img = image(g, src, img_n, padded);
        // Output rows of this image that [r, end) touches, each clipped to the range.
        let (first, last) = ((r % pixels) / g.out_w, (end - 1 - img_n * pixels) / g.out_w);
        for oh in first..=last {
            let row0 = img_n * pixels + oh * g.out_w;
            let (ow0, ow1) = (r.max(row0) - row0, end.min(row0 + g.out_w) - row0);
            let base = oh * g.stride_h * prow;
            for (s, b) in b_pack
                .chunks_exact(k * NR)
                .take((n + NR - 1) / NR)
                .enumerate()
            {
                let cols = NR.min(n - s * NR);
                for ow in (ow0..ow1).step_by(MR) {
                    let rows = MR.min(ow1 - ow);
                    let c = &mut y[(row0 + ow - r0) * n + s * NR..];
                    let a = &img[base + ow * rs..];
                    if rows == MR {
                        tile(&taps_sg, a, rs, b, c, n, rows, cols, accumulate);
                    } else {
                        // A partial sliver: copy its rows (zero-padded to MR) so that no
                        // read runs past the image.
                        let packed = &mut edge[..MR * k];
                        for (p, col) in packed.chunks_exact_mut(MR).enumerate() {
                            let off = segs[p / run].a + p % run;
                            for (i, v) in col.iter_mut().enumerate() {
                                *v = if i < rows { a[i * rs + off] } else { 0.0 };
                            }
                        }
                        tile(&packed_sg, packed, 1, b, c, n, rows, cols, accumulate);
                    }
                }
            }
        }
        r = end;
    }
}

/// Filter gradient: `dw[tap, ci, co] = sum over pixels of P-patch[pixel, tap, ci] *
/// dy[pixel, co]` (overwrites `dw`). `pack` holds [`PACK_LEN`] floats, `scratch`
/// [`Geom::scratch_len`].
pub(super) fn backward_filter(
    d: &Conv2dDims,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let g = Geom::forward(d);
    let (padded, _) = scratch.split_at_mut(g.padded_len());
    clear_padded(&g, padded);
    dw.fill(0.0);
    let (oc, c) = (d.out_c, g.c);
    let pixels = g.out_h * g.out_w;
    let band = band_rows(&g);
    // dy is read in place when its rows hold whole slivers, else packed a band at a time.
    let in_place = oc % NR == 0;
    let slivers = (oc + NR - 1) / NR;
    let (rs_pix, prow) = (g.stride_w * c, g.wp * c);
    let mut segs = [Seg::default(); MAX_SEGS];
    for img_n in 0..d.batch {
        let img = image(&g, x, img_n, padded);
        // Always a copy with slack past the end when channels leave a partial block.
        let img: &[f32] = if g.copy { &img[..g.padded_len()] } else { img };
        let dy_img = &dy[img_n * pixels * oc..(img_n + 1) * pixels * oc];
        for oh0 in (0..g.out_h).step_by(band) {
            let rows_in_band = band.min(g.out_h - oh0);
            let band_px = rows_in_band * g.out_w;
            let dy_band = &dy_img[oh0 * g.out_w * oc..(oh0 * g.out_w + band_px) * oc];
            let (b_all, ldb): (&[f32], usize) = if in_place {
                (dy_band, oc)
            } else {
                pack_b(band_px, oc, |p, j| dy_band[p * oc + j], pack);
                (&pack[..slivers * band_px * NR], NR)
            };
            for s in 0..slivers {
                let cols = NR.min(oc - s * NR);
                for (i, seg) in segs.iter_mut().take(rows_in_band).enumerate() {
                    let b = if in_place {
                        i * g.out_w * oc + s * NR
                    } else {
                        s * band_px * NR + i * g.out_w * NR
                    };
                    *seg = Seg {
                        a: (oh0 + i) * g.stride_h * prow,
                        b,
                        len: g.out_w,
                    };
                }
                let sg = Segments::new(&segs[..rows_in_band], rs_pix, ldb);
                // The rows of dw for kernel row kh, (kw, ci), are consecutive floats of the
                // padded image (as in `row_segments`): blocks of MR of them.
                let run = g.k_w * c;
                for kh in 0..g.k_h {
                    for p in (0..run).step_by(MR) {
                        let rows = MR.min(run - p);
                        let a = &img[g.tap(kh, 0) + p..];
                        let dst = &mut dw[(kh * run + p) * oc + s * NR..];
                        if rows < MR && !g.copy {
                            filter_edge(&sg, a, b_all, dst, oc, rows, cols);
                        } else {
                            tile(&sg, a, 1, b_all, dst, oc, rows, cols, true);
                        }
                    }
                }
            }
        }
    }
}

/// A partial channel block of the filter gradient read from `x` in place (no slack past
/// the image): the `rows` channels one at a time, each as row 0 of a tile whose other
/// rows read the same channel (rs = 0) and are dropped.
#[allow(clippy::too_many_arguments)]
fn filter_edge(
    sg: &Segments,
    a: &[f32],
    b: &[f32],
    dst: &mut [f32],
    ldc: usize,
    rows: usize,
    cols: usize,
) {
    for r in 0..rows {
        tile(sg, &a[r..], 0, b, &mut dst[r * ldc..], ldc, 1, cols, true);
    }
}
