//! Activations, in place: forward overwrites `x` with `y = f(x)`; backward reads the
//! forward output `y` and overwrites `dy` (dL/dy) with dL/dx.
//!
//! Elementwise functions act on whole slices (any shape). Softmax acts on each row of
//! `cols` consecutive values of a `[rows, cols]` matrix.
//!
//! The elementwise backward passes and ReLU have f32x4 SIMD bodies (wasm32 with
//! `simd128`) beside scalar twins doing the same IEEE operations, so both builds agree
//! bit for bit. `exp` and `tanh` stay scalar (std's), as does softmax, whose rows are
//! short (one per class) and bound by `exp`.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// `y = max(x, 0)`; NaN stays NaN.
pub fn relu_forward(xy: &mut [f32]) {
    let done = relu_forward_simd(xy);
    for x in &mut xy[done..] {
        if *x < 0.0 {
            *x = 0.0;
        }
    }
}

/// `dx = dy` where `y > 0`, else 0.
///
/// # Panics
/// When `y` and `dxy` differ in length.
pub fn relu_backward(y: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        y.len(),
        dxy.len(),
        "relu_backward: y and dxy lengths differ"
    );
    let done = relu_backward_simd(y, dxy);
    for (d, &y) in dxy[done..].iter_mut().zip(&y[done..]) {
        *d = if y > 0.0 { *d } else { 0.0 };
    }
}

/// `y = 1 / (1 + exp(-x))`; saturates to exactly 0 or 1 for large `|x|`.
pub fn sigmoid_forward(xy: &mut [f32]) {
    for x in xy {
        *x = 1.0 / (1.0 + (-*x).exp());
    }
}

/// `dx = dy * y * (1 - y)`.
///
/// # Panics
/// When `y` and `dxy` differ in length.
pub fn sigmoid_backward(y: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        y.len(),
        dxy.len(),
        "sigmoid_backward: y and dxy lengths differ"
    );
    let done = sigmoid_backward_simd(y, dxy);
    for (d, &y) in dxy[done..].iter_mut().zip(&y[done..]) {
        *d = *d * y * (1.0 - y);
    }
}

/// `y = tanh(x)`.
pub fn tanh_forward(xy: &mut [f32]) {
    for x in xy {
        *x = x.tanh();
    }
}

/// `dx = dy * (1 - y^2)`.
///
/// # Panics
/// When `y` and `dxy` differ in length.
pub fn tanh_backward(y: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        y.len(),
        dxy.len(),
        "tanh_backward: y and dxy lengths differ"
    );
    let done = tanh_backward_simd(y, dxy);
    for (d, &y) in dxy[done..].iter_mut().zip(&y[done..]) {
        *d *= 1.0 - y * y;
    }
}

/// Row-wise softmax of a `[rows, cols]` matrix: `y_j = exp(x_j - m) / sum_k exp(x_k - m)`
/// with `m` the row maximum, so no `exp` overflows.
///
/// # Panics
/// When `xy` does not hold exactly `rows * cols` values.
pub fn softmax_forward(rows: usize, cols: usize, xy: &mut [f32]) {
    assert_eq!(xy.len(), rows * cols, "softmax_forward: xy length");
    if cols == 0 {
        return;
    }
    for row in xy.chunks_exact_mut(cols) {
        softmax_row(row);
    }
}

/// Softmax of one row in place (shared with the fused loss).
pub(crate) fn softmax_row(row: &mut [f32]) {
    let max = row
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| if x > m { x } else { m });
    let mut sum = 0.0f32;
    for x in row.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    let inv = 1.0 / sum;
    for x in row.iter_mut() {
        *x *= inv;
    }
}

/// Softmax backward per row: `dx_j = y_j (dy_j - sum_k dy_k y_k)`.
///
/// # Panics
/// When `y` or `dxy` does not hold exactly `rows * cols` values.
pub fn softmax_backward(rows: usize, cols: usize, y: &[f32], dxy: &mut [f32]) {
    assert!(
        y.len() == rows * cols && dxy.len() == rows * cols,
        "softmax_backward: y and dxy must hold rows * cols values"
    );
    if cols == 0 {
        return;
    }
    for (d, y) in dxy.chunks_exact_mut(cols).zip(y.chunks_exact(cols)) {
        let dot: f32 = d.iter().zip(y).map(|(&d, &y)| d * y).sum();
        for (d, &y) in d.iter_mut().zip(y) {
            *d = y * (*d - dot);
        }
    }
}

// SIMD bodies: each handles the leading multiple of 4 elements and returns how many it
// did; the scalar loops above finish the rest (all of it in scalar builds).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_forward_simd(xy: &mut [f32]) -> usize {
    let n4 = xy.len() & !3;
    let zero = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let x = load4(&xy[i..]);
        // Lanes below zero become 0; NaN compares false and passes through.
        store4(&mut xy[i..], v128_bitselect(zero, x, f32x4_lt(x, zero)));
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_backward_simd(y: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let zero = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let keep = f32x4_gt(load4(&y[i..]), zero);
        let d = v128_and(load4(&dxy[i..]), keep);
        store4(&mut dxy[i..], d);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn sigmoid_backward_simd(y: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let one = f32x4_splat(1.0);
    for i in (0..n4).step_by(4) {
        let y = load4(&y[i..]);
        let d = f32x4_mul(f32x4_mul(load4(&dxy[i..]), y), f32x4_sub(one, y));
        store4(&mut dxy[i..], d);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn tanh_backward_simd(y: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let one = f32x4_splat(1.0);
    for i in (0..n4).step_by(4) {
        let y = load4(&y[i..]);
        let d = f32x4_mul(load4(&dxy[i..]), f32x4_sub(one, f32x4_mul(y, y)));
        store4(&mut dxy[i..], d);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_forward_simd(_: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_backward_simd(_: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn sigmoid_backward_simd(_: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn tanh_backward_simd(_: &[f32], _: &mut [f32]) -> usize {
    0
}
