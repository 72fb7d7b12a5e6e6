//! 2-D convolution (Keras `Conv2D`: a cross-correlation), forward and backward, NHWC f32.
//!
//! Layouts: `x` is `[batch, in_h, in_w, in_c]`, `w` is `[k_h, k_w, in_c, out_c]`, `bias` is
//! `[out_c]`, `y` and `dy` are `[batch, out_h, out_w, out_c]`. The math, with `x` read as 0
//! outside the image:
//!
//! ```text
//! y[n, oh, ow, co] = bias[co]
//!     + sum over kh, kw, ci of x[n, oh*stride_h + kh - pad_top, ow*stride_w + kw - pad_left, ci]
//!                              * w[kh, kw, ci, co]
//! ```
//!
//! Method (im2col): number the output pixels `(n, oh, ow)` row-major as rows `r`. The patch
//! matrix `col` is `[rows, k_h*k_w*in_c]`; its row `r` holds the receptive field of pixel `r`
//! in `(kh, kw, ci)` order, which is exactly how `w` flattens to `W = [k_h*k_w*in_c, out_c]`.
//! Then, each a single GEMM:
//!
//! ```text
//! forward          y    = col · W      (y as [rows, out_c] is already NHWC)
//! backward input   dcol = dy · Wᵀ,  dx = col2im(dcol)   (each row scattered back, summed)
//! backward filter  dW   = colᵀ · dy
//! backward bias    db   = sum of the rows of dy
//! ```
//!
//! Scratch: rows are processed in chunks of [`Conv2dDims::chunk_rows`], which may end in the
//! middle of an image, so `col` for one chunk is all the scratch a call needs. A chunk holds
//! `SCRATCH_BUDGET / patch_len` rows (at least [`MIN_CHUNK_ROWS`], at most all of them), so
//! [`Conv2dDims::scratch_len`] is at most `max(SCRATCH_BUDGET, MIN_CHUNK_ROWS * patch_len)`
//! floats whatever the batch size or image size, plus (under `same` padding) one
//! zero-padded image of at most [`im2col::PADDED_IMAGE_LIMIT`] floats that the gather reads
//! from (see `im2col.rs`). A 1x1 kernel with stride 1 reads `x` as `col` directly and needs
//! no scratch. The direct path's scratch (`direct.rs`) is a few images' worth, which does
//! not grow with the batch either.
//!
//! Which method [`Conv2dDims::new`] picks ([`Method`]; measured with bench/ab.ts):
//! - 1 to [`DIRECT_MAX_IN_C`] input channels and at most [`DIRECT_MAX_OUT_C`] filters (a
//!   first layer narrower than the GEMM tile, LeNet-5's): the direct path (`direct.rs`)
//!   for the forward pass and the filter gradient; the input gradient (never needed there
//!   in a network) by im2col.
//! - A 1x1 kernel: im2col. With stride 1 that is no copy at all (`x` is its own patch
//!   matrix), so every pass is one plain GEMM per chunk; with a stride the gather is one
//!   short copy per pixel, and the plain GEMM measured faster than the implicit path's
//!   one-segment tiles.
//! - 3x3 kernels with stride 1, undilated, whose channel counts are multiples of 4 from
//!   `winograd::MIN_CHANNELS` (8) up and whose transformed filter takes at most half of
//!   [`SCRATCH_BUDGET`] (up to 128 x 256 channels; every ResNet-20 layer after the first,
//!   apart from the strided ones): Winograd F(2x2, 3x3) (`winograd.rs`), 2.25 times fewer
//!   multiplications in all three passes. Measured (bench/ab.ts --cpu --min, ResNet-20's
//!   layers at batch 64, against the implicit path): 0.47-0.63x the time with 32 and 64
//!   channels, 0.78-0.85x with 16; at batch 1, 0.66-0.84x apart from the filter gradient of
//!   the 8x8x64 layer (1.2x: 16 tiles do not pay for the filter transforms).
//! - Otherwise, undilated kernels of at most [`IMPLICIT_MAX_KERNEL`] x
//!   [`IMPLICIT_MAX_KERNEL`] whose packed filter fits the GEMM's pack workspace and whose padded image fits [`SCRATCH_BUDGET`]
//!   (every ResNet-20 3x3 layer, its 3-channel first layer included): the implicit GEMM
//!   (`implicit.rs`). It computes the same products as im2col, but the micro-kernel reads
//!   the patch rows in place from a zero-padded copy of one image, one segment of the
//!   shared dimension per kernel row (its `k_w` taps are `k_w * in_c` consecutive floats
//!   in NHWC), with the filter packed once per call and reused for every image:
//!   - forward: `y = patches · W`, an output row's pixels four at a time;
//!   - input gradient, stride 1: the forward pass of `dy` padded by `k - 1 - pad` with the
//!     filter flipped and its channels swapped, so nothing is scattered; with a stride it
//!     uses im2col (`dy · Wᵀ` then col2im);
//!   - filter gradient: `dW += patchesᵀ · dy` per band of output rows (one segment each),
//!     `dy` read in place when `out_c` is a multiple of 8.
//!
//!   Its chunks are whole images, about [`IMPLICIT_CHUNK_ROWS`] rows: what an epilogue
//!   after the GEMM reads while the rows are still in cache. Its scratch is one padded
//!   image and a partial A sliver (or the im2col scratch for a strided input gradient).
//! - Dilated kernels, larger kernels (LeNet-5's 5x5 conv2, see [`IMPLICIT_MAX_KERNEL`]),
//!   and filters too large for the pack workspace: im2col (dilated ones through the per-tap
//!   gather of `dilated.rs`). [`Conv2dDims::try_with_method`] can still ask for the
//!   implicit path for any kernel of up to [`implicit::MAX_SEGS`] rows (the tests do).

mod dilated;
mod direct;
pub mod im2col;
mod implicit;
mod lanes;
mod winograd;

use crate::bias;
use crate::depthwise::dilated_axis;
use crate::gemm::{sgemm, Gemm};
use core::fmt;

/// Floats of scratch a conv call aims to use (4 MiB): large enough that the GEMMs have
/// thousands of rows in typical layers (all of LeNet-5's with batch 64), small enough to
/// stay planned memory rather than a copy of the batch.
pub const SCRATCH_BUDGET: usize = 1 << 20;

/// Output pixels per chunk of the implicit path, rounded to whole images (at least one).
pub const IMPLICIT_CHUNK_ROWS: usize = 256;

/// Largest kernel height and width for which [`Conv2dDims::new`] picks
/// [`Method::Implicit`]. The implicit path computes every column of the padded width and
/// its stride-1 input gradient convolves `dy` padded by `k - 1`: with LeNet-5's 5x5 `valid`
/// conv2 (14x14x6 -> 10x10x16) that wasted 4 of every 14 columns and more than doubled the
/// input gradient's work, and its training step ran at about 0.75x the im2col one's speed
/// (bench/lenet.ts, 2026-12-06). 3x3 kernels (all of ResNet-20's and MobileNetV2's) gain.
pub const IMPLICIT_MAX_KERNEL: usize = 3;

/// Fewest rows per chunk, so that layers with very long patches still make useful GEMMs.
pub const MIN_CHUNK_ROWS: usize = 32;

/// Most input channels for which [`Conv2dDims::new`] picks [`Method::Direct`]. Measured
/// (bench/ab.ts, LeNet-5's conv1 at batch 64): with 1 channel im2col writes 25 floats
/// per output pixel for a 6-column GEMM, and the direct path is faster.
pub const DIRECT_MAX_IN_C: usize = 4;

/// Most filters for which [`Conv2dDims::new`] picks [`Method::Direct`]: fewer than the
/// GEMM tile's 8 columns. Measured (bench/ab.ts): with 16 filters (ResNet-20's first
/// layer, 3 channels) the implicit GEMM ran the forward pass in 0.56x and the filter
/// gradient in 0.66x the direct path's time; with LeNet-5's 6 filters the direct filter
/// gradient stayed faster (the implicit one took 1.17x).
pub const DIRECT_MAX_OUT_C: usize = 7;

/// How the forward pass and the filter gradient are computed (the module doc says when
/// each is picked). The input gradient uses im2col except under [`Method::Implicit`] with
/// stride 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Patch matrix and GEMM (the module doc).
    Im2col,
    /// Four output pixels per vector over a planar copy of each image (`direct.rs`).
    Direct,
    /// The im2col GEMMs with A read in place from a zero-padded image (`implicit.rs`);
    /// the input gradient too when the stride is 1.
    Implicit,
    /// Winograd F(2x2, 3x3) for all three passes (`winograd.rs`): 3x3 kernels, stride 1.
    Winograd,
}

/// Why a set of convolution or pooling dimensions was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimsError {
    /// A size or stride was 0; names the argument.
    Zero(&'static str),
    /// With `valid` padding, a window (`window`) is larger than the input (`input`) along
    /// `axis` ("height" or "width").
    WindowTooLarge {
        axis: &'static str,
        window: usize,
        input: usize,
    },
    /// An element count (or its size in bytes) does not fit in a `usize`.
    Overflow,
}

impl fmt::Display for DimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DimsError::Zero(name) => write!(f, "{} is 0; expected at least 1", name),
            DimsError::WindowTooLarge {
                axis,
                window,
                input,
            } => write!(
                f,
                "window {} {} is larger than the input {} {} with valid padding",
                axis, window, axis, input
            ),
            DimsError::Overflow => write!(f, "the tensor sizes overflow the address space"),
        }
    }
}

/// One spatial axis of a sliding window, Keras rules: returns `(out, pad_before)` for an
/// input of length `n`, window `f` and stride `s` (all at least 1).
///
/// `valid`: `out = floor((n - f) / s) + 1`, no padding. `same`: `out = ceil(n / s)`, total
/// padding `max((out - 1) * s + f - n, 0)`, of which `floor(total / 2)` goes before.
pub(crate) fn window_axis(
    axis: &'static str,
    n: usize,
    f: usize,
    s: usize,
    same: bool,
) -> Result<(usize, usize), DimsError> {
    if same {
        let out = n / s + usize::from(n % s != 0);
        // (out - 1) * s < n, so only adding f can overflow.
        let reach = ((out - 1) * s).checked_add(f).ok_or(DimsError::Overflow)?;
        Ok((out, reach.saturating_sub(n) / 2))
    } else if f > n {
        Err(DimsError::WindowTooLarge {
            axis,
            window: f,
            input: n,
        })
    } else {
        Ok(((n - f) / s + 1, 0))
    }
}

/// The product of `factors`, provided it and its size in bytes (as f32) fit in a `usize`.
pub(crate) fn element_count(factors: &[usize]) -> Result<usize, DimsError> {
    let n = factors
        .iter()
        .try_fold(1usize, |acc, &f| acc.checked_mul(f))
        .ok_or(DimsError::Overflow)?;
    match n.checked_mul(4) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(n),
        _ => Err(DimsError::Overflow),
    }
}

/// Rejects a zero among named sizes.
pub(crate) fn check_nonzero(named: &[(&'static str, usize)]) -> Result<(), DimsError> {
    match named.iter().find(|(_, v)| *v == 0) {
        Some((name, _)) => Err(DimsError::Zero(name)),
        None => Ok(()),
    }
}

/// The validated shapes of one conv2d call, with the derived output size and padding.
/// Only [`Conv2dDims::new`] makes one, so every length below is known not to overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dDims {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub out_c: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    /// Spacing of the kernel taps down (1: adjacent); see [`Conv2dDims::dilated`].
    pub dilation_h: usize,
    /// Spacing of the kernel taps across.
    pub dilation_w: usize,
    /// `same` padding (else `valid`).
    pub same: bool,
    pub out_h: usize,
    pub out_w: usize,
    /// Zero rows added above the image (the odd one of an odd total goes below).
    pub pad_top: usize,
    /// Zero columns added left of the image (the odd one goes right).
    pub pad_left: usize,
    chunk_rows: usize,
    method: Method,
}

impl Conv2dDims {
    /// Validates a conv2d configuration and derives its output size and padding.
    ///
    /// # Errors
    /// A zero size or stride, a kernel larger than the input under `valid` padding, or
    /// tensors (input, output, kernel, scratch) too large to address.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: usize,
        in_h: usize,
        in_w: usize,
        in_c: usize,
        k_h: usize,
        k_w: usize,
        out_c: usize,
        stride_h: usize,
        stride_w: usize,
        same: bool,
    ) -> Result<Conv2dDims, DimsError> {
        Conv2dDims::dilated(
            batch, in_h, in_w, in_c, k_h, k_w, out_c, stride_h, stride_w, 1, 1, same,
        )
    }

    /// [`Conv2dDims::new`] with kernel taps `dilation_h` rows and `dilation_w` columns
    /// apart (Keras's `dilation_rate`): tap `(kh, kw)` of output `(oh, ow)` reads input
    /// `(oh*stride_h + kh*dilation_h - pad_top, ow*stride_w + kw*dilation_w - pad_left)`,
    /// and the window spans `(k - 1) * dilation + 1` cells for the output-size rules.
    /// Dilated dims use im2col with a per-tap gather (`dilated.rs`). Keras's `Conv2D`
    /// refuses strides and dilation above 1 together; this kernel computes the definition
    /// anyway, the layer refuses it.
    ///
    /// # Errors
    /// As [`Conv2dDims::new`], and a zero dilation.
    #[allow(clippy::too_many_arguments)]
    pub fn dilated(
        batch: usize,
        in_h: usize,
        in_w: usize,
        in_c: usize,
        k_h: usize,
        k_w: usize,
        out_c: usize,
        stride_h: usize,
        stride_w: usize,
        dilation_h: usize,
        dilation_w: usize,
        same: bool,
    ) -> Result<Conv2dDims, DimsError> {
        check_nonzero(&[("dilation_h", dilation_h), ("dilation_w", dilation_w)])?;
        check_nonzero(&[
            ("batch", batch),
            ("in_h", in_h),
            ("in_w", in_w),
            ("in_c", in_c),
            ("k_h", k_h),
            ("k_w", k_w),
            ("out_c", out_c),
            ("stride_h", stride_h),
            ("stride_w", stride_w),
        ])?;
        let (out_h, pad_top) = dilated_axis("height", in_h, k_h, stride_h, dilation_h, same)?;
        let (out_w, pad_left) = dilated_axis("width", in_w, k_w, stride_w, dilation_w, same)?;
        element_count(&[batch, in_h, in_w, in_c])?;
        element_count(&[batch, out_h, out_w, out_c])?;
        element_count(&[k_h, k_w, in_c, out_c])?;
        let rows = element_count(&[batch, out_h, out_w])?;
        let mut d = Conv2dDims {
            batch,
            in_h,
            in_w,
            in_c,
            k_h,
            k_w,
            out_c,
            stride_h,
            stride_w,
            dilation_h,
            dilation_w,
            same,
            out_h,
            out_w,
            pad_top,
            pad_left,
            chunk_rows: rows,
            method: Method::Im2col,
        };
        if !d.is_pointwise() {
            d.chunk_rows = d.im2col_chunk_rows();
            let col = element_count(&[d.chunk_rows, d.patch_len()])?;
            // At most PADDED_IMAGE_LIMIT more: no overflow past the check above.
            element_count(&[col + im2col::padded_image_len(&d)])?;
            if in_c <= DIRECT_MAX_IN_C && out_c <= DIRECT_MAX_OUT_C && !d.is_dilated() {
                d = d.try_method(Method::Direct).ok_or(DimsError::Overflow)?;
            } else if let Some(winograd) = d.try_method(Method::Winograd) {
                d = winograd;
            } else if k_h <= IMPLICIT_MAX_KERNEL && k_w <= IMPLICIT_MAX_KERNEL {
                if let Some(implicit) = d.try_method(Method::Implicit) {
                    d = implicit;
                }
            }
        }
        Ok(d)
    }

    /// The same dims computed by `method`, or `None` when its scratch would overflow.
    fn try_method(mut self, method: Method) -> Option<Conv2dDims> {
        if method == Method::Direct && self.is_dilated() {
            return None; // the direct path reads adjacent taps only
        }
        if method == Method::Implicit && (self.is_dilated() || !implicit::fits(&self)) {
            return None;
        }
        if method == Method::Winograd && !winograd::fits(&self) {
            return None;
        }
        let whole_images = matches!(method, Method::Implicit | Method::Winograd);
        self.chunk_rows = if whole_images && !self.is_pointwise() {
            // Whole images, about IMPLICIT_CHUNK_ROWS rows: what an epilogue after the
            // GEMM reads while it is still in cache.
            let pixels = self.out_h * self.out_w;
            (IMPLICIT_CHUNK_ROWS / pixels).clamp(1, self.batch) * pixels
        } else {
            self.im2col_chunk_rows()
        };
        self.method = method;
        element_count(&[self.scratch_len_checked()?]).ok()?;
        Some(self)
    }

    /// The same dims computed by `method`, or `None` when `method` does not take them (see
    /// [`with_method`](Self::with_method)).
    pub fn try_with_method(self, method: Method) -> Option<Conv2dDims> {
        self.try_method(method)
    }

    /// The same dims computed by `method` (im2col works for any dims; [`Conv2dDims::new`]
    /// picks the fastest that applies). Changes [`scratch_len`](Self::scratch_len). For tests of both
    /// paths and for measuring them.
    ///
    /// # Panics
    /// When the direct path's scratch would not be addressable, for the direct path on
    /// dilated dims, or for the implicit path on dims it does not take (dilated, a 1x1
    /// kernel, more than 64 taps, filters or images too large for its buffers).
    pub fn with_method(self, method: Method) -> Conv2dDims {
        self.try_method(method)
            .expect("scratch of the chosen method is addressable")
    }

    /// Rows per im2col chunk: as many as [`SCRATCH_BUDGET`] holds (at least
    /// [`MIN_CHUNK_ROWS`], at most all); all rows for a pointwise kernel (no scratch).
    fn im2col_chunk_rows(&self) -> usize {
        if self.is_pointwise() {
            return self.rows();
        }
        let per_budget = SCRATCH_BUDGET / self.patch_len();
        per_budget.max(MIN_CHUNK_ROWS).min(self.rows())
    }

    /// The same layer on `batch` images, its method and chunks picked anew as
    /// [`Conv2dDims::dilated`] picks them (undoing [`with_method`](Self::with_method) and
    /// [`with_chunk_rows`](Self::with_chunk_rows)). Every length only shrinks, so the dims
    /// stay valid.
    ///
    /// # Panics
    /// When `batch` is 0 or more than this batch.
    pub fn with_batch(&self, batch: usize) -> Conv2dDims {
        assert!(
            (1..=self.batch).contains(&batch),
            "with_batch: {} images, expected 1 to {}",
            batch,
            self.batch
        );
        Conv2dDims::dilated(
            batch,
            self.in_h,
            self.in_w,
            self.in_c,
            self.k_h,
            self.k_w,
            self.out_c,
            self.stride_h,
            self.stride_w,
            self.dilation_h,
            self.dilation_w,
            self.same,
        )
        .expect("fewer images of valid dims are valid")
    }

    /// The method of the forward pass and the filter gradient.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The same dims processing at most `rows` output pixels per GEMM (at least 1), which
    /// changes [`scratch_len`](Self::scratch_len). For tests of chunk boundaries and for
    /// callers that want less scratch.
    ///
    /// # Panics
    /// When `rows` is 0.
    pub fn with_chunk_rows(mut self, rows: usize) -> Conv2dDims {
        assert!(rows > 0, "chunk rows must be at least 1");
        self.chunk_rows = rows.min(self.rows());
        self
    }

    /// Output pixels (GEMM rows) per chunk.
    pub fn chunk_rows(&self) -> usize {
        self.chunk_rows
    }

    /// Floats in `x` (and `dx`): `batch * in_h * in_w * in_c`.
    pub fn input_len(&self) -> usize {
        self.batch * self.in_h * self.in_w * self.in_c
    }

    /// Floats in `y` (and `dy`): `batch * out_h * out_w * out_c`.
    pub fn output_len(&self) -> usize {
        self.rows() * self.out_c
    }

    /// Floats in `w` (and `dw`): `k_h * k_w * in_c * out_c`.
    pub fn kernel_len(&self) -> usize {
        self.patch_len() * self.out_c
    }

    /// Floats of scratch every kernel here needs: one chunk of the patch matrix and maybe
    /// one zero-padded image (0 for a 1x1, stride-1 kernel), or under [`Method::Direct`]
    /// the larger of that and the direct path's per-image scratch. Bounded as the module
    /// doc explains.
    pub fn scratch_len(&self) -> usize {
        self.scratch_len_checked()
            .expect("scratch length was checked when the dims were made")
    }

    /// [`scratch_len`](Self::scratch_len), `None` on overflow. Under the direct method it is
    /// the larger of the two paths' needs, as the input gradient still uses im2col.
    fn scratch_len_checked(&self) -> Option<usize> {
        let im2col = if self.is_pointwise() {
            0
        } else {
            self.chunk_rows * self.patch_len() + im2col::padded_image_len(self)
        };
        match self.method {
            Method::Im2col => Some(im2col),
            Method::Direct => Some(direct::scratch_len(self)?.max(im2col)),
            Method::Implicit => {
                let input = if implicit::fits_backward_input(self) {
                    implicit::Geom::backward_input(self).scratch_len()
                } else {
                    im2col
                };
                Some(implicit::Geom::forward(self).scratch_len().max(input))
            }
            Method::Winograd => Some(winograd::scratch_len(self)),
        }
    }

    /// Output pixels over the batch: the rows of the patch matrix.
    pub fn rows(&self) -> usize {
        self.batch * self.out_h * self.out_w
    }

    /// Length of one receptive field: `k_h * k_w * in_c`, the columns of the patch matrix.
    pub fn patch_len(&self) -> usize {
        self.k_h * self.k_w * self.in_c
    }

    /// True for a 1x1 kernel with stride 1: then `x` is its own patch matrix (no padding
    /// arises either way).
    pub fn is_pointwise(&self) -> bool {
        self.k_h == 1 && self.k_w == 1 && self.stride_h == 1 && self.stride_w == 1
    }

    /// True when the kernel taps are spread (a dilation above 1 on either axis).
    pub fn is_dilated(&self) -> bool {
        self.dilation_h > 1 || self.dilation_w > 1
    }

    /// The row ranges `[r0, r1)` processed one GEMM at a time.
    fn chunks(&self) -> impl Iterator<Item = (usize, usize)> {
        let (rows, step) = (self.rows(), self.chunk_rows);
        (0..rows)
            .step_by(step)
            .map(move |r0| (r0, (r0 + step).min(rows)))
    }

    /// Rows `r0..r1` of the patch matrix: a slice of `x` itself for a pointwise kernel,
    /// else gathered into `scratch`.
    fn patches<'a>(&self, x: &'a [f32], r0: usize, r1: usize, scratch: &'a mut [f32]) -> &'a [f32] {
        let cols = self.patch_len();
        if self.is_pointwise() {
            &x[r0 * cols..r1 * cols]
        } else {
            // Scratch is [one chunk of patch rows | one zero-padded image].
            let (col, padded) = scratch.split_at_mut(self.chunk_rows * cols);
            let col = &mut col[..(r1 - r0) * cols];
            im2col::gather(self, x, r0, r1, col, padded);
            col
        }
    }
}

/// Forward pass: `y = conv(x, w) + bias` (the module doc has the formula). `y` is
/// overwritten and never read; `scratch` holds [`Conv2dDims::scratch_len`] floats and `pack`
/// [`crate::gemm::PACK_LEN`].
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn conv2d_forward(
    d: &Conv2dDims,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let (x, w, y) = (
        &x[..d.input_len()],
        &w[..d.kernel_len()],
        &mut y[..d.output_len()],
    );
    let bias = bias.map(|b| &b[..d.out_c]);
    if d.method == Method::Direct {
        return direct::forward(d, x, w, bias, y, &mut scratch[..d.scratch_len()]);
    }
    if d.method == Method::Winograd {
        return winograd::forward(d, x, w, bias, y, scratch, pack);
    }
    let implicit = d.method == Method::Implicit;
    let geom = implicit::Geom::forward(d);
    if implicit {
        implicit::pack_forward(d, w, pack);
    }
    for (r0, r1) in d.chunks() {
        let y_rows = &mut y[r0 * d.out_c..r1 * d.out_c];
        if let Some(b) = bias {
            bias::fill_rows(y_rows, b);
        }
        if implicit {
            let (n, acc) = (d.out_c, bias.is_some());
            implicit::forward_rows(&geom, x, pack, n, r0, r1, y_rows, acc, scratch);
        } else {
            let col = d.patches(x, r0, r1, scratch);
            let g = Gemm {
                m: r1 - r0,
                n: d.out_c,
                k: d.patch_len(),
                trans_a: false,
                trans_b: false,
                accumulate: bias.is_some(),
            };
            sgemm(&g, col, w, y_rows, pack);
        }
    }
}

/// Input gradient: `dx[n, ih, iw, ci] = sum of dy[n, oh, ow, co] * w[kh, kw, ci, co]` over
/// every `(oh, ow, kh, kw)` that reads `(ih, iw)`, and `co`. Overwrites `dx`.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn conv2d_backward_input(
    d: &Conv2dDims,
    dy: &[f32],
    w: &[f32],
    dx: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let (dy, w, dx) = (
        &dy[..d.output_len()],
        &w[..d.kernel_len()],
        &mut dx[..d.input_len()],
    );
    if d.method == Method::Winograd {
        return winograd::backward_input(d, dy, w, dx, scratch, pack);
    }
    if d.method == Method::Implicit && implicit::fits_backward_input(d) {
        // A stride-1 forward pass over dy with the flipped filter: no scatter.
        let geom = implicit::Geom::backward_input(d);
        implicit::pack_backward_input(d, w, pack);
        let rows = d.batch * d.in_h * d.in_w;
        implicit::forward_rows(&geom, dy, pack, d.in_c, 0, rows, dx, false, scratch);
        return;
    }
    let cols = d.patch_len();
    if !d.is_pointwise() {
        dx.fill(0.0);
    }
    for (r0, r1) in d.chunks() {
        let g = Gemm {
            m: r1 - r0,
            n: cols,
            k: d.out_c,
            trans_a: false,
            trans_b: true,
            accumulate: false,
        };
        let dy_rows = &dy[r0 * d.out_c..r1 * d.out_c];
        if d.is_pointwise() {
            // Rows of dcol are pixels of dx one to one: write them in place.
            sgemm(&g, dy_rows, w, &mut dx[r0 * cols..r1 * cols], pack);
        } else {
            let dcol = &mut scratch[..(r1 - r0) * cols];
            sgemm(&g, dy_rows, w, dcol, pack);
            im2col::scatter_add(d, dcol, r0, r1, dx);
        }
    }
}

/// Filter gradient: `dw[kh, kw, ci, co] = sum over n, oh, ow of
/// x[n, oh*stride_h + kh - pad_top, ow*stride_w + kw - pad_left, ci] * dy[n, oh, ow, co]`.
/// Overwrites `dw`.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn conv2d_backward_filter(
    d: &Conv2dDims,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    scratch: &mut [f32],
    pack: &mut [f32],
) {
    let (x, dy, dw) = (
        &x[..d.input_len()],
        &dy[..d.output_len()],
        &mut dw[..d.kernel_len()],
    );
    if d.method == Method::Direct {
        return direct::backward_filter(d, x, dy, dw, &mut scratch[..d.scratch_len()]);
    }
    if d.method == Method::Implicit {
        return implicit::backward_filter(d, x, dy, dw, scratch, pack);
    }
    if d.method == Method::Winograd {
        return winograd::backward_filter(d, x, dy, dw, scratch, pack);
    }
    for (i, (r0, r1)) in d.chunks().enumerate() {
        let col = d.patches(x, r0, r1, scratch);
        let g = Gemm {
            m: d.patch_len(),
            n: d.out_c,
            k: r1 - r0,
            trans_a: true,
            trans_b: false,
            accumulate: i > 0,
        };
        sgemm(&g, col, &dy[r0 * d.out_c..r1 * d.out_c], dw, pack);
    }
}

/// Bias gradient: `db[co] = sum over n, oh, ow of dy[n, oh, ow, co]`. Overwrites `db`.
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn conv2d_backward_bias(d: &Conv2dDims, dy: &[f32], db: &mut [f32]) {
    bias::sum_rows(&dy[..d.output_len()], &mut db[..d.out_c]);
}
