//! Inverted dropout with a counter-based random mask.
//!
//! Element `i` is kept when `bits(seed, step, i) >= threshold`, where `bits` is a hash
//! (rounds of a 32-bit integer mixer) and `threshold = floor(rate * 2^32)`, so it is kept
//! with probability `1 - rate` (to within 2^-32). A kept element is scaled by
//! `1 / (1 - rate)`, a dropped one becomes 0. The mask depends on `(seed, step, i)` alone:
//! not on how the work is split, nor on SIMD, so both wasm builds draw the same mask.
//! Training passes a fresh `step` per batch so that each batch gets a new mask.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// A bijective 32-bit mixer (xor-shift-multiply, constants by Chris Wellons's search).
#[inline(always)]
fn mix(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// The two per-call keys derived from `seed` and `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DropoutKey {
    a: u32,
    b: u32,
}

impl DropoutKey {
    /// Keys for one (seed, step) pair.
    pub fn new(seed: u32, step: u32) -> Self {
        let a = mix(mix(seed ^ 0x9e37_79b9) ^ step);
        DropoutKey {
            a,
            b: mix(a ^ 0x85eb_ca6b),
        }
    }

    /// The random bits of element `index`: `mix(mix(index + a) + b)` (wrapping).
    pub fn bits(&self, index: u32) -> u32 {
        mix(mix(index.wrapping_add(self.a)).wrapping_add(self.b))
    }
}

/// The keep threshold for `rate` in `[0, 1)`: bits at or above it are kept.
pub fn keep_threshold(rate: f64) -> u32 {
    assert!(
        (0.0..1.0).contains(&rate),
        "dropout: rate must lie in [0, 1)"
    );
    (rate * 4_294_967_296.0) as u32
}

/// Forward: `mask_i = keep_i ? 1 / (1 - rate) : 0` and `xy_i *= mask_i`.
///
/// # Panics
/// When `rate` is outside `[0, 1)` or the slices differ in length.
pub fn dropout_forward(rate: f64, seed: u32, step: u32, xy: &mut [f32], mask: &mut [f32]) {
    assert_eq!(
        xy.len(),
        mask.len(),
        "dropout_forward: xy and mask lengths differ"
    );
    let threshold = keep_threshold(rate);
    let scale = (1.0 / (1.0 - rate)) as f32;
    let key = DropoutKey::new(seed, step);
    let done = forward_simd(key, threshold, scale, xy, mask);
    for i in done..xy.len() {
        let m = if key.bits(i as u32) >= threshold {
            scale
        } else {
            0.0
        };
        mask[i] = m;
        xy[i] *= m;
    }
}

/// Backward: `dxy_i *= mask_i`.
///
/// # Panics
/// When the slices differ in length.
pub fn dropout_backward(mask: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        mask.len(),
        dxy.len(),
        "dropout_backward: mask and dxy lengths differ"
    );
    let done = backward_simd(mask, dxy);
    for (d, &m) in dxy[done..].iter_mut().zip(&mask[done..]) {
        *d *= m;
    }
}

/// [`mix`] on four lanes (wrapping multiply is the same for signed and unsigned lanes).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn mix4(x: v128) -> v128 {
    let x = v128_xor(x, u32x4_shr(x, 16));
    let x = i32x4_mul(x, u32x4_splat(0x7feb_352d));
    let x = v128_xor(x, u32x4_shr(x, 15));
    let x = i32x4_mul(x, u32x4_splat(0x846c_a68b));
    v128_xor(x, u32x4_shr(x, 16))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn forward_simd(
    key: DropoutKey,
    threshold: u32,
    scale: f32,
    xy: &mut [f32],
    mask: &mut [f32],
) -> usize {
    let n4 = xy.len() & !3;
    let (a, b) = (u32x4_splat(key.a), u32x4_splat(key.b));
    let (threshold, scale) = (u32x4_splat(threshold), f32x4_splat(scale));
    let mut index = u32x4(0, 1, 2, 3);
    for i in (0..n4).step_by(4) {
        let bits = mix4(i32x4_add(mix4(i32x4_add(index, a)), b));
        let m = v128_and(u32x4_ge(bits, threshold), scale);
        store4(&mut mask[i..], m);
        let x = f32x4_mul(load4(&xy[i..]), m);
        store4(&mut xy[i..], x);
        index = i32x4_add(index, u32x4_splat(4));
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn backward_simd(mask: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    for i in (0..n4).step_by(4) {
        let d = f32x4_mul(load4(&dxy[i..]), load4(&mask[i..]));
        store4(&mut dxy[i..], d);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn forward_simd(_: DropoutKey, _: u32, _: f32, _: &mut [f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn backward_simd(_: &[f32], _: &mut [f32]) -> usize {
    0
}
