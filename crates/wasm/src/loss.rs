//! Exports of the `loss` kernels: each returns the batch-mean loss (or the count of
//! correct rows) and writes its gradient. `label_smoothing` is Keras's (0 for none).

use crate::memory::{slice, slice_mut};
use simdnet_kernels::loss;

/// # Safety
/// Every pointer is a live allocation of `batch * classes` floats; `probs` and `dlogits`
/// overlap nothing.
#[no_mangle]
pub unsafe extern "C" fn softmax_cross_entropy(
    batch: usize,
    classes: usize,
    logits: *const f32,
    labels: *const f32,
    probs: *mut f32,
    dlogits: *mut f32,
    label_smoothing: f32,
) -> f32 {
    let n = batch * classes;
    loss::softmax_cross_entropy(
        batch,
        classes,
        slice(logits, n),
        slice(labels, n),
        slice_mut(probs, n),
        slice_mut(dlogits, n),
        label_smoothing,
    )
}

/// # Safety
/// Every pointer is a live allocation of `batch * classes` floats; `dprobs` overlaps
/// nothing.
#[no_mangle]
pub unsafe extern "C" fn categorical_cross_entropy(
    batch: usize,
    classes: usize,
    probs: *const f32,
    labels: *const f32,
    dprobs: *mut f32,
    label_smoothing: f32,
) -> f32 {
    let n = batch * classes;
    loss::categorical_cross_entropy(
        batch,
        classes,
        slice(probs, n),
        slice(labels, n),
        slice_mut(dprobs, n),
        label_smoothing,
    )
}

/// # Safety
/// Every pointer is a live allocation of `batch * width` floats; `dpred` overlaps nothing.
#[no_mangle]
pub unsafe extern "C" fn mean_squared_error(
    batch: usize,
    width: usize,
    pred: *const f32,
    target: *const f32,
    dpred: *mut f32,
) -> f32 {
    let n = batch * width;
    loss::mean_squared_error(slice(pred, n), slice(target, n), slice_mut(dpred, n))
}

/// # Safety
/// Both pointers are live allocations of `batch * classes` floats.
#[no_mangle]
pub unsafe extern "C" fn count_correct(
    batch: usize,
    classes: usize,
    scores: *const f32,
    labels: *const f32,
) -> u32 {
    let n = batch * classes;
    loss::count_correct(batch, classes, slice(scores, n), slice(labels, n))
}
