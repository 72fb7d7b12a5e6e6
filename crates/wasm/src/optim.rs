//! Exports of the `optim` kernels. Optional state buffers are passed as pointer 0. Each
//! returns 1 when it applied the step, 0 when it wrote nothing because some new parameter
//! or state value would not be finite (the kernels' divergence guard).
//! These C-ABI shells take every value flat, hence `too_many_arguments`. Decay rates
//! (beta1, beta2, rho) arrive as f64, as the kernels want them (see `optim::Adam`).

use crate::memory::{optional_slice_mut, slice, slice_mut};
use simdnet_kernels::optim::{
    adam_update as adam, rmsprop_update as rmsprop, sgd_update as sgd, Adam, RmsProp, Sgd,
};

/// One SGD step over `n` parameters; `velocity` 0 means no momentum state. Returns 1 when
/// applied, 0 when refused (nothing written).
///
/// # Safety
/// Every non-zero pointer is a live allocation of `n` floats, none overlapping.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sgd_update(
    n: usize,
    params: *mut f32,
    grads: *const f32,
    velocity: *mut f32,
    lr: f32,
    momentum: f32,
    nesterov: u32,
) -> u32 {
    let h = Sgd {
        lr,
        momentum,
        nesterov: nesterov != 0,
    };
    u32::from(sgd(
        &h,
        slice_mut(params, n),
        slice(grads, n),
        optional_slice_mut(velocity, n),
    ))
}

/// One Adam step over `n` parameters; `step` counts from 1. Returns 1 when applied, 0 when
/// refused (nothing written).
///
/// # Safety
/// Every pointer is a live allocation of `n` floats, none overlapping.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn adam_update(
    n: usize,
    params: *mut f32,
    grads: *const f32,
    m: *mut f32,
    v: *mut f32,
    lr: f32,
    beta1: f64,
    beta2: f64,
    epsilon: f32,
    step: u32,
) -> u32 {
    let h = Adam {
        lr,
        beta1,
        beta2,
        epsilon,
    };
    u32::from(adam(
        &h,
        step,
        slice_mut(params, n),
        slice(grads, n),
        slice_mut(m, n),
        slice_mut(v, n),
    ))
}

/// One RMSprop step over `n` parameters; `velocity` 0 means no momentum state. Returns 1
/// when applied, 0 when refused (nothing written).
///
/// # Safety
/// Every non-zero pointer is a live allocation of `n` floats, none overlapping.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rmsprop_update(
    n: usize,
    params: *mut f32,
    grads: *const f32,
    mean_square: *mut f32,
    velocity: *mut f32,
    lr: f32,
    rho: f64,
    momentum: f32,
    epsilon: f32,
) -> u32 {
    let h = RmsProp {
        lr,
        rho,
        momentum,
        epsilon,
    };
    u32::from(rmsprop(
        &h,
        slice_mut(params, n),
        slice(grads, n),
        slice_mut(mean_square, n),
        optional_slice_mut(velocity, n),
    ))
}
