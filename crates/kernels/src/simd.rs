//! Four-lane load and store helpers for the kernels' SIMD bodies (wasm32 with `simd128`).
//!
//! The elementwise kernels (activation, dropout, optim) each run a SIMD body over the
//! leading multiple of 4 elements and return how many they did; a scalar loop, the body's
//! twin, finishes the rest (all of it where this module is not compiled: the scalar wasm
//! build and native tests). Pooling's channel-vector helpers and the direct convolution's
//! `F4` load through here too. These helpers are the only place those bodies touch
//! memory, so each access is bounds-checked once, here (the GEMM micro-kernel checks its
//! whole tile up front instead).

use core::arch::wasm32::{v128, v128_load, v128_store};

/// `s[0..4]` as one f32x4 vector. Panics when `s` holds fewer than 4 floats.
#[inline(always)]
pub(crate) fn load4(s: &[f32]) -> v128 {
    assert!(s.len() >= 4);
    // SAFETY: the slice holds at least 4 floats (16 bytes) and v128_load has no
    // alignment requirement.
    unsafe { v128_load(s.as_ptr() as *const v128) }
}

/// Writes the four f32 lanes of `x` to `s[0..4]`. Panics when `s` holds fewer than 4.
#[inline(always)]
pub(crate) fn store4(s: &mut [f32], x: v128) {
    assert!(s.len() >= 4);
    // SAFETY: as in `load4`, and the slice is borrowed mutably, so nothing else sees
    // the write.
    unsafe { v128_store(s.as_mut_ptr() as *mut v128, x) }
}

/// `s[0..4]` as one u32x4 vector (e.g. arg-max indices). Panics when `s` holds fewer than 4.
#[inline(always)]
pub(crate) fn load4_u32(s: &[u32]) -> v128 {
    assert!(s.len() >= 4);
    // SAFETY: the slice holds at least 4 u32 (16 bytes); no alignment is required.
    unsafe { v128_load(s.as_ptr() as *const v128) }
}

/// Writes the four u32 lanes of `x` to `s[0..4]`. Panics when `s` holds fewer than 4.
#[inline(always)]
pub(crate) fn store4_u32(s: &mut [u32], x: v128) {
    assert!(s.len() >= 4);
    // SAFETY: as in `load4_u32`, and the slice is borrowed mutably.
    unsafe { v128_store(s.as_mut_ptr() as *mut v128, x) }
}
