//! Export of the L1/L2 weight penalty. An absent gradient buffer is passed as pointer 0.

use crate::memory::{optional_slice_mut, slice};
use simdnet_kernels::regularize;

/// `l1 * sum|x| + l2 * sum x^2` over `n` parameters; adds its gradient to `grads`
/// unless that is 0.
///
/// # Safety
/// `params` is a live allocation of `n` floats; `grads` is 0 or one too, not overlapping it.
#[no_mangle]
pub unsafe extern "C" fn l1l2_penalty(
    n: usize,
    params: *const f32,
    grads: *mut f32,
    l1: f32,
    l2: f32,
) -> f32 {
    regularize::l1l2_penalty(slice(params, n), optional_slice_mut(grads, n), l1, l2)
}
