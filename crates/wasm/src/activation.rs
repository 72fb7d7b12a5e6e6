//! Exports of the `activation` kernels, all in place. Elementwise ones take the element
//! count `n`; softmax takes `rows` and `cols`.

use crate::memory::{slice, slice_mut};
use simdnet_kernels::activation as act;

/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn relu_forward(n: usize, xy: *mut f32) {
    act::relu_forward(slice_mut(xy, n));
}

/// # Safety
/// `y` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn relu_backward(n: usize, y: *const f32, dxy: *mut f32) {
    act::relu_backward(slice(y, n), slice_mut(dxy, n));
}

/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn sigmoid_forward(n: usize, xy: *mut f32) {
    act::sigmoid_forward(slice_mut(xy, n));
}

/// # Safety
/// `y` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn sigmoid_backward(n: usize, y: *const f32, dxy: *mut f32) {
    act::sigmoid_backward(slice(y, n), slice_mut(dxy, n));
}

/// # Safety
/// `xy` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn tanh_forward(n: usize, xy: *mut f32) {
    act::tanh_forward(slice_mut(xy, n));
}

/// # Safety
/// `y` and `dxy` are live, non-overlapping allocations of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn tanh_backward(n: usize, y: *const f32, dxy: *mut f32) {
    act::tanh_backward(slice(y, n), slice_mut(dxy, n));
}

/// # Safety
/// `xy` is a live allocation of `rows * cols` floats.
#[no_mangle]
pub unsafe extern "C" fn softmax_forward(rows: usize, cols: usize, xy: *mut f32) {
    act::softmax_forward(rows, cols, slice_mut(xy, rows * cols));
}

/// # Safety
/// `y` and `dxy` are live, non-overlapping allocations of `rows * cols` floats.
#[no_mangle]
pub unsafe extern "C" fn softmax_backward(rows: usize, cols: usize, y: *const f32, dxy: *mut f32) {
    let n = rows * cols;
    act::softmax_backward(rows, cols, slice(y, n), slice_mut(dxy, n));
}
