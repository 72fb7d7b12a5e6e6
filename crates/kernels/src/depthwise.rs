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

/// Forward pass (the module doc has the formula). `y` is overwritten.
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

/// Filter gradient: `dw[kh, kw, c, m] = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c*M + m]`
/// with `(ih, iw)` the cell tap `(kh, kw)` reads (taps in the padding add nothing).
/// Overwrites `dw`.
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
    d.for_each_tap(|p, t, i| {
        let (dyp, dwt, xi) = (
            &dy[p * oc..(p + 1) * oc],
            &mut dw[t * oc..(t + 1) * oc],
            &x[i * c..(i + 1) * c],
        );
        if m == 1 {
            mul_add(dwt, xi, dyp);
        } else {
            for (ch, &xv) in xi.iter().enumerate() {
                for j in ch * m..(ch + 1) * m {
                    dwt[j] += xv * dyp[j];
                }
            }
        }
    });
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

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn mul_add_simd(_: &mut [f32], _: &[f32], _: &[f32]) -> usize {
    0
}
