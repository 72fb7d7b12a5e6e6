//! Packing: copying blocks of `op(B)` (and the partial last sliver of `op(A)`, see
//! `mod.rs`) into the order the micro-kernel reads.
//!
//! A packed A block is a run of *slivers*, each [`MR`] rows of `op(A)` by `kc` columns,
//! stored column by column: element `(r, p)` of a sliver sits at `p * MR + r`. A packed
//! B block is a run of slivers of `kc` rows by [`NR`] columns of `op(B)`, row by row:
//! element `(p, c)` at `p * NR + c`. So at every step `p` the micro-kernel reads `MR`
//! consecutive A values and `NR` consecutive B values.
//!
//! Rows (columns) past the edge of the matrix are packed as zeros, which lets every
//! sliver run through the full-size micro-kernel; the driver keeps only the valid part
//! of the result. Transposes are handled by reading through a [`View`]'s strides.

use super::blocking::{MR, NR};
use super::View;

/// Packs rows `i0 .. i0 + mc` by columns `p0 .. p0 + kc` of `a` (the `m x k` matrix
/// `op(A)`) into `out` as `ceil(mc / MR)` slivers of `MR * kc` floats.
pub(crate) fn pack_a(a: View, i0: usize, mc: usize, p0: usize, kc: usize, out: &mut [f32]) {
    let slivers = (mc + MR - 1) / MR;
    for (s, sliver) in out.chunks_exact_mut(MR * kc).take(slivers).enumerate() {
        let rows = MR.min(mc - s * MR);
        pack_sliver::<MR>(a, i0 + s * MR, rows, p0, kc, sliver);
    }
}

/// Packs rows `p0 .. p0 + kc` by columns `j0 .. j0 + nc` of `b` (the `k x n` matrix
/// `op(B)`) into `out` as `ceil(nc / NR)` slivers of `kc * NR` floats.
pub(crate) fn pack_b(b: View, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]) {
    let slivers = (nc + NR - 1) / NR;
    // Viewed transposed, a B sliver is laid out exactly like an A sliver.
    let bt = b.t();
    for (s, sliver) in out.chunks_exact_mut(NR * kc).take(slivers).enumerate() {
        let cols = NR.min(nc - s * NR);
        pack_sliver::<NR>(bt, j0 + s * NR, cols, p0, kc, sliver);
    }
}

/// Writes `out[p * W + x] = v(x0 + x, p0 + p)` for `x < count`, `p < kc`, and zero for
/// `count <= x < W`.
fn pack_sliver<const W: usize>(
    v: View,
    x0: usize,
    count: usize,
    p0: usize,
    kc: usize,
    out: &mut [f32],
) {
    // Runs of variable length are written element by element below: as slice copies or
    // fills they become calls to memcpy/memset, which cost more than the few floats moved.
    let out = &mut out[..W * kc];
    let base = x0 * v.rs + p0 * v.cs;
    if v.rs == 1 {
        // Each step p is `count` contiguous source floats (A stored transposed, B not):
        // copy them as a run and zero the padding.
        for (p, dst) in out.chunks_exact_mut(W).enumerate() {
            let start = base + p * v.cs;
            if count == W {
                dst.copy_from_slice(&v.data[start..start + W]);
            } else {
                let src = &v.data[start..start + count];
                for (x, d) in dst.iter_mut().enumerate() {
                    *d = src.get(x).copied().unwrap_or(0.0);
                }
            }
        }
    } else {
        // Each source line x runs along p (contiguous when v.cs == 1): read it in order
        // and scatter it into lane x of the sliver, which is small enough to stay in L1.
        for x in 0..count {
            let line = v.data[base + x * v.rs..].iter().step_by(v.cs);
            for (dst, &value) in out.chunks_exact_mut(W).zip(line) {
                dst[x] = value;
            }
        }
        if count < W {
            for dst in out.chunks_exact_mut(W) {
                for d in &mut dst[count..] {
                    *d = 0.0;
                }
            }
        }
    }
}
