//! Exports of the `dense` kernels. Optional buffers (bias, dx, db) are passed as pointer 0.

use crate::memory::{gemm_pack, optional_slice, optional_slice_mut, slice, slice_mut};
use simdnet_kernels::dense::{self, Dense};

/// `y = x w (+ bias)`.
///
/// # Safety
/// `x` holds `batch * inputs` floats, `w` `inputs * units`, `bias` (unless 0) `units`,
/// `y` `batch * units`; all live, `y` overlapping none of the others.
#[no_mangle]
pub unsafe extern "C" fn dense_forward(
    batch: usize,
    inputs: usize,
    units: usize,
    x: *const f32,
    w: *const f32,
    bias: *const f32,
    y: *mut f32,
) {
    let d = Dense {
        batch,
        inputs,
        units,
    };
    dense::dense_forward(
        &d,
        slice(x, batch * inputs),
        slice(w, inputs * units),
        optional_slice(bias, units),
        slice_mut(y, batch * units),
        gemm_pack(),
    );
}

/// Gradients of `dense_forward`: `dw`, and `dx` and `db` unless their pointer is 0.
///
/// # Safety
/// `x` and `dx` hold `batch * inputs` floats, `w` and `dw` `inputs * units`, `dy`
/// `batch * units`, `db` `units`; all live, outputs overlapping nothing.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dense_backward(
    batch: usize,
    inputs: usize,
    units: usize,
    x: *const f32,
    w: *const f32,
    dy: *const f32,
    dx: *mut f32,
    dw: *mut f32,
    db: *mut f32,
) {
    let d = Dense {
        batch,
        inputs,
        units,
    };
    dense::dense_backward(
        &d,
        slice(x, batch * inputs),
        slice(w, inputs * units),
        slice(dy, batch * units),
        optional_slice_mut(dx, batch * inputs),
        slice_mut(dw, inputs * units),
        optional_slice_mut(db, units),
        gemm_pack(),
    );
}
