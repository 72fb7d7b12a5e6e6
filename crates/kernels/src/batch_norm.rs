//! Batch normalization over the last axis of a `[rows, channels]` matrix (NHWC images:
//! the rows are the batch's pixels; `[batch, features]`: the rows are the samples), as
//! Keras 3's `BatchNormalization(axis=-1)`.
//!
//! ```text
//! training   mean[c] = sum_r x[r,c] / R,   var[c] = sum_r (x[r,c] - mean[c])^2 / R  (biased)
//!            y[r,c]  = (x[r,c] - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]
//! moving     moving = moving * momentum + batch * (1 - momentum)   (mean, and the biased var)
//! inference  y[r,c]  = (x[r,c] - moving_mean[c]) / sqrt(moving_var[c] + eps) * gamma[c] + beta[c]
//! ```
//!
//! Keras 3 normalizes with the biased batch variance (`ops.moments`, i.e.
//! `tf.nn.moments`) and moves the moving variance toward that same biased value (no
//! `R / (R - 1)` correction, unlike Keras 1/TF1's fused kernel). Without `gamma` (Keras's
//! `scale=False`) the scale is 1, without `beta` (`center=False`) the shift is 0.
//!
//! The training forward pass reads `x` once for the statistics and once to normalize.
//! The statistics are sums of `x - shift[c]` and its square with `shift` the first row:
//! any value near the mean keeps the sum of squares free of the cancellation a plain
//! `E[x^2] - E[x]^2` suffers in f32. It keeps `[mean | var]` (`2 * channels` floats) for the
//! backward pass and the moving update.
//!
//! Channels are processed in blocks of [`BLOCK`] whose per-channel coefficients live on
//! the stack, so no call needs scratch. Within a block the inner loops run along the
//! channels of one row: contiguous, with f32x4 SIMD bodies beside scalar twins.

// The per-channel loops index several parallel coefficient arrays by one channel index.
#![allow(clippy::needless_range_loop)]

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// Channels whose coefficients one pass keeps on the stack.
pub const BLOCK: usize = 64;

/// Rows one sweep of the sums covers (at most `CHUNK_ROWS * BLOCK` floats, 16 KiB, per
/// input): each 16-channel group of a block sums them in registers, the first group
/// bringing the rows into cache for the others.
const CHUNK_ROWS: usize = 64;

/// The channel blocks `[c0, c1)` of `channels`.
fn blocks(channels: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..channels)
        .step_by(BLOCK)
        .map(move |c0| (c0, (c0 + BLOCK).min(channels)))
}

fn check(what: &str, rows: usize, channels: usize, x: &[f32], y: &[f32]) {
    assert!(
        x.len() >= rows * channels && y.len() >= rows * channels,
        "{}: x and y must hold rows * channels values",
        what
    );
}

/// Training forward: the batch statistics into `stats` (`[mean | var]`, `2 * channels`
/// floats, overwritten), then `y` normalized with them (overwritten). `rows` is at least 1.
///
/// # Panics
/// When a slice is shorter than the shapes require, or `rows` is 0.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward_train(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    y: &mut [f32],
    stats: &mut [f32],
) {
    check("batch_norm_forward_train", rows, channels, x, y);
    assert!(rows > 0, "batch_norm_forward_train: rows is 0");
    let (mean, var) = stats[..2 * channels].split_at_mut(channels);
    let inv_rows = 1.0 / rows as f32;
    for (c0, c1) in blocks(channels) {
        let n = c1 - c0;
        let shift = &x[c0..c1];
        let (mut s1, mut s2) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
        for r0 in (0..rows).step_by(CHUNK_ROWS) {
            let r1 = (r0 + CHUNK_ROWS).min(rows);
            let done = shifted_chunk_simd(x, channels, r0, r1, c0, shift, &mut s1, &mut s2);
            for row in x.chunks_exact(channels).take(r1).skip(r0) {
                accumulate_shifted(
                    &row[c0 + done..c1],
                    &shift[done..],
                    &mut s1[done..n],
                    &mut s2[done..n],
                );
            }
        }
        for i in 0..n {
            let m = s1[i] * inv_rows;
            let v = s2[i] * inv_rows - m * m;
            mean[c0 + i] = shift[i] + m;
            var[c0 + i] = if v > 0.0 { v } else { 0.0 };
        }
    }
    normalize(rows, channels, epsilon, x, mean, var, gamma, beta, y);
}

/// Inference forward: `y` (overwritten) normalized with the moving statistics.
///
/// # Panics
/// When a slice is shorter than the shapes require.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward_inference(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    moving_mean: &[f32],
    moving_var: &[f32],
    y: &mut [f32],
) {
    check("batch_norm_forward_inference", rows, channels, x, y);
    normalize(
        rows,
        channels,
        epsilon,
        x,
        moving_mean,
        moving_var,
        gamma,
        beta,
        y,
    );
}

/// `moving_mean` and `moving_var` moved toward the batch statistics `stats` (`[mean | var]`
/// from [`batch_norm_forward_train`]): `moving = moving * momentum + batch * (1 - momentum)`.
///
/// # Panics
/// When a slice is shorter than `channels` (`2 * channels` for `stats`).
pub fn batch_norm_update_moving(
    channels: usize,
    momentum: f32,
    stats: &[f32],
    moving_mean: &mut [f32],
    moving_var: &mut [f32],
) {
    let (mean, var) = stats[..2 * channels].split_at(channels);
    let rest = 1.0 - momentum;
    for (m, &b) in moving_mean[..channels].iter_mut().zip(mean) {
        *m = *m * momentum + b * rest;
    }
    for (m, &b) in moving_var[..channels].iter_mut().zip(var) {
        *m = *m * momentum + b * rest;
    }
}

/// Backward of the training forward pass, with `xhat = (x - mean) * inv_std`:
///
/// ```text
/// dbeta[c]  = sum_r dy[r,c]
/// dgamma[c] = sum_r dy[r,c] * xhat[r,c]
/// dx[r,c]   = gamma[c] * inv_std[c] / R * (R * dy[r,c] - dbeta[c] - xhat[r,c] * dgamma[c])
/// ```
///
/// `dgamma` and `dbeta` are always written (the layer passes scratch when it has no such
/// weight: `dx` needs both sums); `dx` is skipped when `None`. All outputs are overwritten.
///
/// # Panics
/// When a slice is shorter than the shapes require, or `rows` is 0.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: &[f32],
    dy: &[f32],
    gamma: Option<&[f32]>,
    stats: &[f32],
    dx: Option<&mut [f32]>,
    dgamma: &mut [f32],
    dbeta: &mut [f32],
) {
    check("batch_norm_backward", rows, channels, x, dy);
    assert!(rows > 0, "batch_norm_backward: rows is 0");
    let (mean, var) = stats[..2 * channels].split_at(channels);
    let (dgamma, dbeta) = (&mut dgamma[..channels], &mut dbeta[..channels]);
    for (c0, c1) in blocks(channels) {
        let n = c1 - c0;
        let mut inv_std = [0.0f32; BLOCK];
        for i in 0..n {
            inv_std[i] = 1.0 / (var[c0 + i] + epsilon).sqrt();
        }
        // Sums of dy and dy * (x - mean); dgamma is the second times inv_std.
        let (mut sdy, mut sdyx) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
        for r0 in (0..rows).step_by(CHUNK_ROWS) {
            let r1 = (r0 + CHUNK_ROWS).min(rows);
            let sums = (&mut sdy, &mut sdyx);
            let done = products_chunk_simd(x, dy, channels, r0, r1, c0, &mean[c0..c1], sums);
            for (xr, dyr) in x
                .chunks_exact(channels)
                .zip(dy.chunks_exact(channels))
                .take(r1)
                .skip(r0)
            {
                accumulate_products(
                    &xr[c0 + done..c1],
                    &dyr[c0 + done..c1],
                    &mean[c0 + done..c1],
                    &mut sdy[done..n],
                    &mut sdyx[done..n],
                );
            }
        }
        for i in 0..n {
            dbeta[c0 + i] = sdy[i];
            dgamma[c0 + i] = sdyx[i] * inv_std[i];
        }
    }
    let dx = match dx {
        Some(dx) => dx,
        None => return,
    };
    let inv_rows = 1.0 / rows as f32;
    for (c0, c1) in blocks(channels) {
        let n = c1 - c0;
        // dx = a * dy + b * x + c per channel, with
        //   a = gamma * inv_std,  b = -a * inv_std^2 * sdyx / R,  c = -a * sdy / R - b * mean
        let (mut a, mut b, mut c) = ([0.0f32; BLOCK], [0.0f32; BLOCK], [0.0f32; BLOCK]);
        for i in 0..n {
            let ch = c0 + i;
            let inv_std = 1.0 / (var[ch] + epsilon).sqrt();
            a[i] = gamma.map_or(1.0, |g| g[ch]) * inv_std;
            // dgamma = sdyx * inv_std, so sdyx * inv_std^2 = dgamma * inv_std.
            b[i] = -a[i] * dgamma[ch] * inv_std * inv_rows;
            c[i] = -a[i] * dbeta[ch] * inv_rows - b[i] * mean[ch];
        }
        let coef = (&a[..n], &b[..n], &c[..n]);
        let done = affine2_rows_simd(dy, x, dx, (rows, channels, c0), coef);
        if done == n {
            continue;
        }
        for ((xr, dyr), dxr) in x
            .chunks_exact(channels)
            .zip(dy.chunks_exact(channels))
            .zip(dx.chunks_exact_mut(channels))
            .take(rows)
        {
            affine2(
                &dyr[c0 + done..c1],
                &xr[c0 + done..c1],
                &a[done..n],
                &b[done..n],
                &c[done..n],
                &mut dxr[c0 + done..c1],
            );
        }
    }
}

/// Backward of the inference forward pass (the statistics are constants):
/// `dx = dy * gamma / sqrt(moving_var + eps)` (overwritten).
///
/// # Panics
/// When a slice is shorter than the shapes require.
pub fn batch_norm_backward_inference(
    rows: usize,
    channels: usize,
    epsilon: f32,
    dy: &[f32],
    gamma: Option<&[f32]>,
    moving_var: &[f32],
    dx: &mut [f32],
) {
    check("batch_norm_backward_inference", rows, channels, dy, dx);
    for (c0, c1) in blocks(channels) {
        let n = c1 - c0;
        let mut a = [0.0f32; BLOCK];
        let zero = [0.0f32; BLOCK];
        for i in 0..n {
            let ch = c0 + i;
            a[i] = gamma.map_or(1.0, |g| g[ch]) / (moving_var[ch] + epsilon).sqrt();
        }
        for (dyr, dxr) in dy
            .chunks_exact(channels)
            .zip(dx.chunks_exact_mut(channels))
            .take(rows)
        {
            affine(&dyr[c0..c1], &a[..n], &zero[..n], &mut dxr[c0..c1]);
        }
    }
}

/// `y = x * a + b` per channel with `a = gamma / sqrt(var + eps)`, `b = beta - mean * a`.
#[allow(clippy::too_many_arguments)]
fn normalize(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: &[f32],
    mean: &[f32],
    var: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    y: &mut [f32],
) {
    for (c0, c1) in blocks(channels) {
        let n = c1 - c0;
        let (mut a, mut b) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
        for i in 0..n {
            let ch = c0 + i;
            a[i] = gamma.map_or(1.0, |g| g[ch]) / (var[ch] + epsilon).sqrt();
            b[i] = beta.map_or(0.0, |b| b[ch]) - mean[ch] * a[i];
        }
        let done = affine_rows_simd(x, y, (rows, channels, c0), &a[..n], &b[..n]);
        if done == n {
            continue;
        }
        for (xr, yr) in x
            .chunks_exact(channels)
            .zip(y.chunks_exact_mut(channels))
            .take(rows)
        {
            let (xr, yr) = (&xr[c0 + done..c1], &mut yr[c0 + done..c1]);
            affine(xr, &a[done..n], &b[done..n], yr);
        }
    }
}

/// `s1 += x - shift`, `s2 += (x - shift)^2`, lane by lane.
fn accumulate_shifted(x: &[f32], shift: &[f32], s1: &mut [f32], s2: &mut [f32]) {
    let done = accumulate_shifted_simd(x, shift, s1, s2);
    for i in done..x.len() {
        let d = x[i] - shift[i];
        s1[i] += d;
        s2[i] += d * d;
    }
}

/// `sdy += dy`, `sdyx += dy * (x - mean)`, lane by lane.
fn accumulate_products(x: &[f32], dy: &[f32], mean: &[f32], sdy: &mut [f32], sdyx: &mut [f32]) {
    let done = accumulate_products_simd(x, dy, mean, sdy, sdyx);
    for i in done..x.len() {
        sdy[i] += dy[i];
        sdyx[i] += dy[i] * (x[i] - mean[i]);
    }
}

/// `y = x * a + b`, lane by lane.
fn affine(x: &[f32], a: &[f32], b: &[f32], y: &mut [f32]) {
    let done = affine_simd(x, a, b, y);
    for i in done..x.len() {
        y[i] = x[i] * a[i] + b[i];
    }
}

/// `y = u * a + v * b + c`, lane by lane.
fn affine2(u: &[f32], v: &[f32], a: &[f32], b: &[f32], c: &[f32], y: &mut [f32]) {
    let done = affine2_simd(u, v, a, b, c, y);
    for i in done..u.len() {
        y[i] = u[i] * a[i] + v[i] * b[i] + c[i];
    }
}

/// The 16 floats at `s[g..]` as four vectors: one channel group's coefficients or sums.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn load16(s: &[f32], g: usize) -> [v128; 4] {
    [
        load4(&s[g..]),
        load4(&s[g + 4..]),
        load4(&s[g + 8..]),
        load4(&s[g + 12..]),
    ]
}

/// `s[g..g + 16] += acc`: a channel group's sums from registers back to memory.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn add16(s: &mut [f32], g: usize, acc: &[v128; 4]) {
    for (k, &a) in acc.iter().enumerate() {
        let i = g + 4 * k;
        let v = f32x4_add(load4(&s[i..]), a);
        store4(&mut s[i..], v);
    }
}

/// The sums of [`accumulate_shifted`] over rows `r0..r1` for the leading multiple of 16
/// channels of the block at `c0` (`shift`, `s1`, `s2` hold the block's channels), in
/// registers: 16 channels at a time, all rows in order. Returns the channels done.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(clippy::too_many_arguments)]
fn shifted_chunk_simd(
    x: &[f32],
    channels: usize,
    r0: usize,
    r1: usize,
    c0: usize,
    shift: &[f32],
    s1: &mut [f32],
    s2: &mut [f32],
) -> usize {
    let n16 = shift.len() & !15;
    if n16 == 0 || r1 <= r0 {
        return 0;
    }
    // The last float read, checked once for the unchecked loads below.
    assert!((r1 - 1) * channels + c0 + n16 <= x.len());
    let xp = x.as_ptr();
    // SAFETY: loads read 4 floats at row * channels + c0 + g + 4k, r0 <= row < r1,
    // g + 16 <= n16: inside the bound asserted above. No alignment is required.
    let ld = |at: usize| unsafe { v128_load(xp.add(at) as *const v128) };
    for g in (0..n16).step_by(16) {
        let sh = load16(shift, g);
        let mut a1 = [f32x4_splat(0.0); 4];
        let mut a2 = [f32x4_splat(0.0); 4];
        for row in r0..r1 {
            let at = row * channels + c0 + g;
            for k in 0..4 {
                let d = f32x4_sub(ld(at + 4 * k), sh[k]);
                a1[k] = f32x4_add(a1[k], d);
                a2[k] = f32x4_add(a2[k], f32x4_mul(d, d));
            }
        }
        add16(s1, g, &a1);
        add16(s2, g, &a2);
    }
    n16
}

/// The sums of [`accumulate_products`] over rows `r0..r1` for the leading multiple of 16
/// channels of the block at `c0`, in registers (as [`shifted_chunk_simd`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(clippy::too_many_arguments)]
fn products_chunk_simd(
    x: &[f32],
    dy: &[f32],
    channels: usize,
    r0: usize,
    r1: usize,
    c0: usize,
    mean: &[f32],
    sums: (&mut [f32; BLOCK], &mut [f32; BLOCK]),
) -> usize {
    let (sdy, sdyx) = sums;
    let n16 = mean.len() & !15;
    if n16 == 0 || r1 <= r0 {
        return 0;
    }
    assert!((r1 - 1) * channels + c0 + n16 <= x.len().min(dy.len()));
    let (xp, yp) = (x.as_ptr(), dy.as_ptr());
    // SAFETY: as in `shifted_chunk_simd`, for both inputs.
    let ld = |p: *const f32, at: usize| unsafe { v128_load(p.add(at) as *const v128) };
    for g in (0..n16).step_by(16) {
        let mu = load16(mean, g);
        let mut a1 = [f32x4_splat(0.0); 4];
        let mut a2 = [f32x4_splat(0.0); 4];
        for row in r0..r1 {
            let at = row * channels + c0 + g;
            for k in 0..4 {
                let gr = ld(yp, at + 4 * k);
                let d = f32x4_sub(ld(xp, at + 4 * k), mu[k]);
                a1[k] = f32x4_add(a1[k], gr);
                a2[k] = f32x4_add(a2[k], f32x4_mul(gr, d));
            }
        }
        add16(sdy, g, &a1);
        add16(sdyx, g, &a2);
    }
    n16
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[allow(clippy::too_many_arguments)]
fn shifted_chunk_simd(
    _: &[f32],
    _: usize,
    _: usize,
    _: usize,
    _: usize,
    _: &[f32],
    _: &mut [f32],
    _: &mut [f32],
) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[allow(clippy::too_many_arguments)]
fn products_chunk_simd(
    _: &[f32],
    _: &[f32],
    _: usize,
    _: usize,
    _: usize,
    _: usize,
    _: &[f32],
    _: (&mut [f32; BLOCK], &mut [f32; BLOCK]),
) -> usize {
    0
}

/// `(group, r0, r1)`: each chunk of [`CHUNK_ROWS`] rows and, within it, each group of 16
/// channels below `n16` (chunks outside the groups, so the groups after the first find the
/// chunk's rows in cache).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn groups_by_chunk(rows: usize, n16: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..rows).step_by(CHUNK_ROWS).flat_map(move |r0| {
        let r1 = (r0 + CHUNK_ROWS).min(rows);
        (0..n16).step_by(16).map(move |g| (g, r0, r1))
    })
}

/// `y = x * a + b` over every row for the leading multiple of 16 channels of the block at
/// `c0` (`a`, `b` hold the block's coefficients), 16 channels at a time with their
/// coefficients in registers. `shape` is `(rows, channels, c0)`. Returns the channels done.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn affine_rows_simd(
    x: &[f32],
    y: &mut [f32],
    shape: (usize, usize, usize),
    a: &[f32],
    b: &[f32],
) -> usize {
    let (rows, channels, c0) = shape;
    let n16 = a.len() & !15;
    if n16 == 0 || rows == 0 {
        return 0;
    }
    assert!((rows - 1) * channels + c0 + n16 <= x.len().min(y.len()));
    let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
    if n16 > 16 {
        // Several groups: whole rows in order (streaming), coefficients from L1.
        let (ap, bp) = (a.as_ptr(), b.as_ptr());
        for row in 0..rows {
            let at = row * channels + c0;
            for j in (0..n16).step_by(4) {
                // SAFETY: 4 floats at at + j (x read, y written) and at j of a and b,
                // j + 4 <= n16 <= their lengths, inside the bounds asserted above.
                unsafe {
                    let ld = |p: *const f32, i: usize| v128_load(p.add(i) as *const v128);
                    let r = f32x4_add(f32x4_mul(ld(xp, at + j), ld(ap, j)), ld(bp, j));
                    v128_store(yp.add(at + j) as *mut v128, r);
                }
            }
        }
        return n16;
    }
    for (g, r0, r1) in groups_by_chunk(rows, n16) {
        let ca = load16(a, g);
        let cb = load16(b, g);
        for row in r0..r1 {
            let at = row * channels + c0 + g;
            for k in 0..4 {
                // SAFETY: 4 floats at at + 4k, inside the bound asserted above, of x
                // (read) and y (written, borrowed mutably); no alignment is required.
                unsafe {
                    let v = v128_load(xp.add(at + 4 * k) as *const v128);
                    let r = f32x4_add(f32x4_mul(v, ca[k]), cb[k]);
                    v128_store(yp.add(at + 4 * k) as *mut v128, r);
                }
            }
        }
    }
    n16
}

/// `y = u * a + v * b + c` over every row for the leading multiple of 16 channels of the
/// block at `c0`, as [`affine_rows_simd`]. Returns the channels done.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn affine2_rows_simd(
    u: &[f32],
    v: &[f32],
    y: &mut [f32],
    shape: (usize, usize, usize),
    coef: (&[f32], &[f32], &[f32]),
) -> usize {
    let (rows, channels, c0) = shape;
    let (a, b, c) = coef;
    let n16 = a.len() & !15;
    if n16 == 0 || rows == 0 {
        return 0;
    }
    assert!((rows - 1) * channels + c0 + n16 <= u.len().min(v.len()).min(y.len()));
    let (up, vp, yp) = (u.as_ptr(), v.as_ptr(), y.as_mut_ptr());
    if n16 > 16 {
        // Several groups: whole rows in order (streaming), coefficients from L1.
        let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_ptr());
        for row in 0..rows {
            let at = row * channels + c0;
            for j in (0..n16).step_by(4) {
                // SAFETY: 4 floats at at + j (u, v read; y written) and at j of the
                // coefficients, j + 4 <= n16 <= their lengths, inside the bounds asserted.
                unsafe {
                    let ld = |p: *const f32, i: usize| v128_load(p.add(i) as *const v128);
                    let s = f32x4_add(
                        f32x4_mul(ld(up, at + j), ld(ap, j)),
                        f32x4_mul(ld(vp, at + j), ld(bp, j)),
                    );
                    v128_store(yp.add(at + j) as *mut v128, f32x4_add(s, ld(cp, j)));
                }
            }
        }
        return n16;
    }
    for (g, r0, r1) in groups_by_chunk(rows, n16) {
        let (ca, cb, cc) = (load16(a, g), load16(b, g), load16(c, g));
        for row in r0..r1 {
            let at = row * channels + c0 + g;
            for k in 0..4 {
                // SAFETY: as in `affine_rows_simd`, for u and v (read) and y (written).
                unsafe {
                    let s = f32x4_add(
                        f32x4_mul(v128_load(up.add(at + 4 * k) as *const v128), ca[k]),
                        f32x4_mul(v128_load(vp.add(at + 4 * k) as *const v128), cb[k]),
                    );
                    v128_store(yp.add(at + 4 * k) as *mut v128, f32x4_add(s, cc[k]));
                }
            }
        }
    }
    n16
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn affine_rows_simd(
    _: &[f32],
    _: &mut [f32],
    _: (usize, usize, usize),
    _: &[f32],
    _: &[f32],
) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn affine2_rows_simd(
    _: &[f32],
    _: &[f32],
    _: &mut [f32],
    _: (usize, usize, usize),
    _: (&[f32], &[f32], &[f32]),
) -> usize {
    0
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn accumulate_shifted_simd(x: &[f32], shift: &[f32], s1: &mut [f32], s2: &mut [f32]) -> usize {
    let n4 = x.len() & !3;
    for i in (0..n4).step_by(4) {
        let d = f32x4_sub(load4(&x[i..]), load4(&shift[i..]));
        let v = f32x4_add(load4(&s1[i..]), d);
        store4(&mut s1[i..], v);
        let v = f32x4_add(load4(&s2[i..]), f32x4_mul(d, d));
        store4(&mut s2[i..], v);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn accumulate_products_simd(
    x: &[f32],
    dy: &[f32],
    mean: &[f32],
    sdy: &mut [f32],
    sdyx: &mut [f32],
) -> usize {
    let n4 = x.len() & !3;
    for i in (0..n4).step_by(4) {
        let g = load4(&dy[i..]);
        let d = f32x4_sub(load4(&x[i..]), load4(&mean[i..]));
        let v = f32x4_add(load4(&sdy[i..]), g);
        store4(&mut sdy[i..], v);
        let v = f32x4_add(load4(&sdyx[i..]), f32x4_mul(g, d));
        store4(&mut sdyx[i..], v);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn affine_simd(x: &[f32], a: &[f32], b: &[f32], y: &mut [f32]) -> usize {
    let n4 = x.len() & !3;
    for i in (0..n4).step_by(4) {
        let v = f32x4_add(f32x4_mul(load4(&x[i..]), load4(&a[i..])), load4(&b[i..]));
        store4(&mut y[i..], v);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn affine2_simd(u: &[f32], v: &[f32], a: &[f32], b: &[f32], c: &[f32], y: &mut [f32]) -> usize {
    let n4 = u.len() & !3;
    for i in (0..n4).step_by(4) {
        let s = f32x4_add(
            f32x4_mul(load4(&u[i..]), load4(&a[i..])),
            f32x4_mul(load4(&v[i..]), load4(&b[i..])),
        );
        store4(&mut y[i..], f32x4_add(s, load4(&c[i..])));
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn accumulate_shifted_simd(_: &[f32], _: &[f32], _: &mut [f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn accumulate_products_simd(
    _: &[f32],
    _: &[f32],
    _: &[f32],
    _: &mut [f32],
    _: &mut [f32],
) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn affine_simd(_: &[f32], _: &[f32], _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn affine2_simd(_: &[f32], _: &[f32], _: &[f32], _: &[f32], _: &[f32], _: &mut [f32]) -> usize {
    0
}
