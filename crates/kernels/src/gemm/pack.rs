//! Packing: copying blocks of `op(A)` and `op(B)` into the order the micro-kernel reads.
//!
//! A packed A block is a run of *slivers*, each [`MR`] rows of `op(A)` by `kc` columns,
//! stored column by column: element `(r, p)` of a sliver sits at `p * MR + r`. A packed
//! B block is a run of slivers of `kc` rows by [`NR`] columns of `op(B)`, row by row:
//! element `(p, c)` at `p * NR + c`. So at every step `p` the micro-kernel reads `MR`
//! consecutive A values and `NR` consecutive B values.
//!
//! Rows (columns) past the edge of the matrix are packed as zeros, which lets every
//! sliver run through the full-size micro-kernel; the driver keeps only the valid part
//! of the result. The transposes live only here: the view below reads either layout.

use super::blocking::{MR, NR};

/// A read-only view of a row-major operand through its strides: element `(i, j)` of the
/// viewed matrix is `data[i * rs + j * cs]`. `A` stored `[m, k]` is `(rs, cs) = (k, 1)`;
/// stored transposed (`[k, m]`) it is `(1, m)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

impl<'a> View<'a> {
    /// The same matrix, transposed (no copy).
    pub fn t(self) -> View<'a> {
        View {
            data: self.data,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

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
    let out = &mut out[..W * kc];
    let base = x0 * v.rs + p0 * v.cs;
    if v.rs == 1 && count == W {
        // Each step p is W contiguous source floats: copy them whole.
        for (p, dst) in out.chunks_exact_mut(W).enumerate() {
            let start = base + p * v.cs;
            dst.copy_from_slice(&v.data[start..start + W]);
        }
        return;
    }
    // Otherwise walk each source line along p (contiguous when v.cs == 1) and scatter it
    // into its lane of the sliver, which is small enough to stay in L1.
    for x in 0..count {
        let line = base + x * v.rs;
        for (p, dst) in out.chunks_exact_mut(W).enumerate() {
            dst[x] = v.data[line + p * v.cs];
        }
    }
    if count < W {
        for dst in out.chunks_exact_mut(W) {
            dst[count..].fill(0.0);
        }
    }
}
