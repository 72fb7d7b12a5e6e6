//! The portable micro-kernel: plain f32 arithmetic, used by the scalar wasm module and
//! natively. It is also the readable statement of the tile contract that
//! `micro_simd.rs` must meet (same arguments, same summation order, same results).

use super::blocking::{MR, NR};
use super::{Segments, View};

/// One `MR x NR` tile of C from an `MR x kc` sliver of A (any strides: packed or read
/// in place) and a packed `kc x NR` sliver of B:
///
/// `C[r][j] = (accumulate ? C[r][j] : 0) + sum_{p < kc} A[r][p] * b[p * NR + j]`
///
/// where `A[r][p]` is `a.data[r * a.rs + p * a.cs]` and `C[r][j]` is `c[r * ldc + j]`.
/// The sum runs in increasing `p`. When `accumulate` is false, C is only written.
///
/// # Panics
/// When a slice is too short for its part of the tile.
pub(crate) fn kernel(kc: usize, a: View, b: &[f32], c: &mut [f32], ldc: usize, accumulate: bool) {
    let b = &b[..kc * NR];
    let mut acc = [[0.0f32; NR]; MR];
    for (p, bp) in b.chunks_exact(NR).enumerate() {
        for (r, row) in acc.iter_mut().enumerate() {
            let ar = a.data[r * a.rs + p * a.cs];
            for (x, &bv) in row.iter_mut().zip(bp) {
                *x += ar * bv;
            }
        }
    }
    store(&acc, c, ldc, accumulate);
}

/// One `MR x NR` tile of C from a shared dimension cut into segments (`Seg`), each a
/// run of `len` steps with its own A and B offsets:
///
/// `C[r][j] = (accumulate ? C[r][j] : 0)
///     + sum over segments s in order, p < s.len of
///       a[s.a + r * rs + p * cs] * b[s.b + p * ldb + j]`
///
/// The implicit convolutions (`conv2d/implicit.rs`) read A in place from an image this
/// way: one segment per filter tap, or per output row. The sum runs segment by segment,
/// each in increasing `p`.
///
/// # Panics
/// When a slice is too short for its part of the tile.
pub(crate) fn kernel_segments(
    sg: &Segments,
    a: &[f32],
    rs: usize,
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    assert!(a.len() >= sg.a_end + (MR - 1) * rs && b.len() >= sg.b_end);
    let (cs, ldb) = (sg.cs, sg.ldb);
    let mut acc = [[0.0f32; NR]; MR];
    for s in sg.segs {
        for p in 0..s.len {
            let bp = &b[s.b + p * ldb..s.b + p * ldb + NR];
            for (r, row) in acc.iter_mut().enumerate() {
                let ar = a[s.a + r * rs + p * cs];
                for (x, &bv) in row.iter_mut().zip(bp) {
                    *x += ar * bv;
                }
            }
        }
    }
    store(&acc, c, ldc, accumulate);
}

/// Writes (or, when `accumulate`, adds) the finished tile `acc` to `c` (row stride `ldc`).
#[inline(always)]
fn store(acc: &[[f32; NR]; MR], c: &mut [f32], ldc: usize, accumulate: bool) {
    for (r, row) in acc.iter().enumerate() {
        let dst = &mut c[r * ldc..r * ldc + NR];
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = if accumulate { *d + x } else { x };
        }
    }
}
