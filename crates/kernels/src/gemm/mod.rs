//! Single-precision matrix multiply: `C = op(A) * op(B)` or `C += op(A) * op(B)`.
//!
//! PLACEHOLDER: a plain triple loop with the final signature, so that the other kernels
//! can be written against it while the blocked SIMD GEMM is built.

/// Floats of workspace that [`sgemm`] needs in `pack`.
pub const PACK_LEN: usize = 0;

/// The shape and operand layout of one GEMM call. All matrices are row-major and
/// contiguous: `A` is `[m, k]` (or `[k, m]` when `trans_a`), `B` is `[k, n]` (or `[n, k]`
/// when `trans_b`), `C` is `[m, n]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gemm {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: bool,
    pub trans_b: bool,
    /// `false`: `C = op(A) op(B)` and C is never read (it may hold NaN).
    /// `true`: `C += op(A) op(B)`.
    pub accumulate: bool,
}

/// Computes the product described by `g`. `pack` must hold at least [`PACK_LEN`] floats.
///
/// # Panics
/// When a slice is shorter than its shape requires.
pub fn sgemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32], pack: &mut [f32]) {
    let _ = pack;
    assert!(a.len() >= g.m * g.k && b.len() >= g.k * g.n && c.len() >= g.m * g.n);
    for i in 0..g.m {
        for j in 0..g.n {
            let mut s = 0.0f32;
            for p in 0..g.k {
                let av = if g.trans_a {
                    a[p * g.m + i]
                } else {
                    a[i * g.k + p]
                };
                let bv = if g.trans_b {
                    b[j * g.k + p]
                } else {
                    b[p * g.n + j]
                };
                s += av * bv;
            }
            let cij = &mut c[i * g.n + j];
            *cij = if g.accumulate { *cij + s } else { s };
        }
    }
}
