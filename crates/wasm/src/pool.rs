//! Exports of the pooling kernels. Every export takes the nine dims of
//! [`Pool2dDims::new`] first (`same` as 0 or 1), then pointers; the TypeScript wrappers
//! (`ts/kernels/pool.ts`) validate the dims and every buffer before calling, so invalid
//! dims here are a bug and trap.

use crate::memory::{slice, slice_mut};
use simdnet_kernels::pool::{self, Pool2dDims};

/// Defines an `unsafe extern "C"` pooling export whose C parameters are these nine dims,
/// in this order, followed by the listed pointers:
///
/// `batch, in_h, in_w, channels, pool_h, pool_w, stride_h, stride_w: usize, same: u32`
///
/// The body sees the dims as the [`Pool2dDims`] named before the `;`. Written once here
/// because the dims list is the same in every export and only the pointers differ.
macro_rules! pool2d_export {
    (
        $(#[$attr:meta])*
        fn $name:ident($d:ident; $($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            batch: usize,
            in_h: usize,
            in_w: usize,
            channels: usize,
            pool_h: usize,
            pool_w: usize,
            stride_h: usize,
            stride_w: usize,
            same: u32,
            $($arg: $ty),*
        ) $(-> $ret)? {
            let $d = Pool2dDims::new(
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
            .expect("valid pool2d dims");
            $body
        }
    };
}

pool2d_export! {
    /// [`pool::max_pool2d_forward`]; `argmax` is a u32 buffer of the output's length.
    ///
    /// # Safety
    /// Pointers to live, non-overlapping buffers of the lengths the dims give.
    fn max_pool2d_forward(d; x: *const f32, y: *mut f32, argmax: *mut u32) {
        // SAFETY: the caller guarantees each pointer spans the length given and that the
        // mutable buffers overlap nothing else.
        pool::max_pool2d_forward(
            &d,
            slice(x, d.input_len()),
            slice_mut(y, d.output_len()),
            slice_mut(argmax, d.output_len()),
        );
    }
}

pool2d_export! {
    /// [`pool::max_pool2d_backward`]. Returns -1 on success, else the position of the first
    /// `argmax` entry outside the input (then `dx` is untouched).
    ///
    /// # Safety
    /// As [`max_pool2d_forward`].
    fn max_pool2d_backward(d; dy: *const f32, argmax: *const u32, dx: *mut f32) -> isize {
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
}

pool2d_export! {
    /// [`pool::avg_pool2d_forward`].
    ///
    /// # Safety
    /// As [`max_pool2d_forward`].
    fn avg_pool2d_forward(d; x: *const f32, y: *mut f32) {
        // SAFETY: as in max_pool2d_forward.
        pool::avg_pool2d_forward(&d, slice(x, d.input_len()), slice_mut(y, d.output_len()));
    }
}

pool2d_export! {
    /// [`pool::avg_pool2d_backward`].
    ///
    /// # Safety
    /// As [`max_pool2d_forward`].
    fn avg_pool2d_backward(d; dy: *const f32, dx: *mut f32) {
        // SAFETY: as in max_pool2d_forward.
        pool::avg_pool2d_backward(&d, slice(dy, d.output_len()), slice_mut(dx, d.input_len()));
    }
}
