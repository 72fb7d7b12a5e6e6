//! Exports of the `unary` activations (forward in place, backward from the input `x`)
//! and of `scale_offset`. Each takes the element count `n` first.

use crate::memory::{slice, slice_mut};
use simdnet_kernels::unary::{self, ReluParams};

fn relu_params(max_value: f32, slope: f32, threshold: f32) -> ReluParams {
    ReluParams {
        max_value,
        slope,
        threshold,
    }
}

/// [`unary::relu_general_forward`]; `max_value` is +infinity for none.
///
/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn relu_general_forward(
    n: usize,
    max_value: f32,
    slope: f32,
    threshold: f32,
    xy: *mut f32,
) {
    unary::relu_general_forward(&relu_params(max_value, slope, threshold), slice_mut(xy, n));
}

/// [`unary::relu_general_backward`].
///
/// # Safety
/// `x` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn relu_general_backward(
    n: usize,
    max_value: f32,
    slope: f32,
    threshold: f32,
    x: *const f32,
    dxy: *mut f32,
) {
    let p = relu_params(max_value, slope, threshold);
    unary::relu_general_backward(&p, slice(x, n), slice_mut(dxy, n));
}

/// [`unary::elu_forward`] (elu: `alpha` 1, `scale` 1; selu: its constants).
///
/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn elu_forward(n: usize, alpha: f32, scale: f32, xy: *mut f32) {
    unary::elu_forward(alpha, scale, slice_mut(xy, n));
}

/// [`unary::elu_backward`].
///
/// # Safety
/// `x` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn elu_backward(
    n: usize,
    alpha: f32,
    scale: f32,
    x: *const f32,
    dxy: *mut f32,
) {
    unary::elu_backward(alpha, scale, slice(x, n), slice_mut(dxy, n));
}

/// [`unary::swish_forward`].
///
/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn swish_forward(n: usize, xy: *mut f32) {
    unary::swish_forward(slice_mut(xy, n));
}

/// [`unary::swish_backward`].
///
/// # Safety
/// `x` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn swish_backward(n: usize, x: *const f32, dxy: *mut f32) {
    unary::swish_backward(slice(x, n), slice_mut(dxy, n));
}

/// [`unary::gelu_forward`]; `approximate` is 0 (exact, erf) or 1 (tanh form).
///
/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn gelu_forward(n: usize, approximate: u32, xy: *mut f32) {
    unary::gelu_forward(approximate != 0, slice_mut(xy, n));
}

/// [`unary::gelu_backward`].
///
/// # Safety
/// `x` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn gelu_backward(n: usize, approximate: u32, x: *const f32, dxy: *mut f32) {
    unary::gelu_backward(approximate != 0, slice(x, n), slice_mut(dxy, n));
}

/// [`unary::hard_sigmoid_forward`].
///
/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn hard_sigmoid_forward(n: usize, xy: *mut f32) {
    unary::hard_sigmoid_forward(slice_mut(xy, n));
}

/// [`unary::hard_sigmoid_backward`].
///
/// # Safety
/// `x` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn hard_sigmoid_backward(n: usize, x: *const f32, dxy: *mut f32) {
    unary::hard_sigmoid_backward(slice(x, n), slice_mut(dxy, n));
}

/// [`unary::scale_offset`].
///
/// # Safety
/// `x` and `y` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn scale_offset(
    n: usize,
    scale: f32,
    offset: f32,
    x: *const f32,
    y: *mut f32,
) {
    unary::scale_offset(scale, offset, slice(x, n), slice_mut(y, n));
}

/// [`unary::relu_general_forward_into`]; `x == y` runs in place.
///
/// # Safety
/// `x` and `y` are live allocations of `n` floats, equal or not overlapping.
#[no_mangle]
pub unsafe extern "C" fn relu_general_forward_into(
    n: usize,
    max_value: f32,
    slope: f32,
    threshold: f32,
    x: *const f32,
    y: *mut f32,
) {
    let p = relu_params(max_value, slope, threshold);
    if core::ptr::eq(x, y) {
        unary::relu_general_forward(&p, slice_mut(y, n));
    } else {
        unary::relu_general_forward_into(&p, slice(x, n), slice_mut(y, n));
    }
}

/// [`unary::relu_general_backward_into`] (`from_output` 0 or 1); `dy == dx` runs in place.
///
/// # Safety
/// `v`, `dy` and `dx` are live allocations of `n` floats; `dx` overlaps `v` not at all
/// and `dy` only by being equal.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn relu_general_backward_into(
    n: usize,
    max_value: f32,
    slope: f32,
    threshold: f32,
    from_output: u32,
    v: *const f32,
    dy: *const f32,
    dx: *mut f32,
) {
    let p = relu_params(max_value, slope, threshold);
    let (v, from_output) = (slice(v, n), from_output != 0);
    match (core::ptr::eq(dy, dx), from_output) {
        (true, true) => unary::relu_general_backward_output(&p, v, slice_mut(dx, n)),
        (true, false) => unary::relu_general_backward(&p, v, slice_mut(dx, n)),
        (false, _) => {
            unary::relu_general_backward_into(&p, from_output, v, slice(dy, n), slice_mut(dx, n))
        }
    }
}

/// [`unary::add_into`]; `y` may equal `a` (then `y += b`).
///
/// # Safety
/// `a`, `b` and `y` are live allocations of `n` floats; `y` overlaps `b` not at all and `a`
/// only by being equal.
#[no_mangle]
pub unsafe extern "C" fn add_into(n: usize, a: *const f32, b: *const f32, y: *mut f32) {
    if core::ptr::eq(a, y) {
        unary::add_assign(slice_mut(y, n), slice(b, n));
    } else {
        unary::add_into(slice(a, n), slice(b, n), slice_mut(y, n));
    }
}
