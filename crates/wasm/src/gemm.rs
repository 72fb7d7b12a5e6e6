//! Export of the GEMM kernel (`simdnet_kernels::gemm::sgemm`).

use crate::memory::{gemm_pack, slice, slice_mut};
use simdnet_kernels::gemm::{sgemm, Gemm};

/// `C = op(A) op(B)` (or `C += ...` when `accumulate != 0`) on row-major f32 matrices:
/// `a` holds `m * k` floats (`[m, k]`, or `[k, m]` when `trans_a != 0`), `b` holds
/// `k * n` (`[k, n]`, or `[n, k]` when `trans_b != 0`), `c` holds `m * n`.
///
/// # Safety
/// The TypeScript wrapper (`ts/kernels/gemm.ts`) guarantees that each pointer is a live
/// allocation of at least that many floats and that `c` overlaps neither `a` nor `b`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gemm(
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    trans_a: u32,
    b: *const f32,
    trans_b: u32,
    c: *mut f32,
    accumulate: u32,
) {
    let g = Gemm {
        m,
        n,
        k,
        trans_a: trans_a != 0,
        trans_b: trans_b != 0,
        accumulate: accumulate != 0,
    };
    // SAFETY: lengths and disjointness are guaranteed by the caller (see above); the
    // packing workspace is a static no other export holds during this call.
    let (a, b, c) = (slice(a, m * k), slice(b, k * n), slice_mut(c, m * n));
    sgemm(&g, a, b, c, gemm_pack());
}
