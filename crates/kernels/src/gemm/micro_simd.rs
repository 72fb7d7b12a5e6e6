//! The SIMD micro-kernel: the `micro_scalar.rs` tile contract with WebAssembly f32x4.
//!
//! Register layout at each step `p` (no fused multiply-add in baseline wasm SIMD, so each
//! update is a multiply then an add):
//!
//! ```text
//!                 b0 = b[p*8 .. p*8+4]   b1 = b[p*8+4 .. p*8+8]
//! A[0][p] splat   acc00 += a0 * b0       acc01 += a0 * b1
//! A[1][p] splat   acc10 += a1 * b0       acc11 += a1 * b1
//! A[2][p] splat   acc20 += a2 * b0       acc21 += a2 * b1
//! A[3][p] splat   acc30 += a3 * b0       acc31 += a3 * b1
//! ```
//!
//! Eight accumulators, two B vectors and one broadcast: eleven of the vector registers V8
//! has on x64, so nothing spills.

use super::blocking::{MR, NR};
use super::{Segments, View};
use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

// The register layout above is written for this tile.
const _: () = assert!(MR == 4 && NR == 8);

/// One `MR x NR` tile of C; see `micro_scalar::kernel` for the exact contract, which
/// this function meets bit for bit.
///
/// # Panics
/// When a slice is too short for its part of the tile.
pub(crate) fn kernel(kc: usize, a: View, b: &[f32], c: &mut [f32], ldc: usize, accumulate: bool) {
    if kc > 0 {
        assert!(a.data.len() > (MR - 1) * a.rs + (kc - 1) * a.cs && b.len() >= kc * NR);
    }
    assert!(c.len() >= (MR - 1) * ldc + NR);
    let zero = f32x4_splat(0.0);
    let mut acc = [[zero; 2]; MR];
    let (a0, b0) = (a.data.as_ptr(), b.as_ptr());
    for p in 0..kc {
        // SAFETY: step p reads A[r][p] for r < MR and b[p*NR .. p*NR+NR]; with p < kc
        // the asserts above bound both. v128_load has no alignment requirement.
        unsafe {
            let bp = b0.add(p * NR);
            let (bv0, bv1) = (
                v128_load(bp as *const v128),
                v128_load(bp.add(4) as *const v128),
            );
            let ap = a0.add(p * a.cs);
            for (r, row) in acc.iter_mut().enumerate() {
                let ar = f32x4_splat(*ap.add(r * a.rs));
                row[0] = f32x4_add(row[0], f32x4_mul(ar, bv0));
                row[1] = f32x4_add(row[1], f32x4_mul(ar, bv1));
            }
        }
    }
    store(&acc, c, ldc, accumulate);
}

/// One `MR x NR` tile of C over a segmented shared dimension; see
/// `micro_scalar::kernel_segments` for the contract, which this function meets bit for bit.
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
    // Segments::new bounds every segment's reads by a_end and b_end (row 0 of A; the
    // other rows are at most (MR - 1) * rs further).
    assert!(a.len() >= sg.a_end + (MR - 1) * rs && b.len() >= sg.b_end);
    assert!(c.len() >= (MR - 1) * ldc + NR);
    let (cs, ldb) = (sg.cs, sg.ldb);
    let zero = f32x4_splat(0.0);
    let mut acc = [[zero; 2]; MR];
    for s in sg.segs {
        // SAFETY: step p of segment s reads a[s.a + r * rs + p * cs] for r < MR and
        // b[s.b + p * ldb .. + NR]; with p < s.len the asserts above bound both.
        unsafe {
            let mut ap = a.as_ptr().add(s.a);
            let mut bp = b.as_ptr().add(s.b);
            for _ in 0..s.len {
                let (bv0, bv1) = (
                    v128_load(bp as *const v128),
                    v128_load(bp.add(4) as *const v128),
                );
                for (r, row) in acc.iter_mut().enumerate() {
                    let ar = f32x4_splat(*ap.add(r * rs));
                    row[0] = f32x4_add(row[0], f32x4_mul(ar, bv0));
                    row[1] = f32x4_add(row[1], f32x4_mul(ar, bv1));
                }
                ap = ap.wrapping_add(cs);
                bp = bp.wrapping_add(ldb);
            }
        }
    }
    store(&acc, c, ldc, accumulate);
}

/// Writes (or, when `accumulate`, adds) the finished tile `acc` to `c` (row stride `ldc`).
#[inline(always)]
fn store(acc: &[[v128; 2]; MR], c: &mut [f32], ldc: usize, accumulate: bool) {
    for (r, row) in acc.iter().enumerate() {
        let dst = &mut c[r * ldc..r * ldc + NR];
        for (half, &x) in row.iter().enumerate() {
            let d = dst[half * 4..half * 4 + 4].as_mut_ptr() as *mut v128;
            // SAFETY: `d` points at 4 floats inside `dst` (checked by the slicing above);
            // loads and stores of v128 need no alignment.
            unsafe {
                let sum = if accumulate {
                    f32x4_add(v128_load(d), x)
                } else {
                    x
                };
                v128_store(d, sum);
            }
        }
    }
}
