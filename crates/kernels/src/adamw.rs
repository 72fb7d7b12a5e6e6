//! Decoupled weight decay, the step AdamW adds in front of Adam's update.
//!
//! Keras 3 (`BaseOptimizer._apply_weight_decay`) decays each variable before the
//! optimizer's own update, at the same learning rate: `p = p - p * wd * lr`, evaluated
//! left to right in f32 (`(p * wd) * lr`, then the subtraction). The kernel performs
//! those three IEEE operations in that order in its SIMD body and in its scalar twin, so
//! both builds and Keras round alike.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// `p -= (p * weight_decay) * lr` for every parameter, in place.
pub fn decay_weights(params: &mut [f32], weight_decay: f32, lr: f32) {
    let done = decay_simd(params, weight_decay, lr);
    for p in &mut params[done..] {
        *p -= *p * weight_decay * lr;
    }
}

// The SIMD body handles the leading multiple of 4 and returns how many it did.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn decay_simd(params: &mut [f32], weight_decay: f32, lr: f32) -> usize {
    let n4 = params.len() & !3;
    let (wd, lr) = (f32x4_splat(weight_decay), f32x4_splat(lr));
    for i in (0..n4).step_by(4) {
        let p = load4(&params[i..]);
        let p = f32x4_sub(p, f32x4_mul(f32x4_mul(p, wd), lr));
        store4(&mut params[i..], p);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn decay_simd(_: &mut [f32], _: f32, _: f32) -> usize {
    0
}
