//! The portable micro-kernel: plain f32 arithmetic, used by the scalar wasm module and
//! natively. It is also the readable statement of the tile contract that
//! `micro_simd.rs` must meet (same arguments, same summation order, same results).

use super::blocking::{MR, NR};

/// One `MR x NR` tile of C from one packed A sliver and one packed B sliver:
///
/// `C[r][j] = (accumulate ? C[r][j] : 0) + sum_{p < kc} a[p * MR + r] * b[p * NR + j]`
///
/// where `C[r][j]` is `c[r * ldc + j]`. The sum runs in increasing `p`. When
/// `accumulate` is false, C is only written, never read.
///
/// # Panics
/// When `a` holds fewer than `kc * MR` floats, `b` fewer than `kc * NR`, or `c` fewer
/// than `(MR - 1) * ldc + NR`.
pub fn kernel(kc: usize, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, accumulate: bool) {
    let (a, b) = (&a[..kc * MR], &b[..kc * NR]);
    let mut acc = [[0.0f32; NR]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (row, &ar) in acc.iter_mut().zip(ap) {
            for (x, &bv) in row.iter_mut().zip(bp) {
                *x += ar * bv;
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        let dst = &mut c[r * ldc..r * ldc + NR];
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = if accumulate { *d + x } else { x };
        }
    }
}
