//! Depthwise 2-D convolution (Keras `DepthwiseConv2D`), forward and backward, NHWC f32.
//!
//! Layouts: `x` is `[batch, in_h, in_w, channels]`, the kernel `w` is
//! `[k_h, k_w, channels, multiplier]` (Keras's), `bias` is `[channels * multiplier]`, and `y`
//! and `dy` are `[batch, out_h, out_w, channels * multiplier]`, output channel `c * M + m`
//! coming from input channel `c`. With `x` read as 0 outside the image:
//!
//! ```text
//! y[n, oh, ow, c*M + m] = bias[c*M + m]
//!     + sum over kh, kw of x[n, oh*stride_h + kh*dil_h - pad_top, ow*stride_w + kw*dil_w - pad_left, c]
//!                          * w[kh, kw, c, m]
//! ```
//!
//! The window spans `(k - 1) * dilation + 1` cells on each axis, and output size and `same`
//! padding follow Keras's rules for that span. Keras 3 accepts strides and dilation above 1
//! together for depthwise convolutions (unlike `Conv2D`), and so does this.
//!
//! Method: direct, streaming over channels. For each output pixel and each kernel tap
//! inside the image, one multiply-add runs along the whole channel vector, which NHWC and
//! Keras's kernel layout both keep contiguous: `y_pixel += x_pixel * w_tap` (for
//! multiplier 1; each input channel feeds `M` consecutive outputs otherwise). The input
//! gradient scatters `dy_pixel * w_tap` back to the tap's input pixel, and the filter
//! gradient accumulates `x_pixel * dy_pixel` into `dw_tap`, in the same loop order. No
//! scratch, no im2col: a depthwise convolution does `k_h * k_w` multiply-adds per output,
//! too few for a GEMM to pay for gathering its patches.

use crate::bias;
use crate::conv2d::{check_nonzero, element_count, DimsError};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// The validated shapes of one depthwise call, with the derived output size and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseDims {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub k_h: usize,
    pub k_w: usize,
    /// Outputs per input channel (Keras's `depth_multiplier`).
    pub multiplier: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    /// `same` padding (else `valid`).
    pub same: bool,
    pub out_h: usize,
    pub out_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

/// `(out, pad_before)` of one axis for a window of `f` taps `dil` apart (span
/// `(f - 1) * dil + 1`), Keras rules (see `conv2d::window_axis`).
pub(crate) fn dilated_axis(
    axis: &'static str,
    n: usize,
    f: usize,
    s: usize,
    dil: usize,
    same: bool,
) -> Result<(usize, usize), DimsError> {
    let span = (f - 1)
        .checked_mul(dil)
        .and_then(|v| v.checked_add(1))
        .ok_or(DimsError::Overflow)?;
    crate::conv2d::window_axis(axis, n, span, s, same)
}

/// The taps `k_lo..k_hi` of output coordinate `o` that read inside an input of length `n`,
/// for stride `s`, dilation `dil`, leading padding `pad` and `f` taps; tap `k` reads input
/// coordinate `o*s + k*dil - pad`.
pub(crate) fn inside_taps(
    o: usize,
    s: usize,
    dil: usize,
    pad: usize,
    n: usize,
    f: usize,
) -> (usize, usize) {
    let start = o * s; // in padded coordinates
                       // First k with start + k*dil >= pad.
    let lo = if start >= pad {
        0
    } else {
        (pad - start + dil - 1) / dil
    };
    // k*dil < n + pad - start, i.e. k < ceil((n + pad - start) / dil).
    let hi = if n + pad > start {
        ((n + pad - start + dil - 1) / dil).min(f)
    } else {
        0
    };
    (lo.min(hi), hi)
}

impl DepthwiseDims {
    /// Validates a depthwise configuration and derives its output size and padding.
    ///
    /// # Errors
    /// A zero size, stride or dilation, a window span larger than the input under `valid`
    /// padding, or tensors too large to address.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: usize,
        in_h: usize,
        in_w: usize,
        channels: usize,
        k_h: usize,
        k_w: usize,
        multiplier: usize,
        stride_h: usize,
        stride_w: usize,
        dilation_h: usize,
        dilation_w: usize,
        same: bool,
    ) -> Result<DepthwiseDims, DimsError> {
        check_nonzero(&[
            ("batch", batch),
            ("in_h", in_h),
            ("in_w", in_w),
            ("channels", channels),
            ("k_h", k_h),
            ("k_w", k_w),
            ("multiplier", multiplier),
            ("stride_h", stride_h),
            ("stride_w", stride_w),
            ("dilation_h", dilation_h),
            ("dilation_w", dilation_w),
        ])?;
        let (out_h, pad_top) = dilated_axis("height", in_h, k_h, stride_h, dilation_h, same)?;
        let (out_w, pad_left) = dilated_axis("width", in_w, k_w, stride_w, dilation_w, same)?;
        element_count(&[batch, in_h, in_w, channels])?;
        element_count(&[batch, out_h, out_w, channels, multiplier])?;
        element_count(&[k_h, k_w, channels, multiplier])?;
        Ok(DepthwiseDims {
            batch,
            in_h,
            in_w,
            channels,
            k_h,
            k_w,
            multiplier,
            stride_h,
            stride_w,
            dilation_h,
            dilation_w,
            same,
            out_h,
            out_w,
            pad_top,
            pad_left,
        })
    }

    /// The same layer on `batch` images. Nothing derived depends on the batch and every
    /// length only shrinks, so the dims stay valid.
    ///
    /// # Panics
    /// When `batch` is 0 or more than this batch.
    pub fn with_batch(&self, batch: usize) -> DepthwiseDims {
        assert!(
            (1..=self.batch).contains(&batch),
            "with_batch: {} images, expected 1 to {}",
            batch,
            self.batch
        );
        DepthwiseDims { batch, ..*self }
    }

    /// Output channels: `channels * multiplier`.
    pub fn out_c(&self) -> usize {
        self.channels * self.multiplier
    }

    /// Floats in `x` (and `dx`).
    pub fn input_len(&self) -> usize {
        self.batch * self.in_h * self.in_w * self.channels
    }

    /// Floats in `y` (and `dy`).
    pub fn output_len(&self) -> usize {
        self.batch * self.out_h * self.out_w * self.out_c()
    }

    /// Floats in `w` (and `dw`).
    pub fn kernel_len(&self) -> usize {
        self.k_h * self.k_w * self.out_c()
    }

    /// Calls `f(out_pixel, tap, in_pixel)` for every output pixel (flat over the batch,
    /// row-major) and every kernel tap (`kh * k_w + kw`) that reads inside the image, with
    /// the flat index of the input pixel it reads, in that loop order.
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let mut p = 0;
        for n in 0..self.batch {
            let image = n * self.in_h * self.in_w;
            for oh in 0..self.out_h {
                let (kh_lo, kh_hi) = inside_taps(
                    oh,
                    self.stride_h,
                    self.dilation_h,
                    self.pad_top,
                    self.in_h,
                    self.k_h,
                );
                for ow in 0..self.out_w {
                    let (kw_lo, kw_hi) = inside_taps(
                        ow,
                        self.stride_w,
                        self.dilation_w,
                        self.pad_left,
                        self.in_w,
                        self.k_w,
                    );
                    for kh in kh_lo..kh_hi {
                        let ih = oh * self.stride_h + kh * self.dilation_h - self.pad_top;
                        for kw in kw_lo..kw_hi {
                            let iw = ow * self.stride_w + kw * self.dilation_w - self.pad_left;
                            f(p, kh * self.k_w + kw, image + ih * self.in_w + iw);
                        }
                    }
                    p += 1;
                }
            }
        }
    }
}

/// Most kernel taps the register-blocked forward path lists per pixel (on the stack);
/// larger kernels take the tap-by-tap path.
const MAX_TAPS: usize = 64;

/// Forward pass (the module doc has the formula). `y` is overwritten.
///
/// With multiplier 1 (MobileNet's case) each output pixel is computed in one go: its
/// inside taps are listed, and blocks of 16 channels accumulate in four f32x4 registers
/// over all taps before one store (the scalar twin adds the taps in the same order, so
/// both builds agree bit for bit). Otherwise taps are applied one at a time.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn depthwise_forward(
    d: &DepthwiseDims,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
) {
    let (c, m, oc) = (d.channels, d.multiplier, d.out_c());
    let (x, w, y) = (
        &x[..d.input_len()],
        &w[..d.kernel_len()],
        &mut y[..d.output_len()],
    );
    match bias {
        Some(b) => bias::fill_rows(y, &b[..oc]),
        None => y.fill(0.0),
    }
    if m == 1 && d.k_h * d.k_w <= MAX_TAPS {
        return forward_by_pixel(d, x, w, y);
    }
    d.for_each_tap(|p, t, i| {
        let (yp, wt, xi) = (
            &mut y[p * oc..(p + 1) * oc],
            &w[t * oc..(t + 1) * oc],
            &x[i * c..(i + 1) * c],
        );
        if m == 1 {
            mul_add(yp, xi, wt);
        } else {
            for (ch, &xv) in xi.iter().enumerate() {
                for j in ch * m..(ch + 1) * m {
                    yp[j] += xv * wt[j];
                }
            }
        }
    });
}

/// [`depthwise_forward`] for multiplier 1: per output pixel, all inside taps at once.
/// The taps of a row's interior pixels (every kernel column inside the image) differ only
/// by the pixel's offset, so their list is made once per row; edge pixels list their own.
fn forward_by_pixel(d: &DepthwiseDims, x: &[f32], w: &[f32], y: &mut [f32]) {
    let c = d.channels;
    // (x offset, w offset) of each inside tap of the current pixel (or row, for the interior).
    let mut taps = [(0usize, 0usize); MAX_TAPS];
    let mut row_taps = [(0usize, 0usize); MAX_TAPS];
    let interior = interior_columns(d);
    let mut p = 0;
    for n in 0..d.batch {
        let image = n * d.in_h * d.in_w;
        for oh in 0..d.out_h {
            let (kh_lo, kh_hi) =
                inside_taps(oh, d.stride_h, d.dilation_h, d.pad_top, d.in_h, d.k_h);
            let mut row_count = 0;
            for kh in kh_lo..kh_hi {
                let ih = oh * d.stride_h + kh * d.dilation_h - d.pad_top;
                for kw in 0..d.k_w {
                    row_taps[row_count] = (
                        (image + ih * d.in_w + kw * d.dilation_w) * c,
                        (kh * d.k_w + kw) * c,
                    );
                    row_count += 1;
                }
            }
            for ow in 0..d.out_w {
                let yp = &mut y[p * c..(p + 1) * c];
                p += 1;
                if ow >= interior.0 && ow < interior.1 {
                    // Every column inside: ow * stride_w >= pad_left.
                    let base = (ow * d.stride_w - d.pad_left) * c;
                    pixel(x, w, &row_taps[..row_count], base, yp);
                    continue;
                }
                let (kw_lo, kw_hi) =
                    inside_taps(ow, d.stride_w, d.dilation_w, d.pad_left, d.in_w, d.k_w);
                let mut count = 0;
                for kh in kh_lo..kh_hi {
                    let ih = oh * d.stride_h + kh * d.dilation_h - d.pad_top;
                    for kw in kw_lo..kw_hi {
                        let iw = ow * d.stride_w + kw * d.dilation_w - d.pad_left;
                        taps[count] = ((image + ih * d.in_w + iw) * c, (kh * d.k_w + kw) * c);
                        count += 1;
                    }
                }
                pixel(x, w, &taps[..count], 0, yp);
            }
        }
    }
}

/// The output columns `lo..hi` whose every kernel column reads inside the image.
fn interior_columns(d: &DepthwiseDims) -> (usize, usize) {
    let (lo, _) = outputs_inside(0, d.stride_w, d.dilation_w, d.pad_left, d.in_w, d.out_w);
    let (_, hi) = outputs_inside(
        d.k_w - 1,
        d.stride_w,
        d.dilation_w,
        d.pad_left,
        d.in_w,
        d.out_w,
    );
    (lo, hi.max(lo))
}

/// `yp[ch] += x[base + xo + ch] * w[wo + ch]` over `taps` in order, for every channel.
fn pixel(x: &[f32], w: &[f32], taps: &[(usize, usize)], base: usize, yp: &mut [f32]) {
    let done = pixel_simd(x, w, taps, base, yp);
    for (ch, acc) in yp.iter_mut().enumerate().skip(done) {
        for &(xo, wo) in taps {
            *acc += x[base + xo + ch] * w[wo + ch];
        }
    }
}

/// Input gradient: `dx[n, ih, iw, c] = sum of dy[n, oh, ow, c*M + m] * w[kh, kw, c, m]` over
/// the outputs and taps that read `(ih, iw)`, and `m`. Overwrites `dx`.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn depthwise_backward_input(d: &DepthwiseDims, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    let (c, m, oc) = (d.channels, d.multiplier, d.out_c());
    let (dy, w, dx) = (
        &dy[..d.output_len()],
        &w[..d.kernel_len()],
        &mut dx[..d.input_len()],
    );
    dx.fill(0.0);
    if m == 1 && d.k_h * d.k_w <= MAX_TAPS {
        return backward_input_by_pixel(d, dy, w, dx);
    }
    d.for_each_tap(|p, t, i| {
        let (dyp, wt, dxi) = (
            &dy[p * oc..(p + 1) * oc],
            &w[t * oc..(t + 1) * oc],
            &mut dx[i * c..(i + 1) * c],
        );
        if m == 1 {
            mul_add(dxi, dyp, wt);
        } else {
            for (ch, g) in dxi.iter_mut().enumerate() {
                let mut s = 0.0;
                for j in ch * m..(ch + 1) * m {
                    s += dyp[j] * wt[j];
                }
                *g += s;
            }
        }
    });
}

/// The output coordinates reading input coordinate `i` through tap `k`, if any:
/// `o * s + k * dil - pad = i` with `o < out`.
fn reader(i: usize, k: usize, s: usize, dil: usize, pad: usize, out: usize) -> Option<usize> {
    let t = (i + pad).checked_sub(k * dil)?;
    let o = t / s;
    (t % s == 0 && o < out).then_some(o)
}

/// [`depthwise_backward_input`] for multiplier 1, gathered per input pixel: the output
/// pixels and taps that read it are listed, then summed as the forward pass sums
/// (`pixel_simd`), instead of scattering every product into `dx`.
fn backward_input_by_pixel(d: &DepthwiseDims, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    let c = d.channels;
    let mut taps = [(0usize, 0usize); MAX_TAPS];
    let mut row_taps = [(0usize, 0usize); MAX_TAPS];
    // With stride 1 along the width, the input columns read by every kernel column take
    // their taps from one list per row (see `forward_by_pixel`): column iw is read by
    // output ow = iw + pad_left - kw * dilation.
    let span = (d.k_w - 1) * d.dilation_w;
    let interior = if d.stride_w == 1 && d.out_w > d.pad_left {
        (span.saturating_sub(d.pad_left), d.out_w - d.pad_left)
    } else {
        (0, 0)
    };
    let mut i = 0;
    for n in 0..d.batch {
        let outputs = n * d.out_h * d.out_w;
        for ih in 0..d.in_h {
            let mut row_count = 0;
            for kh in 0..d.k_h {
                if let Some(oh) = reader(ih, kh, d.stride_h, d.dilation_h, d.pad_top, d.out_h) {
                    for kw in 0..d.k_w {
                        let back = span - kw * d.dilation_w;
                        row_taps[row_count] =
                            ((outputs + oh * d.out_w + back) * c, (kh * d.k_w + kw) * c);
                        row_count += 1;
                    }
                }
            }
            for iw in 0..d.in_w {
                let dxp = &mut dx[i * c..(i + 1) * c];
                i += 1;
                if iw >= interior.0 && iw < interior.1 {
                    let base = (iw + d.pad_left - span) * c;
                    pixel(dy, w, &row_taps[..row_count], base, dxp);
                    continue;
                }
                let mut count = 0;
                for kh in 0..d.k_h {
                    let oh = match reader(ih, kh, d.stride_h, d.dilation_h, d.pad_top, d.out_h) {
                        Some(oh) => oh,
                        None => continue,
                    };
                    for kw in 0..d.k_w {
                        if let Some(ow) =
                            reader(iw, kw, d.stride_w, d.dilation_w, d.pad_left, d.out_w)
                        {
                            taps[count] =
                                ((outputs + oh * d.out_w + ow) * c, (kh * d.k_w + kw) * c);
                            count += 1;
                        }
                    }
                }
                pixel(dy, w, &taps[..count], 0, dxp);
            }
        }
    }
}

/// Filter gradient: `dw[kh, kw, c, m] = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c*M + m]`
/// with `(ih, iw)` the cell tap `(kh, kw)` reads (taps in the padding add nothing).
/// Overwrites `dw`.
///
/// With multiplier 1 the sums run per output row and tap: the outputs of a row whose tap
/// reads inside the image form one contiguous range, along which blocks of 16 channels
/// accumulate in four f32x4 registers before one store into `dw` (see
/// [`filter_row_tap`]); `dw` is touched once per row and tap instead of once per pixel.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn depthwise_backward_filter(d: &DepthwiseDims, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (c, m, oc) = (d.channels, d.multiplier, d.out_c());
    let (x, dy, dw) = (
        &x[..d.input_len()],
        &dy[..d.output_len()],
        &mut dw[..d.kernel_len()],
    );
    dw.fill(0.0);
    if m == 1 {
        return backward_filter_by_row(d, x, dy, dw);
    }
    d.for_each_tap(|p, t, i| {
        let (dyp, dwt, xi) = (
            &dy[p * oc..(p + 1) * oc],
            &mut dw[t * oc..(t + 1) * oc],
            &x[i * c..(i + 1) * c],
        );
        for (ch, &xv) in xi.iter().enumerate() {
            for j in ch * m..(ch + 1) * m {
                dwt[j] += xv * dyp[j];
            }
        }
    });
}

/// The outputs `o_lo..o_hi` along one axis whose tap `k` reads inside an input of length
/// `n` (input coordinate `o*s + k*dil - pad`), for `out` outputs.
fn outputs_inside(
    k: usize,
    s: usize,
    dil: usize,
    pad: usize,
    n: usize,
    out: usize,
) -> (usize, usize) {
    let off = k * dil;
    // o*s + off >= pad, i.e. o >= ceil((pad - off) / s).
    let lo = if off >= pad {
        0
    } else {
        (pad - off + s - 1) / s
    };
    // o*s + off < n + pad, i.e. o < ceil((n + pad - off) / s).
    let hi = if n + pad > off {
        ((n + pad - off + s - 1) / s).min(out)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// [`depthwise_backward_filter`] for multiplier 1, one output row and tap at a time.
fn backward_filter_by_row(d: &DepthwiseDims, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let c = d.channels;
    // The column range of each kw, the same for every row.
    let mut cols = [(0usize, 0usize); MAX_TAPS];
    let k_w = d.k_w.min(MAX_TAPS);
    for (kw, r) in cols.iter_mut().enumerate().take(k_w) {
        *r = outputs_inside(kw, d.stride_w, d.dilation_w, d.pad_left, d.in_w, d.out_w);
    }
    let in_row = d.in_w * c;
    let out_row = d.out_w * c;
    for n in 0..d.batch {
        for oh in 0..d.out_h {
            let (kh_lo, kh_hi) =
                inside_taps(oh, d.stride_h, d.dilation_h, d.pad_top, d.in_h, d.k_h);
            let dyr = &dy[(n * d.out_h + oh) * out_row..][..out_row];
            for kh in kh_lo..kh_hi {
                let ih = oh * d.stride_h + kh * d.dilation_h - d.pad_top;
                let xr = &x[(n * d.in_h + ih) * in_row..][..in_row];
                for kw in 0..d.k_w {
                    let (lo, hi) = if kw < k_w {
                        cols[kw]
                    } else {
                        outputs_inside(kw, d.stride_w, d.dilation_w, d.pad_left, d.in_w, d.out_w)
                    };
                    if lo >= hi {
                        continue;
                    }
                    let iw0 = lo * d.stride_w + kw * d.dilation_w - d.pad_left;
                    let dwt = &mut dw[(kh * d.k_w + kw) * c..][..c];
                    let span = RowTap {
                        x0: iw0 * c,
                        x_step: d.stride_w * c,
                        y0: lo * c,
                        count: hi - lo,
                    };
                    filter_row_tap(xr, dyr, span, dwt);
                }
            }
        }
    }
}

/// One tap's run along an output row: `count` outputs from `dy` offset `y0` (step one
/// pixel), reading `x` from offset `x0` in steps of `x_step` floats.
#[derive(Clone, Copy)]
struct RowTap {
    x0: usize,
    x_step: usize,
    y0: usize,
    count: usize,
}

/// `dwt[ch] += sum over the run of x[..ch] * dy[..ch]`, for every channel of `dwt`.
fn filter_row_tap(x: &[f32], dy: &[f32], r: RowTap, dwt: &mut [f32]) {
    let c = dwt.len();
    let done = filter_row_tap_simd(x, dy, r, dwt);
    for (ch, acc) in dwt.iter_mut().enumerate().skip(done) {
        let mut s = 0.0;
        for j in 0..r.count {
            s += x[r.x0 + j * r.x_step + ch] * dy[r.y0 + j * c + ch];
        }
        *acc += s;
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn filter_row_tap_simd(x: &[f32], dy: &[f32], r: RowTap, dwt: &mut [f32]) -> usize {
    let c = dwt.len();
    // The last floats either run reads, checked once for the unchecked loads below.
    assert!(r.count > 0 && r.x0 + (r.count - 1) * r.x_step + c <= x.len());
    assert!(r.y0 + r.count * c <= dy.len());
    let (xp, yp) = (x.as_ptr(), dy.as_ptr());
    // SAFETY: every load reads 4 floats at x0 + j*x_step + ch or y0 + j*c + ch with
    // j < count and ch + 4 <= c, inside the bounds asserted above; v128_load has no
    // alignment requirement.
    let ld = |p: *const f32, at: usize| unsafe { v128_load(p.add(at) as *const v128) };
    let c16 = c & !15;
    for c0 in (0..c16).step_by(16) {
        let mut a = [f32x4_splat(0.0); 4];
        let (mut xo, mut yo) = (r.x0 + c0, r.y0 + c0);
        for _ in 0..r.count {
            a[0] = f32x4_add(a[0], f32x4_mul(ld(xp, xo), ld(yp, yo)));
            a[1] = f32x4_add(a[1], f32x4_mul(ld(xp, xo + 4), ld(yp, yo + 4)));
            a[2] = f32x4_add(a[2], f32x4_mul(ld(xp, xo + 8), ld(yp, yo + 8)));
            a[3] = f32x4_add(a[3], f32x4_mul(ld(xp, xo + 12), ld(yp, yo + 12)));
            xo += r.x_step;
            yo += c;
        }
        for (k, acc) in a.iter().enumerate() {
            let v = f32x4_add(load4(&dwt[c0 + 4 * k..]), *acc);
            store4(&mut dwt[c0 + 4 * k..], v);
        }
    }
    let c4 = c & !3;
    for c0 in (c16..c4).step_by(4) {
        let mut acc = f32x4_splat(0.0);
        let (mut xo, mut yo) = (r.x0 + c0, r.y0 + c0);
        for _ in 0..r.count {
            acc = f32x4_add(acc, f32x4_mul(ld(xp, xo), ld(yp, yo)));
            xo += r.x_step;
            yo += c;
        }
        let v = f32x4_add(load4(&dwt[c0..]), acc);
        store4(&mut dwt[c0..], v);
    }
    c4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn filter_row_tap_simd(_: &[f32], _: &[f32], _: RowTap, _: &mut [f32]) -> usize {
    0
}

/// Bias gradient: `db[j] = sum over n, oh, ow of dy[n, oh, ow, j]`. Overwrites `db`.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn depthwise_backward_bias(d: &DepthwiseDims, dy: &[f32], db: &mut [f32]) {
    bias::sum_rows(&dy[..d.output_len()], &mut db[..d.out_c()]);
}

/// `acc[i] += a[i] * b[i]` (one multiply, then one add: the SIMD body rounds the same).
fn mul_add(acc: &mut [f32], a: &[f32], b: &[f32]) {
    let done = mul_add_simd(acc, a, b);
    for i in done..acc.len() {
        acc[i] += a[i] * b[i];
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn mul_add_simd(acc: &mut [f32], a: &[f32], b: &[f32]) -> usize {
    let n4 = acc.len() & !3;
    for i in (0..n4).step_by(4) {
        let v = f32x4_add(load4(&acc[i..]), f32x4_mul(load4(&a[i..]), load4(&b[i..])));
        store4(&mut acc[i..], v);
    }
    n4
}

/// The leading multiple of 4 channels of one output pixel `yp` (holding its bias):
/// `yp[ch] += x[xo + ch] * w[wo + ch]` over `taps` in order, 16 channels at a time in
/// registers. Returns the channels done.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn pixel_simd(x: &[f32], w: &[f32], taps: &[(usize, usize)], base: usize, yp: &mut [f32]) -> usize {
    let c = yp.len();
    // Every tap's whole channel vector in bounds, checked once for the unchecked loads.
    for &(xo, wo) in taps {
        assert!(base + xo + c <= x.len() && wo + c <= w.len());
    }
    let (xp, wp) = (x[base.min(x.len())..].as_ptr(), w.as_ptr());
    // SAFETY: each load reads 4 floats at xo + ch or wo + ch with ch + 4 <= c, inside
    // the bounds asserted above; v128_load has no alignment requirement.
    let ld = |p: *const f32, at: usize| unsafe { v128_load(p.add(at) as *const v128) };
    let c16 = c & !15;
    for c0 in (0..c16).step_by(16) {
        let mut a = [
            load4(&yp[c0..]),
            load4(&yp[c0 + 4..]),
            load4(&yp[c0 + 8..]),
            load4(&yp[c0 + 12..]),
        ];
        for &(xo, wo) in taps {
            let (xo, wo) = (xo + c0, wo + c0);
            a[0] = f32x4_add(a[0], f32x4_mul(ld(xp, xo), ld(wp, wo)));
            a[1] = f32x4_add(a[1], f32x4_mul(ld(xp, xo + 4), ld(wp, wo + 4)));
            a[2] = f32x4_add(a[2], f32x4_mul(ld(xp, xo + 8), ld(wp, wo + 8)));
            a[3] = f32x4_add(a[3], f32x4_mul(ld(xp, xo + 12), ld(wp, wo + 12)));
        }
        for (k, acc) in a.iter().enumerate() {
            store4(&mut yp[c0 + 4 * k..], *acc);
        }
    }
    let c4 = c & !3;
    for c0 in (c16..c4).step_by(4) {
        let mut acc = load4(&yp[c0..]);
        for &(xo, wo) in taps {
            acc = f32x4_add(acc, f32x4_mul(ld(xp, xo + c0), ld(wp, wo + c0)));
        }
        store4(&mut yp[c0..], acc);
    }
    c4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn pixel_simd(_: &[f32], _: &[f32], _: &[(usize, usize)], _: usize, _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn mul_add_simd(_: &mut [f32], _: &[f32], _: &[f32]) -> usize {
    0
}
