//! Single-precision matrix multiply: `C = op(A) op(B)` or `C += op(A) op(B)`.
//!
//! The GotoBLAS scheme, as in bluss/matrixmultiply: five loops around a register-blocked
//! micro-kernel. Loops 5, 4 and 3 (here in [`sgemm`]) cut `n`, `k` and `m` into blocks
//! ([`blocking`]) and pack each block of `op(B)` and `op(A)` into contiguous slivers
//! ([`pack`]); loops 2 and 1 (in [`macro_kernel`]) run the `MR x NR` micro-kernel over
//! every pair of slivers. Packing zero-pads the edges, so the micro-kernel always works
//! on whole tiles and a partial tile of C goes through a small scratch tile.
//!
//! Shapes from CNN training (im2col convolutions, dense layers) are served by the same
//! path rather than special cases: a tall, thin forward conv (m = 50176, k = 25, n = 6)
//! runs one B sliver against every A sliver with no repacking of B, and a weight
//! gradient with a long shared dimension (m = 25, n = 6, k = 50176) is a run of
//! `k / KC` rank-KC updates of one small C. Vectorising along `n` (the tile's NR
//! columns) rather than `m` keeps C's row-major stores contiguous; it costs a quarter of
//! the lanes when n = 6, which measured cheaper than transposed, strided stores of C.

pub mod blocking;
mod pack;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod micro_scalar;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use micro_scalar::kernel as micro_kernel;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod micro_simd;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use micro_simd::kernel as micro_kernel;

use blocking::{KC, MC, MR, NC, NR};
use pack::{pack_a, pack_b, View};

/// Floats of workspace that [`sgemm`] needs in `pack`: one packed A block (`MC x KC`)
/// and one packed B block (`KC x NC`).
pub const PACK_LEN: usize = MC * KC + KC * NC;

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
    let need = |x: usize, y: usize| {
        x.checked_mul(y)
            .expect("sgemm: matrix size overflows usize")
    };
    assert!(
        a.len() >= need(m, k),
        "sgemm: a holds {} floats, needs {}",
        a.len(),
        m * k
    );
    assert!(
        b.len() >= need(k, n),
        "sgemm: b holds {} floats, needs {}",
        b.len(),
        k * n
    );
    assert!(
        c.len() >= need(m, n),
        "sgemm: c holds {} floats, needs {}",
        c.len(),
        m * n
    );
    assert!(
        pack.len() >= PACK_LEN,
        "sgemm: pack holds {} floats, needs {}",
        pack.len(),
        PACK_LEN
    );
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
    let a = if g.trans_a {
        View {
            data: a,
            rs: 1,
            cs: m,
        }
    } else {
        View {
            data: a,
            rs: k,
            cs: 1,
        }
    };
    let b = if g.trans_b {
        View {
            data: b,
            rs: 1,
            cs: k,
        }
    } else {
        View {
            data: b,
            rs: n,
            cs: 1,
        }
    };
    let (a_pack, b_pack) = pack.split_at_mut(MC * KC);

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
                pack_a(a, i0, mc, p0, kc, a_pack);
                let tile = Block {
                    mc,
                    nc,
                    kc,
                    accumulate,
                };
                macro_kernel(&tile, a_pack, b_pack, &mut c[i0 * n + j0..], n);
            }
        }
    }
}

/// The extent of one packed block product.
struct Block {
    mc: usize,
    nc: usize,
    kc: usize,
    accumulate: bool,
}

/// `C[0..mc][0..nc] (+)= A_packed * B_packed`, where `c` starts at the block's first
/// element and `ldc` is C's row stride.
fn macro_kernel(t: &Block, a_pack: &[f32], b_pack: &[f32], c: &mut [f32], ldc: usize) {
    // Loop 2: columns of the block, one B sliver (NR columns) at a time.
    for (jr, b_sliver) in b_pack
        .chunks_exact(t.kc * NR)
        .take((t.nc + NR - 1) / NR)
        .enumerate()
    {
        let j = jr * NR;
        let cols = NR.min(t.nc - j);
        // Loop 1: rows of the block, one A sliver (MR rows) at a time.
        for (ir, a_sliver) in a_pack
            .chunks_exact(t.kc * MR)
            .take((t.mc + MR - 1) / MR)
            .enumerate()
        {
            let i = ir * MR;
            let rows = MR.min(t.mc - i);
            let c_tile = &mut c[i * ldc + j..];
            if rows == MR && cols == NR {
                micro_kernel(t.kc, a_sliver, b_sliver, c_tile, ldc, t.accumulate);
            } else {
                edge_tile(t, a_sliver, b_sliver, c_tile, ldc, rows, cols);
            }
        }
    }
}

/// A tile that sticks out of C: computed whole into scratch, then only its valid
/// `rows x cols` corner is written (or added) to C.
fn edge_tile(t: &Block, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, rows: usize, cols: usize) {
    let mut scratch = [0.0f32; MR * NR];
    micro_kernel(t.kc, a, b, &mut scratch, NR, false);
    for (r, src) in scratch.chunks_exact(NR).take(rows).enumerate() {
        let dst = &mut c[r * ldc..r * ldc + cols];
        for (d, &x) in dst.iter_mut().zip(src) {
            *d = if t.accumulate { *d + x } else { x };
        }
    }
}
