//! Naive twin of `simdnet_kernels::gemm::sgemm`: the defining triple loop, in f64.

use simdnet_kernels::gemm::Gemm;

/// `op(A)[i][p]` with A stored `[m, k]`, or `[k, m]` when `trans_a`.
pub fn op_a(g: &Gemm, a: &[f32], i: usize, p: usize) -> f64 {
    f64::from(if g.trans_a {
        a[p * g.m + i]
    } else {
        a[i * g.k + p]
    })
}

/// `op(B)[p][j]` with B stored `[k, n]`, or `[n, k]` when `trans_b`.
pub fn op_b(g: &Gemm, b: &[f32], p: usize, j: usize) -> f64 {
    f64::from(if g.trans_b {
        b[j * g.k + p]
    } else {
        b[p * g.n + j]
    })
}

/// The exact-as-possible result and, per element, the sum of the magnitudes of its
/// terms (`|C_old| + sum_p |op(A)[i][p] op(B)[p][j]|`), which bounds f32 rounding error.
pub fn sgemm(g: &Gemm, a: &[f32], b: &[f32], c_old: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let mut value = vec![0.0; g.m * g.n];
    let mut magnitude = vec![0.0; g.m * g.n];
    for i in 0..g.m {
        for j in 0..g.n {
            let (mut s, mut mag) = if g.accumulate {
                let c = f64::from(c_old[i * g.n + j]);
                (c, c.abs())
            } else {
                (0.0, 0.0)
            };
            for p in 0..g.k {
                let t = op_a(g, a, i, p) * op_b(g, b, p, j);
                s += t;
                mag += t.abs();
            }
            value[i * g.n + j] = s;
            magnitude[i * g.n + j] = mag;
        }
    }
    (value, magnitude)
}
