//! Exports of the `dropout` kernels. `rate` arrives as f64 so that the keep threshold is
//! computed from the caller's exact value.

use crate::memory::{slice, slice_mut};
use simdnet_kernels::dropout;

/// # Safety
/// `xy` and `mask` are live, non-overlapping allocations of `n` floats; `rate` lies in
/// `[0, 1)` (checked by the caller; a bad rate aborts).
#[no_mangle]
pub unsafe extern "C" fn dropout_forward(
    n: usize,
    rate: f64,
    seed: u32,
    step: u32,
    xy: *mut f32,
    mask: *mut f32,
) {
    dropout::dropout_forward(rate, seed, step, slice_mut(xy, n), slice_mut(mask, n));
}

/// # Safety
/// `mask` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn dropout_backward(n: usize, mask: *const f32, dxy: *mut f32) {
    dropout::dropout_backward(slice(mask, n), slice_mut(dxy, n));
}
