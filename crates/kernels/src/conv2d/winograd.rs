//! Winograd F(2x2, 3x3): 3x3 stride-1 convolutions with 2.25 times fewer multiplications.
//!
//! Cut the output into 2x2 tiles; tile `(th, tw)` reads the 4x4 input window whose corner is
//! `(2*th - pad_top, 2*tw - pad_left)` (zero outside the image). With the transforms of
//! Lavin and Gray (2015),
//!
//! ```text
//!       | 1  0 -1  0 |         | 1    0    0  |
//! Bᵀ =  | 0  1  1  0 |    G =  | 1/2  1/2  1/2|    Aᵀ = | 1  1  1  0 |
//!       | 0 -1  1  0 |         | 1/2 -1/2  1/2|         | 0  1 -1 -1 |
//!       | 0  1  0 -1 |         | 0    0    1  |
//!
//! V[ξ, tile, ci] = (Bᵀ d B)[ξ]            d: the tile's 4x4 window of channel ci
//! U[ξ, ci, co]   = (G g Gᵀ)[ξ]            g: the 3x3 filter from ci to co
//! M[ξ, tile, co] = sum over ci of V[ξ, tile, ci] * U[ξ, ci, co]     16 GEMMs, one per ξ
//! y[tile, co]    = Aᵀ M[·, tile, co] A    the 2x2 outputs
//! ```
//!
//! The 16 GEMMs do 16 multiply-adds per tile and channel pair where the definition does
//! 36 (nine per output pixel). The transforms are additions (and halvings of the filter),
//! done four channels at a time. The gradients are the same steps transposed:
//!
//! ```text
//! input gradient   the forward pass over dy padded by 2 - pad with the filter flipped and
//!                  its channels swapped (as `implicit.rs` does): nothing is scattered
//! filter gradient  dM[ξ, tile, co] = (A dy Aᵀ)[ξ];  dU[ξ] = V[ξ]ᵀ · dM[ξ] summed over tiles;
//!                  dw = Gᵀ dU G
//! ```
//!
//! Tiles are numbered over the batch (image, tile row, tile column) and processed in blocks
//! of `Geom::block` tiles, so the transformed block (`V` and `M`, about `BLOCK_FLOATS`)
//! stays in L2 between its transform, its GEMMs and the output transform. The transformed
//! filter is packed once per call into the GEMM's `NR`-column slivers, in `pack` when it
//! fits there (up to 64 x 64 channels), else in scratch after the block (up to
//! `MAX_FILTER` floats); the filter gradient accumulates `dU` in the same place.
//!
//! Rounding differs from the direct sum (the transforms add up to four inputs before
//! multiplying): within a few float epsilons times the magnitude of the terms, which the
//! kernel tests bound against the double-checked reference like every other method.

use super::lanes::F4;
use super::{Conv2dDims, SCRATCH_BUDGET};
use crate::gemm::blocking::{MR, NR};
use crate::gemm::{kernel_segments, Seg, Segments, PACK_LEN};

/// Points of a transformed tile (4x4): the number of GEMMs.
const POINTS: usize = 16;

/// Floats a block of transformed tiles aims for (`V` and `M` together, 256 KiB).
const BLOCK_FLOATS: usize = 1 << 16;

/// Floats between consecutive planes (points) of a transformed block beyond the block's
/// own rows: one cache line. Without it the 16 planes of a block (8 KiB each for ResNet-20's
/// layers) map to the same L1 set and every tile's 16 stores evict one another.
const PLANE_SKEW: usize = 16;

/// Floats from one plane of a transformed block (`block` rows of `width`) to the next.
fn plane(block: usize, width: usize) -> usize {
    block * width + PLANE_SKEW
}

/// Fewest tiles per block: wide layers (128 channels and more) would otherwise get blocks
/// too short to reuse each sliver of the transformed filter.
const MIN_BLOCK: usize = 16;

/// Most floats of a transformed filter (half the conv scratch budget: 128 x 256 channels).
/// One that fits the GEMM's pack workspace (up to 64 x 64 channels) lives there, a larger
/// one after the block in scratch.
const MAX_FILTER: usize = SCRATCH_BUDGET / 2;

/// Fewest input and output channels for which [`Conv2dDims::new`] picks the Winograd path:
/// below a GEMM tile's width the transforms cost more than the multiplications saved.
pub const MIN_CHANNELS: usize = 8;

/// One Winograd pass: the source it transforms and the output it writes.
#[derive(Clone, Copy, Debug)]
struct Geom {
    batch: usize,
    /// One source image: `[src_h, src_w, c_in]` (`x`, or `dy` for the input gradient).
    src_h: usize,
    src_w: usize,
    c_in: usize,
    /// Zeros above and left of the image that the first tile's window starts in.
    pad_top: usize,
    pad_left: usize,
    /// One output image: `[out_h, out_w, c_out]`.
    out_h: usize,
    out_w: usize,
    c_out: usize,
    tiles_h: usize,
    tiles_w: usize,
    /// Tiles per block, a multiple of `MR`.
    block: usize,
}

impl Geom {
    fn new(
        batch: usize,
        src: (usize, usize, usize),
        pad: (usize, usize),
        out: (usize, usize, usize),
    ) -> Geom {
        let (tiles_h, tiles_w) = ((out.0 + 1) / 2, (out.1 + 1) / 2);
        let per_tile = POINTS * (src.2 + round_up(out.2, NR));
        let all = round_up(batch * tiles_h * tiles_w, MR);
        let block = (BLOCK_FLOATS / per_tile / MR * MR).max(MIN_BLOCK).min(all);
        Geom {
            batch,
            src_h: src.0,
            src_w: src.1,
            c_in: src.2,
            pad_top: pad.0,
            pad_left: pad.1,
            out_h: out.0,
            out_w: out.1,
            c_out: out.2,
            tiles_h,
            tiles_w,
            block,
        }
    }

    /// The forward pass (and the filter gradient) reads `x` and writes `y`.
    fn forward(d: &Conv2dDims) -> Geom {
        Geom::new(
            d.batch,
            (d.in_h, d.in_w, d.in_c),
            (d.pad_top, d.pad_left),
            (d.out_h, d.out_w, d.out_c),
        )
    }

    /// The input gradient is a forward pass over `dy` padded by `2 - pad`, writing `dx`.
    fn backward_input(d: &Conv2dDims) -> Geom {
        Geom::new(
            d.batch,
            (d.out_h, d.out_w, d.out_c),
            (2 - d.pad_top, 2 - d.pad_left),
            (d.in_h, d.in_w, d.in_c),
        )
    }

    /// Row stride of `M` (and `dM`, `U`, `dU`): `c_out` rounded up to whole GEMM slivers.
    fn ldm(&self) -> usize {
        round_up(self.c_out, NR)
    }

    fn tiles(&self) -> usize {
        self.batch * self.tiles_h * self.tiles_w
    }

    /// Floats of one block of `V` and one of `M`.
    fn work_len(&self) -> usize {
        POINTS * (plane(self.block, self.c_in) + plane(self.block, self.ldm()))
    }

    /// Floats of scratch: the block and, when it does not fit the pack workspace, the
    /// transformed filter.
    fn scratch_len(&self) -> usize {
        let filter = self.filter_len();
        self.work_len() + if filter <= PACK_LEN { 0 } else { filter }
    }

    /// The transformed filter (or `dU`) and the block's workspace: the filter in `pack`
    /// when it fits there, else after the workspace in `scratch`.
    fn split<'a>(
        &self,
        scratch: &'a mut [f32],
        pack: &'a mut [f32],
    ) -> (&'a mut [f32], &'a mut [f32]) {
        let (filter, work) = (self.filter_len(), self.work_len());
        if filter <= PACK_LEN {
            (&mut pack[..filter], &mut scratch[..work])
        } else {
            let (work_part, rest) = scratch.split_at_mut(work);
            (&mut rest[..filter], work_part)
        }
    }

    /// Floats of the packed transformed filter (or of `dU`).
    fn filter_len(&self) -> usize {
        POINTS * self.c_in * self.ldm()
    }

    /// Image, row and column of the top-left output of tile `t`.
    fn tile(&self, t: usize) -> (usize, usize, usize) {
        let per_image = self.tiles_h * self.tiles_w;
        let (n, r) = (t / per_image, t % per_image);
        (n, 2 * (r / self.tiles_w), 2 * (r % self.tiles_w))
    }
}

fn round_up(n: usize, m: usize) -> usize {
    (n + m - 1) / m * m
}

/// True when the Winograd path computes `d`: a 3x3 stride-1 undilated kernel, channel
/// counts that are multiples of 4 (the transforms' vectors) and at least `MIN_CHANNELS`,
/// and transformed filters of at most `MAX_FILTER` floats both ways.
pub(super) fn fits(d: &Conv2dDims) -> bool {
    let shape = d.k_h == 3
        && d.k_w == 3
        && d.stride_h == 1
        && d.stride_w == 1
        && !d.is_dilated()
        && d.pad_top <= 2
        && d.pad_left <= 2;
    let channels = |c: usize| c % 4 == 0 && c >= MIN_CHANNELS;
    shape
        && channels(d.in_c)
        && channels(d.out_c)
        && Geom::forward(d).filter_len() <= MAX_FILTER
        && Geom::backward_input(d).filter_len() <= MAX_FILTER
}

/// Floats of scratch the three passes need.
pub(super) fn scratch_len(d: &Conv2dDims) -> usize {
    Geom::forward(d)
        .scratch_len()
        .max(Geom::backward_input(d).scratch_len())
}

/// Forward pass: `y = conv(x, w) + bias`; `y` is overwritten.
pub(super) fn forward(
    d: &Conv2dDims,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let g = Geom::forward(d);
    let (ic, oc) = (d.in_c, d.out_c);
    let (u, work) = g.split(scratch, pack);
    pack_filter(&g, |tap, i, o| F4::load(&w[(tap * ic + i) * oc + o..]), u);
    run(&g, x, u, bias, y, work);
}

/// Input gradient: the forward pass over `dy` with the filter flipped and its channels
/// swapped (`w'[tap, co, ci] = w[8 - tap, ci, co]`); `dx` is overwritten.
pub(super) fn backward_input(
    d: &Conv2dDims,
    dy: &[f32],
    w: &[f32],
    dx: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let g = Geom::backward_input(d);
    let (ic, oc) = (d.in_c, d.out_c);
    let at = |tap: usize, i: usize, o: usize| w[((8 - tap) * ic + o) * oc + i];
    let (u, work) = g.split(scratch, pack);
    pack_filter(
        &g,
        |tap, i, o| F4::new(core::array::from_fn(|l| at(tap, i, o + l))),
        u,
    );
    run(&g, dy, u, None, dx, work);
}

/// Filter gradient: `dU = sum over tiles of V ⊗ dM`, then `dw = Gᵀ dU G`; `dw` is
/// overwritten. `dU` lives where the forward pass keeps the transformed filter.
pub(super) fn backward_filter(
    d: &Conv2dDims,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let g = Geom::forward(d);
    let (ci_n, ldm, block) = (g.c_in, g.ldm(), g.block);
    let (du, work) = g.split(scratch, pack);
    du.fill(0.0);
    let (pv, pm) = (plane(block, ci_n), plane(block, ldm));
    let (v, dm) = work.split_at_mut(POINTS * pv);
    let slivers = ldm / NR;
    for t0 in (0..g.tiles()).step_by(block) {
        let count = block.min(g.tiles() - t0);
        let rows = round_up(count, MR);
        transform_input(&g, x, t0, count, v);
        transform_output_grad(&g, dy, t0, count, dm);
        for xi in 0..POINTS {
            let v_plane = &v[xi * pv..xi * pv + block * ci_n];
            let dm_plane = &dm[xi * pm..xi * pm + block * ldm];
            let du_plane = &mut du[xi * ci_n * ldm..(xi + 1) * ci_n * ldm];
            for s in 0..slivers {
                // dU[ci, co] += sum over the block's tiles of V[tile, ci] * dM[tile, co]:
                // A is Vᵀ (rows ci, one tile per step), B is dM read in place.
                let seg = [Seg {
                    a: 0,
                    b: s * NR,
                    len: rows,
                }];
                let sg = Segments::new(&seg, ci_n, ldm);
                for ci in (0..ci_n).step_by(MR) {
                    let c = &mut du_plane[ci * ldm + s * NR..];
                    kernel_segments(&sg, &v_plane[ci..], 1, dm_plane, c, ldm, true);
                }
            }
        }
    }
    // dw[kh, kw, ci, co] = (Gᵀ dU[·, ci, co] G)[kh, kw], four filters at a time.
    let (oc, half) = (d.out_c, F4::splat(0.5));
    // Gᵀ applied to a length-4 vector.
    let gt = |a: F4, b: F4, c: F4, d: F4| {
        let (sum, diff) = (half.mul(b.add(c)), half.mul(b.sub(c)));
        [a.add(sum), diff, sum.add(d)]
    };
    for ci in 0..ci_n {
        for co in (0..oc).step_by(4) {
            let u: [F4; POINTS] =
                core::array::from_fn(|xi| F4::load(&du[(xi * ci_n + ci) * ldm + co..]));
            let rows: [[F4; 3]; 4] =
                core::array::from_fn(|r| gt(u[r * 4], u[r * 4 + 1], u[r * 4 + 2], u[r * 4 + 3]));
            for kw in 0..3 {
                let col = gt(rows[0][kw], rows[1][kw], rows[2][kw], rows[3][kw]);
                for (kh, value) in col.iter().enumerate() {
                    value.store(&mut dw[((kh * 3 + kw) * ci_n + ci) * oc + co..]);
                }
            }
        }
    }
}

/// Transforms the filter into `U = G g Gᵀ` and packs it for the GEMMs: point `ξ`'s
/// `[c_in, c_out]` matrix as `NR`-column slivers (zero past `c_out`) at `ξ * c_in * ldm`.
/// `w(tap, i, o)` returns taps `tap` from source channel `i` to output channels `o .. o + 4`.
fn pack_filter(g: &Geom, w: impl Fn(usize, usize, usize) -> F4, pack: &mut [f32]) {
    let (ci_n, ldm) = (g.c_in, g.ldm());
    let pack = &mut pack[..g.filter_len()];
    let half = F4::splat(0.5);
    // G applied to a length-3 vector.
    let gv = |a: F4, b: F4, c: F4| [a, half.mul(a.add(b).add(c)), half.mul(a.sub(b).add(c)), c];
    for i in 0..ci_n {
        for o in (0..ldm).step_by(4) {
            // Sliver o / NR of point ξ holds row i's NR columns consecutively.
            let at = (o / NR) * ci_n * NR + i * NR + o % NR;
            if o >= g.c_out {
                for xi in 0..POINTS {
                    F4::zero().store(&mut pack[xi * ci_n * ldm + at..]);
                }
                continue;
            }
            let t: [F4; 9] = core::array::from_fn(|tap| w(tap, i, o));
            // G down each kernel column, then along each row of the result.
            let cols: [[F4; 4]; 3] = core::array::from_fn(|kw| gv(t[kw], t[3 + kw], t[6 + kw]));
            for r in 0..4 {
                let row = gv(cols[0][r], cols[1][r], cols[2][r]);
                for (c, value) in row.iter().enumerate() {
                    value.store(&mut pack[(r * 4 + c) * ci_n * ldm + at..]);
                }
            }
        }
    }
}

/// The whole forward pass of `g` over `src` with the filter packed in `pack`: block by
/// block, input transform, 16 GEMMs, output transform (adding `bias`).
fn run(
    g: &Geom,
    src: &[f32],
    pack: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    scratch: &mut [f32],
) {
    let (ci_n, ldm, block) = (g.c_in, g.ldm(), g.block);
    let (pv, pm) = (plane(block, ci_n), plane(block, ldm));
    let (v, m) = scratch[..g.work_len()].split_at_mut(POINTS * pv);
    let seg = [Seg {
        a: 0,
        b: 0,
        len: ci_n,
    }];
    let sg = Segments::new(&seg, 1, NR);
    for t0 in (0..g.tiles()).step_by(block) {
        let count = block.min(g.tiles() - t0);
        transform_input(g, src, t0, count, v);
        for xi in 0..POINTS {
            let v_plane = &v[xi * pv..xi * pv + block * ci_n];
            let m_plane = &mut m[xi * pm..xi * pm + block * ldm];
            let u = &pack[xi * ci_n * ldm..(xi + 1) * ci_n * ldm];
            for (s, b) in u.chunks_exact(ci_n * NR).enumerate() {
                for t in (0..count).step_by(MR) {
                    let c = &mut m_plane[t * ldm + s * NR..];
                    kernel_segments(&sg, &v_plane[t * ci_n..], ci_n, b, c, ldm, false);
                }
            }
        }
        transform_output(g, m, t0, count, bias, out);
    }
}

/// Source offsets of a tile window's `N` rows (or columns), `None` outside the image.
fn window<const N: usize>(start: usize, pad: usize, len: usize, step: usize) -> [Option<usize>; N] {
    core::array::from_fn(|i| {
        let at = (start + i).checked_sub(pad)?;
        (at < len).then(|| at * step)
    })
}

/// Reads an `N x N` window of four-channel vectors at channel `ch` of `img`: rows and
/// columns are offsets from [`window`]. A window inside the image (`inside`, checked once
/// per tile by [`inside`]) is read without per-vector checks; otherwise reads outside are 0.
#[inline(always)]
fn load_window<const N: usize>(
    img: &[f32],
    rows: &[Option<usize>; N],
    cols: &[Option<usize>; N],
    inside: bool,
    ch: usize,
) -> [[F4; N]; N] {
    core::array::from_fn(|i| {
        core::array::from_fn(|j| match (rows[i], cols[j]) {
            // SAFETY: `inside` means `inside()` checked that the last vector of the window
            // ends within `img`, and every other one starts before it.
            (Some(r), Some(c)) if inside => unsafe { F4::load_ptr(img.as_ptr().add(r + c + ch)) },
            (Some(r), Some(c)) => F4::load(&img[r + c + ch..]),
            _ => F4::zero(),
        })
    })
}

/// True when every row and column of a window is inside the image and its last
/// four-channel vector (channels up to `c`) ends within `len` floats.
fn inside<const N: usize>(
    rows: &[Option<usize>; N],
    cols: &[Option<usize>; N],
    c: usize,
    len: usize,
) -> bool {
    match (rows[N - 1], cols[N - 1]) {
        (Some(r), Some(col)) => rows[0].is_some() && cols[0].is_some() && r + col + c <= len,
        _ => false,
    }
}

/// `V = Bᵀ d B` for tiles `t0 .. t0 + count` into `v` (`[POINTS][block][c_in]`), and zero
/// rows for the tiles that round the block up to a multiple of `MR`.
fn transform_input(g: &Geom, src: &[f32], t0: usize, count: usize, v: &mut [f32]) {
    let (c, block) = (g.c_in, g.block);
    let image_len = g.src_h * g.src_w * c;
    // Every store below is at (ξ * stride + tl * c + ch) with tl < count <= block and
    // ch + 4 <= c (c is a multiple of 4): inside these POINTS * stride floats.
    let stride = plane(block, c);
    assert!(count <= block && c % 4 == 0);
    let v = &mut v[..POINTS * stride];
    let out = v.as_mut_ptr();
    for tl in 0..count {
        let (n, oh, ow) = g.tile(t0 + tl);
        let img = &src[n * image_len..(n + 1) * image_len];
        let rows = window::<4>(oh, g.pad_top, g.src_h, g.src_w * c);
        let cols = window::<4>(ow, g.pad_left, g.src_w, c);
        let whole = inside(&rows, &cols, c, img.len());
        for ch in (0..c).step_by(4) {
            let d = load_window(img, &rows, &cols, whole, ch);
            // Bᵀ along the columns of each row, then along the rows.
            let bt = |a: [F4; 4]| {
                [
                    a[0].sub(a[2]),
                    a[1].add(a[2]),
                    a[2].sub(a[1]),
                    a[1].sub(a[3]),
                ]
            };
            let r: [[F4; 4]; 4] = core::array::from_fn(|i| bt(d[i]));
            let by_col: [[F4; 4]; 4] =
                core::array::from_fn(|j| bt(core::array::from_fn(|i| r[i][j])));
            for (j, col) in by_col.iter().enumerate() {
                for (i, value) in col.iter().enumerate() {
                    // SAFETY: in bounds, as asserted above.
                    unsafe { value.store_ptr(out.add((i * 4 + j) * stride + tl * c + ch)) };
                }
            }
        }
    }
    zero_rows(v, stride, c, count);
}

/// `dM = A dy Aᵀ` for tiles `t0 .. t0 + count` into `dm` (`[POINTS][block][ldm]`; zero
/// past `c_out` and for the rows that round the block up to `MR`). Outputs outside the
/// image (a tile over an odd edge) count as zero.
fn transform_output_grad(g: &Geom, dy: &[f32], t0: usize, count: usize, dm: &mut [f32]) {
    let (c, ldm, block) = (g.c_out, g.ldm(), g.block);
    let image_len = g.out_h * g.out_w * c;
    // As in transform_input: every store is inside these floats.
    let stride = plane(block, ldm);
    assert!(count <= block && c % 4 == 0);
    let dm = &mut dm[..POINTS * stride];
    let out = dm.as_mut_ptr();
    for tl in 0..count {
        let (n, oh, ow) = g.tile(t0 + tl);
        let img = &dy[n * image_len..(n + 1) * image_len];
        let rows = window::<2>(oh, 0, g.out_h, g.out_w * c);
        let cols = window::<2>(ow, 0, g.out_w, c);
        let whole = inside(&rows, &cols, c, img.len());
        for ch in (0..c).step_by(4) {
            let e = load_window(img, &rows, &cols, whole, ch);
            // A along the columns of each row, then along the rows.
            let a = |p: [F4; 2]| [p[0], p[0].add(p[1]), p[0].sub(p[1]), F4::zero().sub(p[1])];
            let r = [a(e[0]), a(e[1])];
            let by_col: [[F4; 4]; 4] = core::array::from_fn(|j| a([r[0][j], r[1][j]]));
            for (j, col) in by_col.iter().enumerate() {
                for (i, value) in col.iter().enumerate() {
                    // SAFETY: in bounds, as asserted above.
                    unsafe { value.store_ptr(out.add((i * 4 + j) * stride + tl * ldm + ch)) };
                }
            }
        }
    }
    if ldm > c {
        for xi in 0..POINTS {
            for row in dm[xi * stride..xi * stride + count * ldm].chunks_exact_mut(ldm) {
                row[c..].fill(0.0);
            }
        }
    }
    zero_rows(dm, stride, ldm, count);
}

/// Zeroes rows `count .. round_up(count, MR)` of each of the `POINTS` planes (`stride`
/// floats apart, rows of `width`): the padding tiles the GEMMs read.
fn zero_rows(planes: &mut [f32], stride: usize, width: usize, count: usize) {
    let rows = round_up(count, MR);
    for xi in 0..POINTS {
        planes[xi * stride + count * width..xi * stride + rows * width].fill(0.0);
    }
}

/// `y = Aᵀ M A (+ bias)` for tiles `t0 .. t0 + count`, writing the outputs inside the image.
fn transform_output(
    g: &Geom,
    m: &[f32],
    t0: usize,
    count: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let (c, ldm, block) = (g.c_out, g.ldm(), g.block);
    let image_len = g.out_h * g.out_w * c;
    // Every load below is at (ξ * stride + tl * ldm + ch) with tl < count <= block and
    // ch + 4 <= c <= ldm: inside these POINTS * stride floats.
    let stride = plane(block, ldm);
    assert!(count <= block && c % 4 == 0);
    let m = &m[..POINTS * stride];
    let bias = bias.map(|b| &b[..c]);
    for tl in 0..count {
        let (n, oh, ow) = g.tile(t0 + tl);
        let img = &mut out[n * image_len..(n + 1) * image_len];
        let rows = window::<2>(oh, 0, g.out_h, g.out_w * c);
        let cols = window::<2>(ow, 0, g.out_w, c);
        let whole = inside(&rows, &cols, c, img.len());
        let dst = img.as_mut_ptr();
        for ch in (0..c).step_by(4) {
            // SAFETY: in bounds, as asserted above.
            let p: [F4; POINTS] = core::array::from_fn(|xi| unsafe {
                F4::load_ptr(m.as_ptr().add(xi * stride + tl * ldm + ch))
            });
            // Aᵀ along the rows of each column, then along the columns.
            let at = |a: F4, b: F4, c: F4, d: F4| [a.add(b).add(c), b.sub(c).sub(d)];
            let cols4: [[F4; 2]; 4] =
                core::array::from_fn(|j| at(p[j], p[4 + j], p[8 + j], p[12 + j]));
            let b = bias.map(|b| F4::load(&b[ch..]));
            for i in 0..2 {
                let y = at(cols4[0][i], cols4[1][i], cols4[2][i], cols4[3][i]);
                for (j, value) in y.iter().enumerate() {
                    let value = b.map_or(*value, |b| value.add(b));
                    match (rows[i], cols[j]) {
                        // SAFETY: `whole`: the tile's last vector ends inside the image.
                        (Some(r), Some(col)) if whole => unsafe {
                            value.store_ptr(dst.add(r + col + ch))
                        },
                        (Some(r), Some(col)) => value.store(&mut img[r + col + ch..]),
                        _ => {}
                    }
                }
            }
        }
    }
}
