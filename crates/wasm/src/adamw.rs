//! Export of the decoupled weight decay kernel (AdamW's first half).

use crate::memory::slice_mut;
use simdnet_kernels::adamw;

/// `p -= (p * weight_decay) * lr` over `n` parameters.
///
/// # Safety
/// `params` is a live allocation of `n` floats.
#[no_mangle]
pub unsafe extern "C" fn decay_weights(n: usize, params: *mut f32, weight_decay: f32, lr: f32) {
    adamw::decay_weights(slice_mut(params, n), weight_decay, lr);
}
