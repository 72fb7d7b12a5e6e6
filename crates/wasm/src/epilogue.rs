//! Exports of the inference epilogues (`simdnet_kernels::epilogue`): the batch
//! normalization fold, the epilogue alone, and the fused forward passes of conv2d,
//! depthwise and dense. Optional buffers (scale, shift, residual, gamma, beta, bias) are
//! pointer 0 when absent. The TypeScript wrappers (`ts/kernels/epilogue.ts`) validate the
//! dims and every buffer first, so invalid dims here are a bug and trap.

use crate::conv::conv2d_export;
use crate::depthwise::depthwise_export;
use crate::memory::{gemm_pack, optional_slice, slice, slice_mut};
use simdnet_kernels::conv2d::Conv2dDims;
use simdnet_kernels::dense::Dense;
use simdnet_kernels::depthwise::DepthwiseDims;
use simdnet_kernels::epilogue::{self as ep, Epilogue};

/// The epilogue over pointers: `scale` and `shift` of `channels` floats, `residual` of
/// `len` (the whole output).
///
/// # Safety
/// As [`optional_slice`] for each pointer.
unsafe fn epilogue<'a>(
    channels: usize,
    len: usize,
    scale: *const f32,
    shift: *const f32,
    residual: *const f32,
    lo: f32,
    hi: f32,
) -> Epilogue<'a> {
    Epilogue {
        scale: optional_slice(scale, channels),
        shift: optional_slice(shift, channels),
        residual: optional_slice(residual, len),
        lo,
        hi,
    }
}

/// [`ep::fold_batch_norm`]: `scale` and `shift` (`channels` floats each, overwritten) of a
/// batch normalization (`gamma`, `beta` optional) after a layer with `bias` (optional).
///
/// # Safety
/// Live buffers of `channels` floats; `scale` and `shift` overlap nothing.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn epilogue_fold_batch_norm(
    channels: usize,
    epsilon: f32,
    gamma: *const f32,
    beta: *const f32,
    mean: *const f32,
    var: *const f32,
    bias: *const f32,
    scale: *mut f32,
    shift: *mut f32,
) {
    ep::fold_batch_norm(
        channels,
        epsilon,
        optional_slice(gamma, channels),
        optional_slice(beta, channels),
        slice(mean, channels),
        slice(var, channels),
        optional_slice(bias, channels),
        slice_mut(scale, channels),
        slice_mut(shift, channels),
    );
}

/// [`ep::apply`] over a whole `[rows, channels]` output `y`, in place.
///
/// # Safety
/// `y` and `residual` hold `rows * channels` floats, `scale` and `shift` `channels`; `y`
/// overlaps none of the others.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn epilogue_apply(
    rows: usize,
    channels: usize,
    scale: *const f32,
    shift: *const f32,
    residual: *const f32,
    lo: f32,
    hi: f32,
    y: *mut f32,
) {
    let len = rows * channels;
    let e = epilogue(channels, len, scale, shift, residual, lo, hi);
    ep::apply(&e, channels, 0, slice_mut(y, len));
}

conv2d_export! {
    /// [`ep::conv2d_forward_fused`]; the twelve dims as in `conv2d_forward` (`same` 0 or 1).
    ///
    /// # Safety
    /// Live buffers of the lengths the dims give (`scratch`: `conv2d_scratch_len` floats);
    /// `y` and `scratch` overlap nothing.
    fn conv2d_forward_fused(
        d;
        x: *const f32,
        w: *const f32,
        scale: *const f32,
        shift: *const f32,
        residual: *const f32,
        lo: f32,
        hi: f32,
        y: *mut f32,
        scratch: *mut f32,
    ) {
        let e = epilogue(d.out_c, d.output_len(), scale, shift, residual, lo, hi);
        // SAFETY: the caller guarantees the lengths and that the mutable buffers overlap
        // nothing; the pack workspace is held by this call alone.
        ep::conv2d_forward_fused(
            &d,
            slice(x, d.input_len()),
            slice(w, d.kernel_len()),
            &e,
            slice_mut(y, d.output_len()),
            slice_mut(scratch, d.scratch_len()),
            gemm_pack(),
        );
    }
}

depthwise_export! {
    /// [`ep::depthwise_forward_fused`]; the twelve dims as in `depthwise_forward`.
    ///
    /// # Safety
    /// Live buffers of the lengths the dims give; `y` overlaps nothing.
    fn depthwise_forward_fused(
        d;
        x: *const f32,
        w: *const f32,
        scale: *const f32,
        shift: *const f32,
        residual: *const f32,
        lo: f32,
        hi: f32,
        y: *mut f32,
    ) {
        let e = epilogue(d.out_c(), d.output_len(), scale, shift, residual, lo, hi);
        ep::depthwise_forward_fused(
            &d,
            slice(x, d.input_len()),
            slice(w, d.kernel_len()),
            &e,
            slice_mut(y, d.output_len()),
        );
    }
}

/// [`ep::dense_forward_fused`].
///
/// # Safety
/// `x` holds `batch * inputs` floats, `w` `inputs * units`, `scale` and `shift` `units`,
/// `residual` and `y` `batch * units`; `y` overlaps nothing.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dense_forward_fused(
    batch: usize,
    inputs: usize,
    units: usize,
    x: *const f32,
    w: *const f32,
    scale: *const f32,
    shift: *const f32,
    residual: *const f32,
    lo: f32,
    hi: f32,
    y: *mut f32,
) {
    let d = Dense {
        batch,
        inputs,
        units,
    };
    let e = epilogue(units, batch * units, scale, shift, residual, lo, hi);
    ep::dense_forward_fused(
        &d,
        slice(x, batch * inputs),
        slice(w, inputs * units),
        &e,
        slice_mut(y, batch * units),
        gemm_pack(),
    );
}
