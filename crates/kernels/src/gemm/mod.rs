//! Single-precision matrix multiply: `C = op(A) op(B)` or `C += op(A) op(B)`.
//!
//! The GotoBLAS scheme, as in bluss/matrixmultiply: five loops around a register-blocked
//! micro-kernel. Loops 5, 4 and 3 (in [`sgemm`]) cut `n`, `k` and `m` into blocks
//! ([`blocking`]); each block of `op(B)` is packed into contiguous slivers of `NR`
//! columns (`pack.rs`); loops 2 and 1 (in `macro_kernel`) run the `MR x NR` micro-kernel
//! over every pair of an A sliver and a B sliver. Packing zero-pads B's last sliver, and a
//! tile of C that sticks out of the matrix goes through a small scratch tile.
//!
//! Unlike GotoBLAS, A is not packed. The micro-kernel vectorises along `n` (NR = two
//! f32x4 of B) and broadcasts A one scalar at a time; a broadcast load costs the same
//! from any address, so reading A in place through its strides (either layout) is as fast
//! as reading a packed copy, and skipping the copy matters most where A is used once: in
//! CNN training, the im2col forward convolution (m = 50176, k = 25, n = 6) ran twice as
//! fast, and the weight gradients with a long `k` and a tiny C (m = 25, n = 6, k = 50176,
//! `trans_a`) gained too. Only a partial last A sliver (m not a multiple of MR) is packed,
//! to zero-pad it. Vectorising along `n` wastes a quarter of the lanes when n = 6, but it
//! keeps C's stores contiguous; the other orientation would need strided stores of C.

pub mod blocking;
mod pack;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod micro_scalar;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use micro_scalar::kernel as micro_kernel;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) use micro_scalar::kernel_segments;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod micro_simd;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use micro_simd::kernel as micro_kernel;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use micro_simd::kernel_segments;

use blocking::{KC, MC, MR, NC, NR};
use pack::{pack_a, pack_b};

/// Floats of workspace that [`sgemm`] needs in `pack`: one packed partial A sliver
/// (`MR x KC`) and one packed B block (`KC x NC`): 260 KiB.
pub const PACK_LEN: usize = MR * KC + KC * NC;

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

/// One run of the shared dimension for `kernel_segments` (the micro-kernel over a
/// segmented `k`): `len` steps whose A values start at offset `a` and B rows at offset `b`.
/// Lets a convolution read A in place from an image, one segment per filter tap (or per
/// output row), instead of copying patches into a matrix first.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seg {
    pub a: usize,
    pub b: usize,
    pub len: usize,
}

/// Segments with their column strides and the extent they read, computed once so that
/// the micro-kernel checks its slices with two compares per tile rather than per segment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segments<'s> {
    pub segs: &'s [Seg],
    /// Step between A values of one segment (`p` to `p + 1`).
    pub cs: usize,
    /// Step between B rows of one segment.
    pub ldb: usize,
    /// One past the last A offset any segment reads for row 0.
    pub a_end: usize,
    /// One past the last B float any segment reads.
    pub b_end: usize,
}

impl<'s> Segments<'s> {
    pub fn new(segs: &'s [Seg], cs: usize, ldb: usize) -> Segments<'s> {
        let (mut a_end, mut b_end) = (0, 0);
        for s in segs.iter().filter(|s| s.len > 0) {
            a_end = a_end.max(s.a + (s.len - 1) * cs + 1);
            b_end = b_end.max(s.b + (s.len - 1) * ldb + blocking::NR);
        }
        Segments {
            segs,
            cs,
            ldb,
            a_end,
            b_end,
        }
    }
}

/// A read-only view of a matrix through its strides: element `(i, j)` is
/// `data[i * rs + j * cs]`. `A` stored `[m, k]` is `(rs, cs) = (k, 1)`; stored
/// transposed (`[k, m]`) it is `(1, m)`. A packed A sliver is `(1, MR)`.
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

    /// The view whose element `(0, 0)` is this one's `(i, j)`.
    fn from(self, i: usize, j: usize) -> View<'a> {
        View {
            data: &self.data[i * self.rs + j * self.cs..],
            ..self
        }
    }
}

/// Computes the product described by `g`:
/// `C[i][j] = (accumulate ? C[i][j] : 0) + sum_p op(A)[i][p] * op(B)[p][j]`, where
/// `op(A)[i][p]` is `a[i * k + p]` (or `a[p * m + i]` when `trans_a`) and `op(B)[p][j]`
/// is `b[p * n + j]` (or `b[j * k + p]` when `trans_b`). Only `c[..m * n]` is written.
/// `pack` is scratch space of at least [`PACK_LEN`] floats; its contents do not matter.
///
/// # Panics
/// When `a`, `b` or `c` is shorter than its shape requires, or `pack` than [`PACK_LEN`].
pub fn sgemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32], pack: &mut [f32]) {
    let (m, n, k) = (g.m, g.n, g.k);
    check_len("a", a.len(), m, k);
    check_len("b", b.len(), k, n);
    check_len("c", c.len(), m, n);
    check_len("pack", pack.len(), PACK_LEN, 1);
    let c = &mut c[..m * n];
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // An empty sum: C is zero, or unchanged when accumulating.
        if !g.accumulate {
            c.fill(0.0);
        }
        return;
    }
    let a = match g.trans_a {
        false => View {
            data: a,
            rs: k,
            cs: 1,
        },
        true => View {
            data: a,
            rs: 1,
            cs: m,
        },
    };
    let b = match g.trans_b {
        false => View {
            data: b,
            rs: n,
            cs: 1,
        },
        true => View {
            data: b,
            rs: 1,
            cs: k,
        },
    };
    let (a_pack, b_pack) = pack.split_at_mut(MR * KC);

    // Loop 5: columns of C, NC at a time.
    for j0 in (0..n).step_by(NC) {
        let nc = NC.min(n - j0);
        // Loop 4: the shared dimension, KC at a time. Every block after the first adds
        // to what the earlier ones wrote.
        for p0 in (0..k).step_by(KC) {
            let kc = KC.min(k - p0);
            let accumulate = g.accumulate || p0 > 0;
            pack_b(b, p0, kc, j0, nc, b_pack);
            // Loop 3: rows of C, MC at a time.
            for i0 in (0..m).step_by(MC) {
                let mc = MC.min(m - i0);
                let c_block = &mut c[i0 * n + j0..];
                let block = |rows| Block {
                    mc: rows,
                    nc,
                    kc,
                    accumulate,
                };
                // Whole A slivers are read in place; a partial last one is packed, which
                // zero-pads it to MR rows.
                let whole = mc - mc % MR;
                macro_kernel(&block(whole), a.from(i0, p0), MR * a.rs, b_pack, c_block, n);
                if whole < mc {
                    pack_a(a, i0 + whole, mc - whole, p0, kc, a_pack);
                    let packed = View {
                        data: a_pack,
                        rs: 1,
                        cs: MR,
                    };
                    let c_rest = &mut c_block[whole * n..];
                    macro_kernel(&block(mc - whole), packed, MR * kc, b_pack, c_rest, n);
                }
            }
        }
    }
}

/// Panics unless a slice of `len` floats holds a `rows x cols` matrix.
fn check_len(name: &str, len: usize, rows: usize, cols: usize) {
    let need = rows
        .checked_mul(cols)
        .expect("sgemm: matrix size overflows usize");
    assert!(
        len >= need,
        "sgemm: {} holds {} floats, needs {}",
        name,
        len,
        need
    );
}

/// The extent of one block product.
struct Block {
    mc: usize,
    nc: usize,
    kc: usize,
    accumulate: bool,
}

/// `C[0..mc][0..nc] (+)= A_block * B_packed`. A sliver `s` of the A block is the view
/// `a` moved `s * a_step` floats on (in place or packed, see [`sgemm`]); `c` starts at
/// the block's first element and `ldc` is C's row stride.
fn macro_kernel(t: &Block, a: View, a_step: usize, b_pack: &[f32], c: &mut [f32], ldc: usize) {
    // Edge tiles are computed here first. Made once per block: zeroing a fresh array
    // per tile is a memset call, and with n = 6 (LeNet's first layer) every tile is one.
    let mut scratch = [0.0f32; MR * NR];
    // Loop 2: columns of the block, one B sliver (NR columns) at a time.
    let b_slivers = b_pack.chunks_exact(t.kc * NR).take((t.nc + NR - 1) / NR);
    for (jr, b_sliver) in b_slivers.enumerate() {
        let j = jr * NR;
        let cols = NR.min(t.nc - j);
        // Loop 1: rows of the block, one A sliver (MR rows) at a time.
        for i in (0..t.mc).step_by(MR) {
            let a_sliver = View {
                data: &a.data[i / MR * a_step..],
                ..a
            };
            let rows = MR.min(t.mc - i);
            let c_tile = &mut c[i * ldc + j..];
            if rows == MR && cols == NR {
                micro_kernel(t.kc, a_sliver, b_sliver, c_tile, ldc, t.accumulate);
            } else {
                edge_tile(t, a_sliver, b_sliver, c_tile, ldc, rows, cols, &mut scratch);
            }
        }
    }
}

/// A tile that sticks out of C: computed whole into `scratch` (overwritten, never read
/// first), then only its valid `rows x cols` corner is written (or added) to C.
#[allow(clippy::too_many_arguments)]
fn edge_tile(
    t: &Block,
    a: View,
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    rows: usize,
    cols: usize,
    scratch: &mut [f32; MR * NR],
) {
    micro_kernel(t.kc, a, b, scratch, NR, false);
    for (r, src) in scratch.chunks_exact(NR).take(rows).enumerate() {
        let dst = &mut c[r * ldc..r * ldc + cols];
        // Indexed over the whole NR so that it unrolls rather than becoming a memcpy call.
        for (j, &x) in src.iter().enumerate() {
            if j < cols {
                dst[j] = if t.accumulate { dst[j] + x } else { x };
            }
        }
    }
}
