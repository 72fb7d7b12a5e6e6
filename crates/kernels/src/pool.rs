//! 2-D max and average pooling, forward and backward, NHWC f32 (Keras `MaxPooling2D`,
//! `AveragePooling2D`).
//!
//! Layouts: `x` and `dx` are `[batch, in_h, in_w, channels]`, `y`, `dy` and `argmax` are
//! `[batch, out_h, out_w, channels]`. Output pixel `(oh, ow)` pools the window of input rows
//! `oh*stride_h - pad_top ..` (`pool_h` of them) and columns `ow*stride_w - pad_left ..`
//! (`pool_w`), clipped to the image: padded cells take no part at all, so
//!
//! ```text
//! max:  y[n, oh, ow, c] = max over the window's real cells of x[n, ih, iw, c]
//! avg:  y[n, oh, ow, c] = (sum over the window's real cells of x[n, ih, iw, c]) / (their count)
//! ```
//!
//! Every window holds at least one real cell (see [`Pool2dDims::new`]). The loops run over
//! whole channel vectors per cell, which NHWC keeps contiguous; on wasm32 with `simd128`
//! those vectors are processed four channels at a time (see `lanes`).

use crate::conv2d::{check_nonzero, element_count, window_axis, DimsError};
use core::fmt;
use core::ops::Range;

/// The validated shapes of one pooling call, with the derived output size and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dDims {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub pool_h: usize,
    pub pool_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    /// `same` padding (else `valid`).
    pub same: bool,
    pub out_h: usize,
    pub out_w: usize,
    /// Padded rows above the image (the odd one of an odd total goes below).
    pub pad_top: usize,
    /// Padded columns left of the image (the odd one goes right).
    pub pad_left: usize,
}

impl Pool2dDims {
    /// Validates a pooling configuration and derives its output size and padding.
    ///
    /// Under `same` padding each side pads less than one window (the total is below
    /// `pool`), so every window overlaps the image.
    ///
    /// # Errors
    /// A zero size or stride, a window larger than the input under `valid` padding, or an
    /// input too large to index with `u32` arg-max values.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: usize,
        in_h: usize,
        in_w: usize,
        channels: usize,
        pool_h: usize,
        pool_w: usize,
        stride_h: usize,
        stride_w: usize,
        same: bool,
    ) -> Result<Pool2dDims, DimsError> {
        check_nonzero(&[
            ("batch", batch),
            ("in_h", in_h),
            ("in_w", in_w),
            ("channels", channels),
            ("pool_h", pool_h),
            ("pool_w", pool_w),
            ("stride_h", stride_h),
            ("stride_w", stride_w),
        ])?;
        let (out_h, pad_top) = window_axis("height", in_h, pool_h, stride_h, same)?;
        let (out_w, pad_left) = window_axis("width", in_w, pool_w, stride_w, same)?;
        let input_len = element_count(&[batch, in_h, in_w, channels])?;
        if input_len - 1 > u32::MAX as usize {
            return Err(DimsError::Overflow);
        }
        element_count(&[batch, out_h, out_w, channels])?;
        Ok(Pool2dDims {
            batch,
            in_h,
            in_w,
            channels,
            pool_h,
            pool_w,
            stride_h,
            stride_w,
            same,
            out_h,
            out_w,
            pad_top,
            pad_left,
        })
    }

    /// Floats in `x` (and `dx`).
    pub fn input_len(&self) -> usize {
        self.batch * self.in_h * self.in_w * self.channels
    }

    /// Floats in `y` (and `dy`, and u32s in `argmax`).
    pub fn output_len(&self) -> usize {
        self.batch * self.out_h * self.out_w * self.channels
    }

    /// Calls `body(out, window)` for every output pixel: `out` is the offset of its
    /// channel vector in `y`, `window` its real input cells.
    fn for_each_window(&self, mut body: impl FnMut(usize, &Window)) {
        let clip = |o: usize, s: usize, pad: usize, f: usize, n: usize| {
            let start = o * s;
            start.saturating_sub(pad)..(start + f).saturating_sub(pad).min(n)
        };
        let mut out = 0;
        for n in 0..self.batch {
            for oh in 0..self.out_h {
                for ow in 0..self.out_w {
                    let window = Window {
                        rows: clip(oh, self.stride_h, self.pad_top, self.pool_h, self.in_h),
                        cols: clip(ow, self.stride_w, self.pad_left, self.pool_w, self.in_w),
                        image_rows: n * self.in_h,
                        in_w: self.in_w,
                        channels: self.channels,
                    };
                    body(out, &window);
                    out += self.channels;
                }
            }
        }
    }
}

/// The real input cells of one pooling window.
struct Window {
    rows: Range<usize>,
    cols: Range<usize>,
    /// `n * in_h` for image `n`.
    image_rows: usize,
    in_w: usize,
    channels: usize,
}

impl Window {
    /// Number of real cells (at least 1).
    fn count(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Offsets in `x` of each cell's channel vector, row-major over the window.
    fn cells(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.clone().flat_map(move |ih| {
            let row = (self.image_rows + ih) * self.in_w;
            self.cols.clone().map(move |iw| (row + iw) * self.channels)
        })
    }
}

/// Max-pooling forward: writes `y` and, in `argmax`, the flat `x` index of each maximum
/// (the first one on ties, scanning the window row-major; a NaN wins only as the first
/// cell). Both are overwritten, never read.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn max_pool2d_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    let (x, y, argmax) = (
        &x[..d.input_len()],
        &mut y[..d.output_len()],
        &mut argmax[..d.output_len()],
    );
    let c = d.channels;
    d.for_each_window(|out, window| {
        let (best, arg) = (&mut y[out..out + c], &mut argmax[out..out + c]);
        let mut cells = window.cells();
        let first = cells.next().expect("every window holds a real cell");
        best.copy_from_slice(&x[first..first + c]);
        // In range: Pool2dDims::new checks every x index fits in u32.
        arg.iter_mut().zip(first..).for_each(|(a, i)| *a = i as u32);
        for cell in cells {
            lanes::max_update(best, arg, &x[cell..cell + c], cell);
        }
    });
}

/// An arg-max entry that points outside the input, so [`max_pool2d_backward`] refused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgmaxOutOfRange {
    /// Position of the entry in `argmax`.
    pub position: usize,
    /// Its value.
    pub index: u32,
}

impl fmt::Display for ArgmaxOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "argmax[{}] is {}, outside the input",
            self.position, self.index
        )
    }
}

/// Max-pooling backward: `dx[argmax[i]] += dy[i]` for every output element `i`, after
/// zeroing `dx` (overlapping windows sum their gradients in a cell).
///
/// # Errors
/// When an `argmax` entry is not an index of `x`; then `dx` is left untouched.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn max_pool2d_backward(
    d: &Pool2dDims,
    dy: &[f32],
    argmax: &[u32],
    dx: &mut [f32],
) -> Result<(), ArgmaxOutOfRange> {
    let (dy, argmax, dx) = (
        &dy[..d.output_len()],
        &argmax[..d.output_len()],
        &mut dx[..d.input_len()],
    );
    if let Some(position) = argmax.iter().position(|&a| a as usize >= dx.len()) {
        return Err(ArgmaxOutOfRange {
            position,
            index: argmax[position],
        });
    }
    dx.fill(0.0);
    for (&a, &g) in argmax.iter().zip(dy) {
        dx[a as usize] += g;
    }
    Ok(())
}

/// Average-pooling forward: each output is the mean of its window's real cells (padding
/// is left out of the divisor, as in Keras). `y` is overwritten, never read.
///
/// 2x2 windows at stride 2 without padding (LeNet-5's pooling) take a dedicated path that
/// reads each output's four cells directly; every other configuration walks its windows
/// cell by cell.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn avg_pool2d_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32]) {
    let (x, y) = (&x[..d.input_len()], &mut y[..d.output_len()]);
    if d.is_2x2_stride_2_valid() {
        return avg_forward_2x2(d, x, y);
    }
    let c = d.channels;
    d.for_each_window(|out, window| {
        let mean = &mut y[out..out + c];
        mean.fill(0.0);
        let share = 1.0 / window.count() as f32;
        for cell in window.cells() {
            lanes::add_scaled(mean, &x[cell..cell + c], share);
        }
    });
}

/// Average-pooling backward: each `dy` value is shared equally among its window's real
/// cells, `dx[cell] += dy[out] / count`, after zeroing `dx`.
///
/// 2x2 windows at stride 2 without padding take a dedicated path that writes each cell
/// once instead of zeroing and accumulating.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn avg_pool2d_backward(d: &Pool2dDims, dy: &[f32], dx: &mut [f32]) {
    let (dy, dx) = (&dy[..d.output_len()], &mut dx[..d.input_len()]);
    if d.is_2x2_stride_2_valid() {
        return avg_backward_2x2(d, dy, dx);
    }
    let c = d.channels;
    dx.fill(0.0);
    d.for_each_window(|out, window| {
        let share = 1.0 / window.count() as f32;
        for cell in window.cells() {
            lanes::add_scaled(&mut dx[cell..cell + c], &dy[out..out + c], share);
        }
    });
}

impl Pool2dDims {
    /// 2x2 windows at stride 2 with `valid` padding: the windows tile the image without
    /// overlap or padding, leaving out only an odd last row or column.
    fn is_2x2_stride_2_valid(&self) -> bool {
        !self.same && (self.pool_h, self.pool_w, self.stride_h, self.stride_w) == (2, 2, 2, 2)
    }
}

/// [`avg_pool2d_forward`] for 2x2 windows at stride 2, `valid`: output `(oh, ow)` reads
/// input rows `2oh, 2oh+1`, whose cells `2ow, 2ow+1` are the spans
/// `[2ow*c, 2ow*c + 2c)` of each row, and writes a quarter of their sum.
fn avg_forward_2x2(d: &Pool2dDims, x: &[f32], y: &mut [f32]) {
    let c = d.channels;
    let (row_len, out_row_len) = (d.in_w * c, d.out_w * c);
    let image_len = d.in_h * row_len;
    for (n, y_image) in y.chunks_exact_mut(d.out_h * out_row_len).enumerate() {
        let image = &x[n * image_len..(n + 1) * image_len];
        for (oh, y_row) in y_image.chunks_exact_mut(out_row_len).enumerate() {
            let top = &image[2 * oh * row_len..(2 * oh + 1) * row_len];
            let bottom = &image[(2 * oh + 1) * row_len..(2 * oh + 2) * row_len];
            for (ow, mean) in y_row.chunks_exact_mut(c).enumerate() {
                let at = 2 * ow * c;
                lanes::quarter_sum(
                    mean,
                    [
                        &top[at..at + c],
                        &top[at + c..at + 2 * c],
                        &bottom[at..at + c],
                        &bottom[at + c..at + 2 * c],
                    ],
                );
            }
        }
    }
}

/// [`avg_pool2d_backward`] for 2x2 windows at stride 2, `valid`: each window's four
/// cells get a quarter of its `dy` vector, written once (the windows do not overlap);
/// an odd last row or column, in no window, is zeroed.
fn avg_backward_2x2(d: &Pool2dDims, dy: &[f32], dx: &mut [f32]) {
    let c = d.channels;
    if d.in_h % 2 == 1 || d.in_w % 2 == 1 {
        dx.fill(0.0);
    }
    let (row_len, out_row_len) = (d.in_w * c, d.out_w * c);
    let image_len = d.in_h * row_len;
    for (n, dy_image) in dy.chunks_exact(d.out_h * out_row_len).enumerate() {
        let image = &mut dx[n * image_len..(n + 1) * image_len];
        for (oh, dy_row) in dy_image.chunks_exact(out_row_len).enumerate() {
            let rows = &mut image[2 * oh * row_len..(2 * oh + 2) * row_len];
            let (top, bottom) = rows.split_at_mut(row_len);
            for (ow, g) in dy_row.chunks_exact(c).enumerate() {
                let at = 2 * ow * c;
                let (top_left, top_right) = top[at..at + 2 * c].split_at_mut(c);
                let (bottom_left, bottom_right) = bottom[at..at + 2 * c].split_at_mut(c);
                lanes::quarter_spread(g, [top_left, top_right, bottom_left, bottom_right]);
            }
        }
    }
}

/// Channel-vector helpers: a `simd128` body on wasm32 and its scalar twin elsewhere.
mod lanes {
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    pub(super) use scalar::{add_scaled, max_update, quarter_spread, quarter_sum};
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub(super) use simd::{add_scaled, max_update, quarter_spread, quarter_sum};

    pub(super) mod scalar {
        /// Where `cell[i] > best[i]`, sets `best[i] = cell[i]` and `arg[i] = base + i`.
        pub fn max_update(best: &mut [f32], arg: &mut [u32], cell: &[f32], base: usize) {
            for (i, ((b, a), &v)) in best.iter_mut().zip(arg.iter_mut()).zip(cell).enumerate() {
                if v > *b {
                    *b = v;
                    *a = (base + i) as u32;
                }
            }
        }

        /// `dst[i] += src[i] * k`.
        pub fn add_scaled(dst: &mut [f32], src: &[f32], k: f32) {
            dst.iter_mut().zip(src).for_each(|(d, &s)| *d += s * k);
        }

        /// `dst[i] = (a[i] + b[i] + c[i] + d[i]) * 0.25` for `[a, b, c, d] = cells`.
        pub fn quarter_sum(dst: &mut [f32], cells: [&[f32]; 4]) {
            let [a, b, c, d] = cells;
            for (i, y) in dst.iter_mut().enumerate() {
                *y = ((a[i] + b[i]) + (c[i] + d[i])) * 0.25;
            }
        }

        /// `cell[i] = g[i] * 0.25` for each of the four cells.
        pub fn quarter_spread(g: &[f32], cells: [&mut [f32]; 4]) {
            let [a, b, c, d] = cells;
            for (i, &v) in g.iter().enumerate() {
                let q = v * 0.25;
                (a[i], b[i], c[i], d[i]) = (q, q, q, q);
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod simd {
        use crate::simd::{load4, load4_u32, store4, store4_u32};
        use core::arch::wasm32::*;

        /// As [`super::scalar::max_update`], four channels per step.
        pub fn max_update(best: &mut [f32], arg: &mut [u32], cell: &[f32], base: usize) {
            let n = best.len().min(arg.len()).min(cell.len());
            let full = n - n % 4;
            // Lane j of `idx` is base + i + j; indices fit in u32 (checked by Pool2dDims).
            let mut idx = u32x4(
                base as u32,
                base as u32 + 1,
                base as u32 + 2,
                base as u32 + 3,
            );
            // Exact chunks of 4 let the compiler drop the helpers' length checks.
            let best4 = best[..full].chunks_exact_mut(4);
            let arg4 = arg[..full].chunks_exact_mut(4);
            for ((b4, a4), c4) in best4.zip(arg4).zip(cell[..full].chunks_exact(4)) {
                let (v, b) = (load4(c4), load4(b4));
                let gt = f32x4_gt(v, b);
                store4(b4, v128_bitselect(v, b, gt));
                store4_u32(a4, v128_bitselect(idx, load4_u32(a4), gt));
                idx = u32x4_add(idx, u32x4_splat(4));
            }
            super::scalar::max_update(
                &mut best[full..n],
                &mut arg[full..n],
                &cell[full..n],
                base + full,
            );
        }

        /// As [`super::scalar::add_scaled`], four channels per step.
        pub fn add_scaled(dst: &mut [f32], src: &[f32], k: f32) {
            let n = dst.len().min(src.len());
            let full = n - n % 4;
            let kv = f32x4_splat(k);
            for (d4, s4) in dst[..full]
                .chunks_exact_mut(4)
                .zip(src[..full].chunks_exact(4))
            {
                store4(d4, f32x4_add(load4(d4), f32x4_mul(load4(s4), kv)));
            }
            super::scalar::add_scaled(&mut dst[full..n], &src[full..n], k);
        }

        /// Starts of the four-lane steps covering `0..n` for `n >= 4`: every multiple of
        /// 4 below `n - 3`, then `n - 4` when 4 does not divide `n`. The last step overlaps
        /// the one before it, which is harmless where each output lane is a pure function
        /// of the same input lanes, and saves a scalar tail (LeNet-5 has 6 channels).
        fn steps(n: usize) -> impl Iterator<Item = usize> {
            let last = (n % 4 != 0).then(|| n - 4);
            (0..n - 3).step_by(4).chain(last)
        }

        /// As [`super::scalar::quarter_sum`], four channels per step.
        pub fn quarter_sum(dst: &mut [f32], cells: [&[f32]; 4]) {
            let n = dst.len();
            if n < 4 {
                return super::scalar::quarter_sum(dst, cells);
            }
            let [a, b, c, d] = cells;
            let quarter = f32x4_splat(0.25);
            for i in steps(n) {
                let top = f32x4_add(load4(&a[i..]), load4(&b[i..]));
                let bottom = f32x4_add(load4(&c[i..]), load4(&d[i..]));
                store4(&mut dst[i..], f32x4_mul(f32x4_add(top, bottom), quarter));
            }
        }

        /// As [`super::scalar::quarter_spread`], four channels per step.
        pub fn quarter_spread(g: &[f32], cells: [&mut [f32]; 4]) {
            let n = g.len();
            if n < 4 {
                return super::scalar::quarter_spread(g, cells);
            }
            let [a, b, c, d] = cells;
            let quarter = f32x4_splat(0.25);
            for i in steps(n) {
                let q = f32x4_mul(load4(&g[i..]), quarter);
                store4(&mut a[i..], q);
                store4(&mut b[i..], q);
                store4(&mut c[i..], q);
                store4(&mut d[i..], q);
            }
        }
    }
}
