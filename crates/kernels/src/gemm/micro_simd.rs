//! The SIMD micro-kernel: the `micro_scalar.rs` tile contract with WebAssembly f32x4.
//!
//! Register layout at each step `p` (no fused multiply-add in baseline wasm SIMD, so each
//! update is a multiply then an add):
//!
//! ```text
//!                 b0 = b[p*8 .. p*8+4]   b1 = b[p*8+4 .. p*8+8]
//! a[p*4+0] splat  acc00 += a0 * b0       acc01 += a0 * b1
//! a[p*4+1] splat  acc10 += a1 * b0       acc11 += a1 * b1
//! a[p*4+2] splat  acc20 += a2 * b0       acc21 += a2 * b1
//! a[p*4+3] splat  acc30 += a3 * b0       acc31 += a3 * b1
//! ```
//!
//! Eight accumulators, two B vectors and one broadcast: eleven of the vector registers V8
//! has on x64, so nothing spills.

use super::blocking::{MR, NR};
use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

// The register layout above is written for this tile.
const _: () = assert!(MR == 4 && NR == 8);

/// One `MR x NR` tile of C; see `micro_scalar::kernel` for the exact contract, which
/// this function meets bit for bit.
///
/// # Panics
/// When `a` holds fewer than `kc * MR` floats, `b` fewer than `kc * NR`, or `c` fewer
/// than `(MR - 1) * ldc + NR`.
pub fn kernel(kc: usize, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, accumulate: bool) {
    assert!(a.len() >= kc * MR && b.len() >= kc * NR && c.len() >= (MR - 1) * ldc + NR);
    let zero = f32x4_splat(0.0);
    let mut acc = [[zero; 2]; MR];
    let (mut ap, mut bp) = (a.as_ptr(), b.as_ptr());
    for _ in 0..kc {
        // SAFETY: step p reads a[p*MR .. p*MR+MR] and b[p*NR .. p*NR+NR]; p < kc and the
        // assert above bounds both slices. v128_load has no alignment requirement.
        unsafe {
            let b0 = v128_load(bp as *const v128);
            let b1 = v128_load(bp.add(4) as *const v128);
            for (r, row) in acc.iter_mut().enumerate() {
                let ar = f32x4_splat(*ap.add(r));
                row[0] = f32x4_add(row[0], f32x4_mul(ar, b0));
                row[1] = f32x4_add(row[1], f32x4_mul(ar, b1));
            }
            ap = ap.add(MR);
            bp = bp.add(NR);
        }
    }
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
