//! Exports of the conv2d kernels. Every export takes the ten dims of
//! [`Conv2dDims::new`] first (`same` as 0 or 1), then pointers; the TypeScript wrappers
//! (`ts/kernels/conv2d.ts`) validate the dims and every buffer before calling, so invalid
//! dims here are a bug and trap.

use crate::memory::{gemm_pack, slice, slice_mut};
use simdnet_kernels::conv2d::{self, Conv2dDims};

#[allow(clippy::too_many_arguments)]
fn dims(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
) -> Option<Conv2dDims> {
    Conv2dDims::new(
        batch,
        in_h,
        in_w,
        in_c,
        k_h,
        k_w,
        out_c,
        stride_h,
        stride_w,
        same != 0,
    )
    .ok()
}

/// Floats of scratch the conv2d kernels need for these dims, or 0 when they are invalid
/// (a valid 1x1 stride-1 conv also needs 0).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn conv2d_scratch_len(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
) -> usize {
    dims(
        batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, same,
    )
    .map_or(0, |d| d.scratch_len())
}

/// [`conv2d::conv2d_forward`]; `bias` 0 means no bias.
///
/// # Safety
/// Pointers to live, non-overlapping buffers of the lengths the dims give (`scratch`:
/// `conv2d_scratch_len` floats).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_forward(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    x: *const f32,
    w: *const f32,
    bias: *const f32,
    y: *mut f32,
    scratch: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, same,
    )
    .expect("valid conv2d dims");
    // SAFETY: the caller guarantees each pointer spans the length given and that the
    // mutable buffers overlap nothing else; the pack workspace is held by this call alone.
    let bias = if bias.is_null() {
        None
    } else {
        Some(slice(bias, d.out_c))
    };
    conv2d::conv2d_forward(
        &d,
        slice(x, d.input_len()),
        slice(w, d.kernel_len()),
        bias,
        slice_mut(y, d.output_len()),
        slice_mut(scratch, d.scratch_len()),
        gemm_pack(),
    );
}

/// [`conv2d::conv2d_backward_input`].
///
/// # Safety
/// As [`conv2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_backward_input(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    dy: *const f32,
    w: *const f32,
    dx: *mut f32,
    scratch: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, same,
    )
    .expect("valid conv2d dims");
    // SAFETY: as in conv2d_forward.
    conv2d::conv2d_backward_input(
        &d,
        slice(dy, d.output_len()),
        slice(w, d.kernel_len()),
        slice_mut(dx, d.input_len()),
        slice_mut(scratch, d.scratch_len()),
        gemm_pack(),
    );
}

/// [`conv2d::conv2d_backward_filter`].
///
/// # Safety
/// As [`conv2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_backward_filter(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    x: *const f32,
    dy: *const f32,
    dw: *mut f32,
    scratch: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, same,
    )
    .expect("valid conv2d dims");
    // SAFETY: as in conv2d_forward.
    conv2d::conv2d_backward_filter(
        &d,
        slice(x, d.input_len()),
        slice(dy, d.output_len()),
        slice_mut(dw, d.kernel_len()),
        slice_mut(scratch, d.scratch_len()),
        gemm_pack(),
    );
}

/// [`conv2d::conv2d_backward_bias`].
///
/// # Safety
/// As [`conv2d_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn conv2d_backward_bias(
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    stride_h: usize,
    stride_w: usize,
    same: u32,
    dy: *const f32,
    db: *mut f32,
) {
    let d = dims(
        batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, same,
    )
    .expect("valid conv2d dims");
    // SAFETY: as in conv2d_forward.
    conv2d::conv2d_backward_bias(&d, slice(dy, d.output_len()), slice_mut(db, d.out_c));
}
