//! Weight penalties as Keras 3 defines its regularizers (keras/src/regularizers):
//! `L1L2(l1, l2)(x) = l1 * sum(|x|) + l2 * sum(x^2)` (no 1/2 on the square), with L1 and L2
//! the cases l2 = 0 and l1 = 0. Keras adds the penalty to the loss, so the gradient adds
//! `l1 * sign(x) + l2 * 2x` to the weight's gradient (TensorFlow's sign(0) is 0).
//!
//! The penalty is summed by a scalar loop in f64 in every build (it is one pass, and
//! both modules then return the same bits); the gradient has a SIMD body whose scalar
//! twin performs the same f32 operations in the same order.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// Returns `l1 * sum(|x|) + l2 * sum(x^2)` over `params`; with `grads`, also adds
/// `l1 * sign(x) + x * (2 l2)` to each gradient (accumulating, unlike backward kernels:
/// the layer's own gradient is already there).
///
/// # Panics
/// When `grads` differs in length from `params`.
pub fn l1l2_penalty(params: &[f32], grads: Option<&mut [f32]>, l1: f32, l2: f32) -> f32 {
    let (mut sum_abs, mut sum_sq) = (0.0f64, 0.0f64);
    for &x in params {
        let x = f64::from(x);
        sum_abs += x.abs();
        sum_sq += x * x;
    }
    if let Some(g) = grads {
        assert_eq!(g.len(), params.len(), "l1l2_penalty: grads length");
        let two_l2 = 2.0 * l2; // exact: doubling never rounds
        let done = gradient_simd(params, g, l1, two_l2);
        for (gi, &x) in g[done..].iter_mut().zip(&params[done..]) {
            *gi += l1 * sign(x) + x * two_l2;
        }
    }
    (f64::from(l1) * sum_abs + f64::from(l2) * sum_sq) as f32
}

/// 1, -1 or 0 (also for NaN, which the SIMD body's comparisons give too).
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

// The SIMD body handles the leading multiple of 4 and returns how many it did.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn gradient_simd(params: &[f32], grads: &mut [f32], l1: f32, two_l2: f32) -> usize {
    let n4 = params.len() & !3;
    let (l1, two_l2, zero) = (f32x4_splat(l1), f32x4_splat(two_l2), f32x4_splat(0.0));
    let (one, minus_one) = (f32x4_splat(1.0), f32x4_splat(-1.0));
    for i in (0..n4).step_by(4) {
        let x = load4(&params[i..]);
        let s = v128_or(
            v128_and(f32x4_gt(x, zero), one),
            v128_and(f32x4_lt(x, zero), minus_one),
        );
        let add = f32x4_add(f32x4_mul(l1, s), f32x4_mul(x, two_l2));
        let g = f32x4_add(load4(&grads[i..]), add);
        store4(&mut grads[i..], g);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn gradient_simd(_: &[f32], _: &mut [f32], _: f32, _: f32) -> usize {
    0
}
