//! Exports of the conv2d kernels. Every export takes the twelve dims of
//! [`Conv2dDims::dilated`] first (`same` as 0 or 1), then pointers; the TypeScript wrappers
//! (`ts/kernels/conv2d.ts`) validate the dims and every buffer before calling, so invalid
//! dims here are a bug and trap.

use crate::memory::{gemm_pack, optional_slice, slice, slice_mut};
use simdnet_kernels::conv2d::{self, Conv2dDims};

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
    dilation_h: usize,
    dilation_w: usize,
    same: u32,
) -> usize {
    Conv2dDims::dilated(
        batch,
        in_h,
        in_w,
        in_c,
        k_h,
        k_w,
        out_c,
        stride_h,
        stride_w,
        dilation_h,
        dilation_w,
        same != 0,
    )
    .map_or(0, |d| d.scratch_len())
}

/// Defines an `unsafe extern "C"` conv2d export whose C parameters are the twelve dims of
/// [`conv2d_scratch_len`] (in that order) followed by the listed pointers; the body sees
/// the dims as the [`Conv2dDims`] named before the `;`. Written once here because the
/// dims list is the same in every export and only the pointers differ.
macro_rules! conv2d_export {
    ($(#[$attr:meta])* fn $name:ident($d:ident; $($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            batch: usize,
            in_h: usize,
            in_w: usize,
            in_c: usize,
            k_h: usize,
            k_w: usize,
            out_c: usize,
            stride_h: usize,
            stride_w: usize,
            dilation_h: usize,
            dilation_w: usize,
            same: u32,
            $($arg: $ty),*
        ) {
            let $d = Conv2dDims::dilated(
                batch,
                in_h,
                in_w,
                in_c,
                k_h,
                k_w,
                out_c,
                stride_h,
                stride_w,
                dilation_h,
                dilation_w,
                same != 0,
            )
            .expect("valid conv2d dims");
            $body
        }
    };
}
pub(crate) use conv2d_export;

conv2d_export! {
    /// [`conv2d::conv2d_forward`]; `bias` 0 means no bias.
    ///
    /// # Safety
    /// Pointers to live, non-overlapping buffers of the lengths the dims give (`scratch`:
    /// `conv2d_scratch_len` floats).
    fn conv2d_forward(
        d;
        x: *const f32,
        w: *const f32,
        bias: *const f32,
        y: *mut f32,
        scratch: *mut f32,
    ) {
        // SAFETY: the caller guarantees each pointer spans the length given and that the
        // mutable buffers overlap nothing else; the pack workspace is held by this call alone.
        conv2d::conv2d_forward(
            &d,
            slice(x, d.input_len()),
            slice(w, d.kernel_len()),
            optional_slice(bias, d.out_c),
            slice_mut(y, d.output_len()),
            slice_mut(scratch, d.scratch_len()),
            gemm_pack(),
        );
    }
}

conv2d_export! {
    /// [`conv2d::conv2d_backward_input`].
    ///
    /// # Safety
    /// As [`conv2d_forward`].
    fn conv2d_backward_input(d; dy: *const f32, w: *const f32, dx: *mut f32, scratch: *mut f32) {
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
}

conv2d_export! {
    /// [`conv2d::conv2d_backward_filter`].
    ///
    /// # Safety
    /// As [`conv2d_forward`].
    fn conv2d_backward_filter(d; x: *const f32, dy: *const f32, dw: *mut f32, scratch: *mut f32) {
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
}

conv2d_export! {
    /// [`conv2d::conv2d_backward_bias`].
    ///
    /// # Safety
    /// As [`conv2d_forward`].
    fn conv2d_backward_bias(d; dy: *const f32, db: *mut f32) {
        // SAFETY: as in conv2d_forward.
        conv2d::conv2d_backward_bias(&d, slice(dy, d.output_len()), slice_mut(db, d.out_c));
    }
}
