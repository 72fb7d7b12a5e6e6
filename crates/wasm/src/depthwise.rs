//! Exports of the depthwise conv2d kernels and of zero padding. Each depthwise export
//! takes the twelve dims of [`DepthwiseDims::new`] first (`same` as 0 or 1), then
//! pointers; the TypeScript wrappers validate everything first, so invalid dims here are
//! a bug and trap.

use crate::memory::{optional_slice, slice, slice_mut};
use simdnet_kernels::depthwise::{self as dw, DepthwiseDims};
use simdnet_kernels::pad::{self, Pad2dDims};

/// Defines an `unsafe extern "C"` depthwise export whose C parameters are the dims
/// `batch, in_h, in_w, channels, k_h, k_w, multiplier, stride_h, stride_w, dilation_h,
/// dilation_w: usize, same: u32`, then the listed pointers; the body sees the dims as
/// the [`DepthwiseDims`] named before the `;`.
macro_rules! depthwise_export {
    ($(#[$attr:meta])* fn $name:ident($d:ident; $($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            batch: usize,
            in_h: usize,
            in_w: usize,
            channels: usize,
            k_h: usize,
            k_w: usize,
            multiplier: usize,
            stride_h: usize,
            stride_w: usize,
            dilation_h: usize,
            dilation_w: usize,
            same: u32,
            $($arg: $ty),*
        ) {
            let $d = DepthwiseDims::new(
                batch, in_h, in_w, channels, k_h, k_w, multiplier, stride_h, stride_w,
                dilation_h, dilation_w, same != 0,
            )
            .expect("valid depthwise dims");
            $body
        }
    };
}
pub(crate) use depthwise_export;

depthwise_export! {
    /// [`dw::depthwise_forward`]; `bias` may be 0.
    ///
    /// # Safety
    /// Pointers to live buffers of the lengths the dims give; `y` overlaps nothing.
    fn depthwise_forward(d; x: *const f32, w: *const f32, bias: *const f32, y: *mut f32) {
        dw::depthwise_forward(
            &d,
            slice(x, d.input_len()),
            slice(w, d.kernel_len()),
            optional_slice(bias, d.out_c()),
            slice_mut(y, d.output_len()),
        );
    }
}

depthwise_export! {
    /// [`dw::depthwise_backward_input`].
    ///
    /// # Safety
    /// As [`depthwise_forward`].
    fn depthwise_backward_input(d; dy: *const f32, w: *const f32, dx: *mut f32) {
        dw::depthwise_backward_input(&d, slice(dy, d.output_len()), slice(w, d.kernel_len()), slice_mut(dx, d.input_len()));
    }
}

depthwise_export! {
    /// [`dw::depthwise_backward_filter`].
    ///
    /// # Safety
    /// As [`depthwise_forward`].
    fn depthwise_backward_filter(d; x: *const f32, dy: *const f32, dw_: *mut f32) {
        dw::depthwise_backward_filter(&d, slice(x, d.input_len()), slice(dy, d.output_len()), slice_mut(dw_, d.kernel_len()));
    }
}

depthwise_export! {
    /// [`dw::depthwise_backward_bias`].
    ///
    /// # Safety
    /// As [`depthwise_forward`].
    fn depthwise_backward_bias(d; dy: *const f32, db: *mut f32) {
        dw::depthwise_backward_bias(&d, slice(dy, d.output_len()), slice_mut(db, d.out_c()));
    }
}

/// [`pad::pad2d_forward`] (`backward` 0) or [`pad::pad2d_backward`] (`backward` 1, then
/// `src` is `dy` and `dst` is `dx`).
///
/// # Safety
/// Live, non-overlapping buffers of the lengths the dims give.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn pad2d(
    batch: usize,
    h: usize,
    w: usize,
    c: usize,
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
    backward: u32,
    src: *const f32,
    dst: *mut f32,
) {
    let d = Pad2dDims::new(batch, h, w, c, top, bottom, left, right).expect("valid pad2d dims");
    if backward == 0 {
        pad::pad2d_forward(
            &d,
            slice(src, d.input_len()),
            slice_mut(dst, d.output_len()),
        );
    } else {
        pad::pad2d_backward(
            &d,
            slice(src, d.output_len()),
            slice_mut(dst, d.input_len()),
        );
    }
}
