//! Exports of the batch-normalization kernels over `[rows, channels]`. Optional buffers
//! (`gamma`, `beta`, `dx`) are pointer 0 when absent.

use crate::memory::{optional_slice, optional_slice_mut, slice, slice_mut};
use simdnet_kernels::batch_norm as bn;

/// [`bn::batch_norm_forward_train`]; `stats` receives `[mean | var]` (`2 * channels`).
///
/// # Safety
/// Live buffers of the lengths the shapes give; the written ones overlap nothing.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_forward_train(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    y: *mut f32,
    stats: *mut f32,
) {
    let n = rows * channels;
    bn::batch_norm_forward_train(
        rows,
        channels,
        epsilon,
        slice(x, n),
        optional_slice(gamma, channels),
        optional_slice(beta, channels),
        slice_mut(y, n),
        slice_mut(stats, 2 * channels),
    );
}

/// [`bn::batch_norm_forward_inference`].
///
/// # Safety
/// As [`batch_norm_forward_train`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_forward_inference(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    moving_mean: *const f32,
    moving_var: *const f32,
    y: *mut f32,
) {
    let n = rows * channels;
    bn::batch_norm_forward_inference(
        rows,
        channels,
        epsilon,
        slice(x, n),
        optional_slice(gamma, channels),
        optional_slice(beta, channels),
        slice(moving_mean, channels),
        slice(moving_var, channels),
        slice_mut(y, n),
    );
}

/// [`bn::batch_norm_update_moving`].
///
/// # Safety
/// As [`batch_norm_forward_train`].
#[no_mangle]
pub unsafe extern "C" fn batch_norm_update_moving(
    channels: usize,
    momentum: f32,
    stats: *const f32,
    moving_mean: *mut f32,
    moving_var: *mut f32,
) {
    bn::batch_norm_update_moving(
        channels,
        momentum,
        slice(stats, 2 * channels),
        slice_mut(moving_mean, channels),
        slice_mut(moving_var, channels),
    );
}

/// [`bn::batch_norm_backward`]; `dx` may be 0 (skipped).
///
/// # Safety
/// As [`batch_norm_forward_train`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_backward(
    rows: usize,
    channels: usize,
    epsilon: f32,
    x: *const f32,
    dy: *const f32,
    gamma: *const f32,
    stats: *const f32,
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
) {
    let n = rows * channels;
    bn::batch_norm_backward(
        rows,
        channels,
        epsilon,
        slice(x, n),
        slice(dy, n),
        optional_slice(gamma, channels),
        slice(stats, 2 * channels),
        optional_slice_mut(dx, n),
        slice_mut(dgamma, channels),
        slice_mut(dbeta, channels),
    );
}

/// [`bn::batch_norm_backward_inference`].
///
/// # Safety
/// As [`batch_norm_forward_train`].
#[no_mangle]
pub unsafe extern "C" fn batch_norm_backward_inference(
    rows: usize,
    channels: usize,
    epsilon: f32,
    dy: *const f32,
    gamma: *const f32,
    moving_var: *const f32,
    dx: *mut f32,
) {
    let n = rows * channels;
    bn::batch_norm_backward_inference(
        rows,
        channels,
        epsilon,
        slice(dy, n),
        optional_slice(gamma, channels),
        slice(moving_var, channels),
        slice_mut(dx, n),
    );
}
