//! Direct convolution for few input channels: forward and filter gradient without im2col.
//!
//! With `in_c` of 1 to 4 (a network's first layer) im2col writes `k_h * k_w * in_c` floats
//! per output pixel for a GEMM only `out_c` columns wide, so the gather and a thin GEMM cost
//! more than the arithmetic. Here four output pixels of one output row share a vector
//! instead: the image is first copied, zero-padded, into a channel-planar layout in which
//! the taps of four neighbouring pixels are four consecutive floats, whatever the stride.
//!
//! Planar layout of one image (`planar_len` floats): `[in_c, reach_h, stride_w, phase_w]`.
//! Row `prow` of channel `ci` is padded input row `prow` (input row `prow - pad_top`);
//! within it, phase `r` column `j` holds padded column `j * stride_w + r`. Tap `kw` of
//! output pixel `ow` reads padded column `ow * stride_w + kw`, which is phase
//! `kw % stride_w`, column `ow + kw / stride_w`: consecutive `ow` are consecutive floats.
//!
//! ```text
//! forward  y[n, oh, ow, co]  = bias[co] + sum over kh, kw, ci of
//!                              P[ci, oh*stride_h + kh, kw % stride_w, ow + kw / stride_w] * w[kh, kw, ci, co]
//! filter   dw[kh, kw, ci, co] = sum over n, oh, ow of the same P entry * dy[n, oh, ow, co]
//! ```
//!
//! Pixels are done four (or eight) at a time; the last `out_w % 4` of each row go through
//! a scalar loop, so no lane ever reads past a row's real pixels. Filters are done in
//! blocks of up to four, each block a separate monomorphized body so that its
//! accumulators live in registers.

use super::lanes::F4;
use super::Conv2dDims;

/// Floats of one zero-padded planar image row (one phase): `out_w + (k_w - 1) / stride_w`.
fn phase_w(d: &Conv2dDims) -> usize {
    d.out_w + (d.k_w - 1) / d.stride_w
}

/// Padded rows the windows reach: `(out_h - 1) * stride_h + k_h`.
fn reach_h(d: &Conv2dDims) -> usize {
    (d.out_h - 1) * d.stride_h + d.k_h
}

/// Floats of one planar image (see the module doc).
fn planar_len(d: &Conv2dDims) -> usize {
    d.in_c * reach_h(d) * d.stride_w * phase_w(d)
}

/// Floats of scratch the direct kernels need: one planar image, then (for the filter
/// gradient) one image of `dy` transposed to `[out_c, out_h * out_w]`, then four partial
/// sums per weight. `None` on overflow.
pub(super) fn scratch_len(d: &Conv2dDims) -> Option<usize> {
    let planar = d
        .in_c
        .checked_mul(reach_h(d))?
        .checked_mul(d.stride_w)?
        .checked_mul(phase_w(d))?;
    let dy_t = d.out_c.checked_mul(d.out_h)?.checked_mul(d.out_w)?;
    let sums = d.kernel_len().checked_mul(4)?;
    planar.checked_add(dy_t)?.checked_add(sums)
}

/// Offset in the planar image of padded row `prow`, phase `phase`, channel `ci`.
#[inline(always)]
fn row_start(d: &Conv2dDims, ci: usize, prow: usize, phase: usize) -> usize {
    ((ci * reach_h(d) + prow) * d.stride_w + phase) * phase_w(d)
}

/// Copies image `x` (`[in_h, in_w, in_c]`) into `planar`, zeros in the padding.
fn fill_planar(d: &Conv2dDims, x: &[f32], planar: &mut [f32]) {
    let pw = phase_w(d);
    for ci in 0..d.in_c {
        for prow in 0..reach_h(d) {
            let ih = prow.wrapping_sub(d.pad_top);
            for phase in 0..d.stride_w {
                let start = row_start(d, ci, prow, phase);
                for (j, p) in planar[start..start + pw].iter_mut().enumerate() {
                    let iw = (j * d.stride_w + phase).wrapping_sub(d.pad_left);
                    // Wrapped (negative) coordinates are huge, so one compare covers both ends.
                    *p = if ih < d.in_h && iw < d.in_w {
                        x[(ih * d.in_w + iw) * d.in_c + ci]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// Calls `f(co0, cb)` for each filter block: `co0` its first filter, `cb` its size
/// (1..=`max`).
#[inline(always)]
fn filter_blocks(out_c: usize, max: usize, mut f: impl FnMut(usize, usize)) {
    for co0 in (0..out_c).step_by(max) {
        f(co0, (out_c - co0).min(max));
    }
}

/// Filters per forward block: with two pixel vectors, 12 accumulators, which with the two
/// input vectors and a weight fit x64's 16 vector registers.
const FORWARD_BLOCK: usize = 6;

/// Forward pass on the direct path (same contract as [`super::conv2d_forward`]).
pub(super) fn forward(
    d: &Conv2dDims,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
    scratch: &mut [f32],
) {
    let planar = &mut scratch[..planar_len(d)];
    let image = d.in_h * d.in_w * d.in_c;
    let row_len = d.out_w * d.out_c;
    for n in 0..d.batch {
        fill_planar(d, &x[n * image..(n + 1) * image], planar);
        for oh in 0..d.out_h {
            let start = (n * d.out_h + oh) * row_len;
            let y_row = &mut y[start..start + row_len];
            let mut ow = 0;
            while ow < d.out_w / 4 * 4 {
                let two = ow + 8 <= d.out_w;
                filter_blocks(d.out_c, FORWARD_BLOCK, |co0, cb| {
                    let at = Block { oh, ow, co0 };
                    let (p, w) = (&*planar, w);
                    match (cb, two) {
                        (1, true) => forward_block::<1, 2>(d, p, w, bias, at, y_row),
                        (2, true) => forward_block::<2, 2>(d, p, w, bias, at, y_row),
                        (3, true) => forward_block::<3, 2>(d, p, w, bias, at, y_row),
                        (4, true) => forward_block::<4, 2>(d, p, w, bias, at, y_row),
                        (5, true) => forward_block::<5, 2>(d, p, w, bias, at, y_row),
                        (_, true) => forward_block::<6, 2>(d, p, w, bias, at, y_row),
                        (1, false) => forward_block::<1, 1>(d, p, w, bias, at, y_row),
                        (2, false) => forward_block::<2, 1>(d, p, w, bias, at, y_row),
                        (3, false) => forward_block::<3, 1>(d, p, w, bias, at, y_row),
                        (4, false) => forward_block::<4, 1>(d, p, w, bias, at, y_row),
                        (5, false) => forward_block::<5, 1>(d, p, w, bias, at, y_row),
                        (_, false) => forward_block::<6, 1>(d, p, w, bias, at, y_row),
                    }
                });
                ow += if two { 8 } else { 4 };
            }
            for ow in ow..d.out_w {
                forward_pixel(d, planar, w, bias, oh, ow, y_row);
            }
        }
    }
}

/// Where a block of the output starts: output row `oh`, first pixel `ow`, first filter `co0`.
#[derive(Clone, Copy)]
struct Block {
    oh: usize,
    ow: usize,
    co0: usize,
}

/// `4 * PB` pixels from `at.ow` by `CB` filters from `at.co0` of output row `at.oh`.
#[inline(never)]
fn forward_block<const CB: usize, const PB: usize>(
    d: &Conv2dDims,
    planar: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    at: Block,
    y_row: &mut [f32],
) {
    let mut acc = [[F4::zero(); PB]; CB];
    if let Some(b) = bias {
        for (c, a) in acc.iter_mut().enumerate() {
            *a = [F4::splat(b[at.co0 + c]); PB];
        }
    }
    let (pw, plane_row) = (phase_w(d), d.stride_w * phase_w(d));
    for kh in 0..d.k_h {
        let prow = at.oh * d.stride_h + kh;
        for ci in 0..d.in_c {
            let r0 = row_start(d, ci, prow, 0);
            let row = &planar[r0..r0 + plane_row];
            let mut w0 = (kh * d.k_w * d.in_c + ci) * d.out_c + at.co0;
            // Tap kw reads phase kw % stride_w, column kw / stride_w, kept incrementally.
            let (mut phase, mut col) = (0, 0);
            for _ in 0..d.k_w {
                let start = phase * pw + col + at.ow;
                let src = &row[start..start + 4 * PB];
                let xs: [F4; PB] = core::array::from_fn(|p| F4::load(&src[4 * p..]));
                let taps = &w[w0..w0 + CB];
                for (a, &t) in acc.iter_mut().zip(taps) {
                    let t = F4::splat(t);
                    for (a, &x) in a.iter_mut().zip(&xs) {
                        *a = a.mul_add(x, t);
                    }
                }
                w0 += d.in_c * d.out_c;
                phase += 1;
                if phase == d.stride_w {
                    phase = 0;
                    col += 1;
                }
            }
        }
    }
    for (c, a) in acc.iter().enumerate() {
        for (p, a) in a.iter().enumerate() {
            for (l, v) in a.to_array().into_iter().enumerate() {
                y_row[(at.ow + 4 * p + l) * d.out_c + at.co0 + c] = v;
            }
        }
    }
}

/// One output pixel `ow` of row `oh`, every filter (the scalar tail of a row).
fn forward_pixel(
    d: &Conv2dDims,
    planar: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    oh: usize,
    ow: usize,
    y_row: &mut [f32],
) {
    let out = &mut y_row[ow * d.out_c..(ow + 1) * d.out_c];
    match bias {
        Some(b) => out.copy_from_slice(&b[..d.out_c]),
        None => out.fill(0.0),
    }
    for kh in 0..d.k_h {
        for ci in 0..d.in_c {
            for kw in 0..d.k_w {
                let v = planar[row_start(d, ci, oh * d.stride_h + kh, kw % d.stride_w)
                    + ow
                    + kw / d.stride_w];
                let w0 = ((kh * d.k_w + kw) * d.in_c + ci) * d.out_c;
                for (o, &t) in out.iter_mut().zip(&w[w0..w0 + d.out_c]) {
                    *o += v * t;
                }
            }
        }
    }
}

/// Filter gradient on the direct path (same contract as [`super::conv2d_backward_filter`]).
pub(super) fn backward_filter(
    d: &Conv2dDims,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    scratch: &mut [f32],
) {
    let (planar, rest) = scratch.split_at_mut(planar_len(d));
    let pixels = d.out_h * d.out_w;
    let (dy_t, sums) = rest.split_at_mut(d.out_c * pixels);
    let sums = &mut sums[..d.kernel_len() * 4];
    sums.fill(0.0);
    dw.fill(0.0);
    let image = d.in_h * d.in_w * d.in_c;
    for n in 0..d.batch {
        fill_planar(d, &x[n * image..(n + 1) * image], planar);
        // Transposed, each filter's gradients along an output row are consecutive floats.
        let dy_image = &dy[n * pixels * d.out_c..(n + 1) * pixels * d.out_c];
        for (co, row) in dy_t.chunks_exact_mut(pixels).enumerate() {
            for (t, &v) in row.iter_mut().zip(dy_image[co..].iter().step_by(d.out_c)) {
                *t = v;
            }
        }
        for kh in 0..d.k_h {
            for ci in 0..d.in_c {
                for kw0 in (0..d.k_w).step_by(FILTER_TAPS) {
                    let tb = (d.k_w - kw0).min(FILTER_TAPS);
                    let first = Tap { kh, kw: kw0, ci };
                    filter_blocks(d.out_c, FILTER_FILTERS, |co0, cb| {
                        let (p, g) = (&*planar, &*dy_t);
                        let s = &mut *sums;
                        match (tb, cb) {
                            (1, 1) => filter_block::<1, 1>(d, p, g, first, co0, s),
                            (1, 2) => filter_block::<1, 2>(d, p, g, first, co0, s),
                            (1, _) => filter_block::<1, 3>(d, p, g, first, co0, s),
                            (2, 1) => filter_block::<2, 1>(d, p, g, first, co0, s),
                            (2, 2) => filter_block::<2, 2>(d, p, g, first, co0, s),
                            (2, _) => filter_block::<2, 3>(d, p, g, first, co0, s),
                            (_, 1) => filter_block::<3, 1>(d, p, g, first, co0, s),
                            (_, 2) => filter_block::<3, 2>(d, p, g, first, co0, s),
                            (_, _) => filter_block::<3, 3>(d, p, g, first, co0, s),
                        }
                    });
                }
            }
        }
        if d.out_w % 4 != 0 {
            for (t, dw_tap) in dw.chunks_exact_mut(d.out_c).enumerate() {
                filter_tail(d, planar, dy_t, Tap::of(d, t), dw_tap);
            }
        }
    }
    for (g, s) in dw.iter_mut().zip(sums.chunks_exact(4)) {
        *g += (s[0] + s[1]) + (s[2] + s[3]);
    }
}

/// One kernel tap (weight row of `dw`).
#[derive(Clone, Copy)]
struct Tap {
    kh: usize,
    kw: usize,
    ci: usize,
}

impl Tap {
    /// The tap of weight row `t` of `dw` (`t = (kh * k_w + kw) * in_c + ci`).
    #[inline(always)]
    fn of(d: &Conv2dDims, t: usize) -> Tap {
        Tap {
            kh: t / (d.k_w * d.in_c),
            kw: t / d.in_c % d.k_w,
            ci: t % d.in_c,
        }
    }
}

/// The planar floats tap `t` reads for output row `oh`: `out_w` of them, one per pixel.
#[inline(always)]
fn tap_row<'a>(d: &Conv2dDims, planar: &'a [f32], t: Tap, oh: usize) -> &'a [f32] {
    let s0 = row_start(d, t.ci, oh * d.stride_h + t.kh, t.kw % d.stride_w) + t.kw / d.stride_w;
    &planar[s0..s0 + d.out_w]
}

/// Taps (consecutive weight rows of `dw`) per filter-gradient block.
const FILTER_TAPS: usize = 3;
/// Filters per filter-gradient block: 3 x 3 accumulators, and each loaded vector serves 3.
const FILTER_FILTERS: usize = 3;

/// Adds `x * dy` over one image's output pixels `ow < out_w / 4 * 4` (four lanes apart)
/// for the `TB` taps from weight row `t0` of `dw` and the `CB` filters from `co0`, to
/// their partial sums: `sums[4 * (tap * out_c + co)..][..4]`.
#[inline(never)]
fn filter_block<const TB: usize, const CB: usize>(
    d: &Conv2dDims,
    planar: &[f32],
    dy_t: &[f32],
    first: Tap,
    co0: usize,
    sums: &mut [f32],
) {
    let full = d.out_w / 4 * 4;
    let pixels = d.out_h * d.out_w;
    let taps: [Tap; TB] = core::array::from_fn(|t| Tap {
        kw: first.kw + t,
        ..first
    });
    let mut acc = [[F4::zero(); CB]; TB];
    for oh in 0..d.out_h {
        // Each pointer starts a checked slice of `full` floats.
        let src: [*const f32; TB] =
            core::array::from_fn(|t| tap_row(d, planar, taps[t], oh)[..full].as_ptr());
        let rows: [*const f32; CB] = core::array::from_fn(|c| {
            let r0 = (co0 + c) * pixels + oh * d.out_w;
            dy_t[r0..r0 + full].as_ptr()
        });
        let mut g = 0;
        while g < full {
            // SAFETY: `g + 4 <= full` (`full` is a multiple of 4) and every pointer in
            // `src` and `rows` starts a slice of `full` floats.
            let xs: [F4; TB] = core::array::from_fn(|t| unsafe { F4::load_ptr(src[t].add(g)) });
            for (c, r) in rows.iter().enumerate() {
                // SAFETY: as for `xs`.
                let dy = unsafe { F4::load_ptr(r.add(g)) };
                for (a, &x) in acc.iter_mut().zip(&xs) {
                    a[c] = a[c].mul_add(x, dy);
                }
            }
            g += 4;
        }
    }
    for (t, a) in acc.iter().enumerate() {
        for (c, a) in a.iter().enumerate() {
            let tap = (first.kh * d.k_w + first.kw + t) * d.in_c + first.ci;
            let at = 4 * (tap * d.out_c + co0 + c);
            for (s, v) in sums[at..at + 4].iter_mut().zip(a.to_array()) {
                *s += v;
            }
        }
    }
}

/// Adds `x * dy` of tap `t` over one image's last `out_w % 4` pixels of each output row
/// to `dw_tap` (the tap's `out_c` gradients).
fn filter_tail(d: &Conv2dDims, planar: &[f32], dy_t: &[f32], t: Tap, dw_tap: &mut [f32]) {
    let pixels = d.out_h * d.out_w;
    for oh in 0..d.out_h {
        let src = tap_row(d, planar, t, oh);
        for (ow, &v) in src.iter().enumerate().skip(d.out_w / 4 * 4) {
            for (co, g) in dw_tap.iter_mut().enumerate() {
                *g += v * dy_t[co * pixels + oh * d.out_w + ow];
            }
        }
    }
}
