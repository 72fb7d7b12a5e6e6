//! Inference epilogues: what follows a convolution or dense layer's product, applied to
//! its output while that output is still in cache, instead of by separate layers that
//! each read and write the whole tensor again.
//!
//! An epilogue acts on a `[rows, channels]` output (NHWC pixels or dense samples):
//!
//! ```text
//! v        = y[r, c] * scale[c] + shift[c]      (each factor optional: scale 1, shift 0)
//! v        = v + residual[r, c]                 (optional: a residual connection's Add)
//! y[r, c]  = min(max(v, lo), hi)                (lo = -inf, hi = +inf: none; 0, inf: ReLU; 0, 6: ReLU6)
//! ```
//!
//! A BatchNormalization at inference that follows a layer with bias `b` folds into
//! `scale` and `shift` ([`fold_batch_norm`]): with `a = gamma / sqrt(var + eps)` it maps
//! `t = acc + b` to `t * a + (beta - mean * a)`, which is `acc * a + (b * a + beta - mean
//! * a)`. The layer then runs without its bias and the epilogue applies both. Without a
//! batch normalization `shift` is the layer's bias and there is no `scale`.
//!
//! The fused forward passes ([`conv2d_forward_fused`], [`depthwise_forward_fused`],
//! [`dense_forward_fused`]) drive the plain forward kernels over blocks of whole images of
//! about [`BLOCK_FLOATS`] output floats each and run the epilogue on each block right after
//! the kernel wrote it. They leave the kernels themselves untouched.
//!
//! The clip compares as the SIMD `pmax`/`pmin` do (`v < lo ? lo : v`, `hi < v ? hi : v`),
//! in the scalar twin too, so both builds agree bit for bit (a NaN stays NaN).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

use crate::conv2d::{conv2d_forward, Conv2dDims, Method};
use crate::dense::{dense_forward, Dense};
use crate::depthwise::{depthwise_forward, DepthwiseDims};

/// Output floats per block of a fused forward pass (32 KiB): a block the kernel has just
/// written is still in cache when its epilogue reads it, and so are the block's patches.
pub const BLOCK_FLOATS: usize = 1 << 13;

/// Fewest output pixels (GEMM rows) per block, so that small images still make GEMMs
/// long enough to amortize their packing.
pub const MIN_BLOCK_ROWS: usize = 256;

/// The per-channel affine map, residual and clip of one layer's output (the module doc).
/// Each slice holds at least the output's channels (`residual`: the whole output).
#[derive(Clone, Copy, Debug)]
pub struct Epilogue<'a> {
    /// Multiplies each channel (a folded batch normalization's `gamma / sqrt(var + eps)`).
    pub scale: Option<&'a [f32]>,
    /// Added to each channel after the scale (a bias, or a folded batch normalization's offset).
    pub shift: Option<&'a [f32]>,
    /// Added element by element after the shift: `[rows, channels]` of the whole output.
    pub residual: Option<&'a [f32]>,
    /// Lower clip (`f32::NEG_INFINITY`: none; 0 for ReLU).
    pub lo: f32,
    /// Upper clip (`f32::INFINITY`: none; 6 for ReLU6).
    pub hi: f32,
}

impl<'a> Epilogue<'a> {
    /// An epilogue that changes nothing.
    pub fn identity() -> Epilogue<'a> {
        Epilogue {
            scale: None,
            shift: None,
            residual: None,
            lo: f32::NEG_INFINITY,
            hi: f32::INFINITY,
        }
    }
}

/// The `scale` and `shift` of a batch normalization at inference that follows a layer
/// with `bias` (none: 0): `scale = gamma / sqrt(var + eps)` (gamma 1 when absent),
/// `shift = bias * scale + beta - mean * scale` (beta 0 when absent), computed as the
/// batch normalization kernel computes its own coefficients. Overwrites `scale` and
/// `shift` (`channels` floats each).
///
/// # Panics
/// When a slice holds fewer than `channels` floats.
#[allow(clippy::too_many_arguments)]
pub fn fold_batch_norm(
    channels: usize,
    epsilon: f32,
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    mean: &[f32],
    var: &[f32],
    bias: Option<&[f32]>,
    scale: &mut [f32],
    shift: &mut [f32],
) {
    let (mean, var) = (&mean[..channels], &var[..channels]);
    let (scale, shift) = (&mut scale[..channels], &mut shift[..channels]);
    for c in 0..channels {
        let a = gamma.map_or(1.0, |g| g[c]) / (var[c] + epsilon).sqrt();
        let b = beta.map_or(0.0, |b| b[c]) - mean[c] * a;
        scale[c] = a;
        shift[c] = match bias {
            Some(bias) => bias[c] * a + b,
            None => b,
        };
    }
}

/// Applies `e` to `y`, whole rows of `channels` that are rows `r0..` of the output (the
/// residual is read from row `r0` on).
///
/// # Panics
/// When `channels` is 0 while `y` is not empty, when `y` is not whole rows, or when a
/// slice of `e` is shorter than the channels (the residual: than rows `r0..` of `y`).
pub fn apply(e: &Epilogue, channels: usize, r0: usize, y: &mut [f32]) {
    if y.is_empty() {
        return;
    }
    assert!(
        channels > 0 && y.len() % channels == 0,
        "epilogue: y ({} floats) is not whole rows of {} channels",
        y.len(),
        channels
    );
    let scale = e.scale.map(|s| &s[..channels]);
    let shift = e.shift.map(|s| &s[..channels]);
    let res = e
        .residual
        .map(|r| &r[r0 * channels..r0 * channels + y.len()]);
    // Rows of a few channels that are not a multiple of 4 (a first layer's 6 filters)
    // would leave most of each row to the scalar tail: treat `lcm(channels, 4)` floats as
    // one wide row, with the coefficients repeated, and the last rows as they are.
    if channels % 4 != 0 && channels < WIDE_LIMIT {
        let wide = channels * 4 / gcd(channels, 4);
        let (mut scale4, mut shift4) = ([0.0f32; 4 * WIDE_LIMIT], [0.0f32; 4 * WIDE_LIMIT]);
        for i in 0..wide {
            scale4[i] = scale.map_or(1.0, |s| s[i % channels]);
            shift4[i] = shift.map_or(0.0, |s| s[i % channels]);
        }
        let head = y.len() / wide * wide;
        let (main, tail) = y.split_at_mut(head);
        let (res_main, res_tail) = match res {
            Some(r) => (Some(&r[..head]), Some(&r[head..])),
            None => (None, None),
        };
        let (s4, b4) = (
            scale.map(|_| &scale4[..wide]),
            shift.map(|_| &shift4[..wide]),
        );
        run(s4, b4, res_main, e.lo, e.hi, wide, main);
        run(scale, shift, res_tail, e.lo, e.hi, channels, tail);
        return;
    }
    run(scale, shift, res, e.lo, e.hi, channels, y);
}

/// Channel counts below which [`apply`] widens rows that are not a multiple of 4.
const WIDE_LIMIT: usize = 16;

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The epilogue over whole rows of `channels`: `res` (if any) holds `y.len()` floats.
fn run(
    scale: Option<&[f32]>,
    shift: Option<&[f32]>,
    res: Option<&[f32]>,
    lo: f32,
    hi: f32,
    channels: usize,
    y: &mut [f32],
) {
    if y.is_empty() {
        return;
    }
    let e = (lo, hi);
    let (sc, sh, r) = (
        scale.unwrap_or(&[]),
        shift.unwrap_or(&[]),
        res.unwrap_or(&[]),
    );
    match (scale.is_some(), shift.is_some(), res.is_some()) {
        (false, false, false) => rows::<false, false, false>(e, channels, sc, sh, r, y),
        (false, false, true) => rows::<false, false, true>(e, channels, sc, sh, r, y),
        (false, true, false) => rows::<false, true, false>(e, channels, sc, sh, r, y),
        (false, true, true) => rows::<false, true, true>(e, channels, sc, sh, r, y),
        (true, false, false) => rows::<true, false, false>(e, channels, sc, sh, r, y),
        (true, false, true) => rows::<true, false, true>(e, channels, sc, sh, r, y),
        (true, true, false) => rows::<true, true, false>(e, channels, sc, sh, r, y),
        (true, true, true) => rows::<true, true, true>(e, channels, sc, sh, r, y),
    }
}

/// The epilogue over whole rows, with the optional parts fixed at compile time.
fn rows<const S: bool, const B: bool, const R: bool>(
    (lo, hi): (f32, f32),
    channels: usize,
    scale: &[f32],
    shift: &[f32],
    res: &[f32],
    y: &mut [f32],
) {
    for (i, row) in y.chunks_exact_mut(channels).enumerate() {
        let res_row = if R {
            &res[i * channels..(i + 1) * channels]
        } else {
            res
        };
        let done = row_simd::<S, B, R>(row, scale, shift, res_row, lo, hi);
        for c in done..channels {
            let mut v = row[c];
            if S {
                v *= scale[c];
            }
            if B {
                v += shift[c];
            }
            if R {
                v += res_row[c];
            }
            v = if v < lo { lo } else { v };
            row[c] = if hi < v { hi } else { v };
        }
    }
}

/// The SIMD body of one row: the leading multiple of 4 channels; returns how many it did.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn row_simd<const S: bool, const B: bool, const R: bool>(
    row: &mut [f32],
    scale: &[f32],
    shift: &[f32],
    res: &[f32],
    lo: f32,
    hi: f32,
) -> usize {
    let n4 = row.len() & !3;
    let (vlo, vhi) = (f32x4_splat(lo), f32x4_splat(hi));
    for i in (0..n4).step_by(4) {
        let mut v = load4(&row[i..]);
        if S {
            v = f32x4_mul(v, load4(&scale[i..]));
        }
        if B {
            v = f32x4_add(v, load4(&shift[i..]));
        }
        if R {
            v = f32x4_add(v, load4(&res[i..]));
        }
        // pmax(a, b) = a < b ? b : a and pmin(a, b) = b < a ? b : a: the scalar twin's compares.
        v = f32x4_pmin(f32x4_pmax(v, vlo), vhi);
        store4(&mut row[i..], v);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn row_simd<const S: bool, const B: bool, const R: bool>(
    _: &mut [f32],
    _: &[f32],
    _: &[f32],
    _: &[f32],
    _: f32,
    _: f32,
) -> usize {
    0
}

/// Images per block for outputs of `pixels` pixels of `channels` each: about
/// [`BLOCK_FLOATS`] floats but at least [`MIN_BLOCK_ROWS`] pixels, at least 1 image, at
/// most the batch.
fn block_images(pixels: usize, channels: usize, batch: usize) -> usize {
    let by_size = BLOCK_FLOATS / (pixels * channels).max(1);
    let by_rows = (MIN_BLOCK_ROWS + pixels - 1) / pixels.max(1);
    by_size.max(by_rows).clamp(1, batch.max(1))
}

/// Ranges `[n0, n1)` of `step` images over a batch (the last one maybe shorter).
fn image_blocks(batch: usize, step: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..batch)
        .step_by(step)
        .map(move |n0| (n0, (n0 + step).min(batch)))
}

/// [`conv2d_forward`] without a bias, followed by `e` (whose `shift` holds the bias, if
/// any), block by block of whole images. `scratch` holds [`Conv2dDims::scratch_len`] of
/// `d` floats and `pack` [`crate::gemm::PACK_LEN`]; `y` is overwritten.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn conv2d_forward_fused(
    d: &Conv2dDims,
    x: &[f32],
    w: &[f32],
    e: &Epilogue,
    y: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let (in_len, out_pixels) = (d.in_h * d.in_w * d.in_c, d.out_h * d.out_w);
    let out_len = out_pixels * d.out_c;
    // The direct method (few channels: a first layer) pays a setup per call that blocks of
    // one image repeat 64 times at batch 64 (measured 12% slower on LeNet-5's conv1): one
    // call, then the epilogue over the whole output.
    let step = if d.method() == Method::Direct {
        d.batch
    } else {
        block_images(out_pixels, d.out_c, d.batch)
    };
    for (n0, n1) in image_blocks(d.batch, step) {
        // A block is the same layer on fewer images: its method, chunks and scratch are
        // those of the whole (never more scratch than the whole batch's). One block: the
        // dims as they are (batch 1 pays nothing more).
        let sub = if n1 - n0 == d.batch {
            *d
        } else {
            d.with_batch(n1 - n0)
        };
        let block = &mut y[n0 * out_len..n1 * out_len];
        conv2d_forward(
            &sub,
            &x[n0 * in_len..n1 * in_len],
            w,
            None,
            block,
            scratch,
            pack,
        );
        apply(e, d.out_c, n0 * out_pixels, block);
    }
}

/// [`depthwise_forward`] without a bias, followed by `e` (whose `shift` holds the bias, if
/// any), block by block of whole images; `y` is overwritten.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn depthwise_forward_fused(
    d: &DepthwiseDims,
    x: &[f32],
    w: &[f32],
    e: &Epilogue,
    y: &mut [f32],
) {
    let (in_len, out_pixels) = (d.in_h * d.in_w * d.channels, d.out_h * d.out_w);
    let oc = d.out_c();
    let out_len = out_pixels * oc;
    let step = block_images(out_pixels, oc, d.batch);
    for (n0, n1) in image_blocks(d.batch, step) {
        let sub = d.with_batch(n1 - n0);
        let block = &mut y[n0 * out_len..n1 * out_len];
        depthwise_forward(&sub, &x[n0 * in_len..n1 * in_len], w, None, block);
        apply(e, oc, n0 * out_pixels, block);
    }
}

/// [`dense_forward`] without a bias, followed by `e` (whose `shift` holds the bias, if
/// any); `y` is overwritten. Dense outputs are small: one block.
///
/// # Panics
/// When a slice is shorter than its layout requires.
pub fn dense_forward_fused(
    d: &Dense,
    x: &[f32],
    w: &[f32],
    e: &Epilogue,
    y: &mut [f32],
    pack: &mut [f32],
) {
    let y = &mut y[..d.batch * d.units];
    dense_forward(d, x, w, None, y, pack);
    apply(e, d.units, 0, y);
}
