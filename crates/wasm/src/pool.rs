//! Exports of the pooling kernels. Every export takes the nine dims of
//! [`Pool2dDims::new`] first (`same` as 0 or 1), then pointers; the TypeScript wrappers
//! (`ts/kernels/pool.ts`) validate the dims and every buffer before calling, so invalid
//! dims here are a bug and trap.

use crate::memory::{slice, slice_mut};
use simdnet_kernels::pool::{self, Pool2dDims};

#[allow(clippy::too_many_arguments)]
fn dims(
    batch: usize,
    in_h: usize,
    in_w: usize,
    channels: usize,
    pool_h: usize,
    pool_w: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
) -> Pool2dDims {
    Pool2dDims::new(
        batch,
        in_h,
        in_w,
        channels,
        pool_h,
        pool_w,
        stride_h,
        stride_w,
        same != 0,
    )
    .expect("valid pool2d dims")
}

/// [`pool::max_pool2d_forward`]; `argmax` is a u32 buffer of the output's length.
///
/// # Safety
/// Pointers to live, non-overlapping buffers of the lengths the dims give.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn max_pool2d_forward(
    batch: usize,
    in_h: usize,
    in_w: usize,
    channels: usize,
    pool_h: usize,
    pool_w: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    x: *const f32,
    y: *mut f32,
    argmax: *mut u32,
) {
    let d = dims(
        batch, in_h, in_w, channels, pool_h, pool_w, stride_h, stride_w, same,
    );
    // SAFETY: the caller guarantees each pointer spans the length given and that the
    // mutable buffers overlap nothing else.
    pool::max_pool2d_forward(
        &d,
        slice(x, d.input_len()),
        slice_mut(y, d.output_len()),
        slice_mut(argmax, d.output_len()),
    );
}

/// [`pool::max_pool2d_backward`]. Returns -1 on success, else the position of the first
/// `argmax` entry outside the input (then `dx` is untouched).
///
/// # Safety
/// As [`max_pool2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn max_pool2d_backward(
    batch: usize,
    in_h: usize,
    in_w: usize,
    channels: usize,
    pool_h: usize,
    pool_w: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    dy: *const f32,
    argmax: *const u32,
    dx: *mut f32,
) -> isize {
    let d = dims(
        batch, in_h, in_w, channels, pool_h, pool_w, stride_h, stride_w, same,
    );
    // SAFETY: as in max_pool2d_forward.
    let result = pool::max_pool2d_backward(
        &d,
        slice(dy, d.output_len()),
        slice(argmax, d.output_len()),
        slice_mut(dx, d.input_len()),
    );
    // Positions fit in isize: the buffer holding them is addressable.
    result.map_or_else(|e| e.position as isize, |()| -1)
}

/// [`pool::avg_pool2d_forward`].
///
/// # Safety
/// As [`max_pool2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avg_pool2d_forward(
    batch: usize,
    in_h: usize,
    in_w: usize,
    channels: usize,
    pool_h: usize,
    pool_w: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    x: *const f32,
    y: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, channels, pool_h, pool_w, stride_h, stride_w, same,
    );
    // SAFETY: as in max_pool2d_forward.
    pool::avg_pool2d_forward(&d, slice(x, d.input_len()), slice_mut(y, d.output_len()));
}

/// [`pool::avg_pool2d_backward`].
///
/// # Safety
/// As [`max_pool2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn avg_pool2d_backward(
    batch: usize,
    in_h: usize,
    in_w: usize,
    channels: usize,
    pool_h: usize,
    pool_w: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    dy: *const f32,
    dx: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, channels, pool_h, pool_w, stride_h, stride_w, same,
    );
    // SAFETY: as in max_pool2d_forward.
    pool::avg_pool2d_backward(&d, slice(dy, d.output_len()), slice_mut(dx, d.input_len()));
}
