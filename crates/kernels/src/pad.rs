//! Zero padding of NHWC images (Keras `ZeroPadding2D`) and its backward, a crop.
//!
//! `x` is `[batch, h, w, c]`, `y` is `[batch, top + h + bottom, left + w + right, c]`:
//!
//! ```text
//! y[n, top + i, left + j, c] = x[n, i, j, c],  0 elsewhere
//! dx[n, i, j, c] = dy[n, top + i, left + j, c]
//! ```
//!
//! Each image row is one contiguous run of `w * c` floats in both tensors.

use crate::conv2d::{element_count, DimsError};
use crate::runs::{copy_run, zero_run};

/// The shapes of one padding call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pad2dDims {
    pub batch: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

impl Pad2dDims {
    /// Validates the shapes (sizes at least 1, paddings any).
    ///
    /// # Errors
    /// A zero size, or tensors too large to address.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: usize,
        h: usize,
        w: usize,
        c: usize,
        top: usize,
        bottom: usize,
        left: usize,
        right: usize,
    ) -> Result<Pad2dDims, DimsError> {
        crate::conv2d::check_nonzero(&[("batch", batch), ("h", h), ("w", w), ("c", c)])?;
        let out_h = h.checked_add(top).and_then(|v| v.checked_add(bottom));
        let out_w = w.checked_add(left).and_then(|v| v.checked_add(right));
        let (out_h, out_w) = out_h.zip(out_w).ok_or(DimsError::Overflow)?;
        element_count(&[batch, h, w, c])?;
        element_count(&[batch, out_h, out_w, c])?;
        Ok(Pad2dDims {
            batch,
            h,
            w,
            c,
            top,
            bottom,
            left,
            right,
        })
    }

    /// Padded height.
    pub fn out_h(&self) -> usize {
        self.top + self.h + self.bottom
    }

    /// Padded width.
    pub fn out_w(&self) -> usize {
        self.left + self.w + self.right
    }

    /// Floats in `x` (and `dx`).
    pub fn input_len(&self) -> usize {
        self.batch * self.h * self.w * self.c
    }

    /// Floats in `y` (and `dy`).
    pub fn output_len(&self) -> usize {
        self.batch * self.out_h() * self.out_w() * self.c
    }
}

/// Writes the padded `y` (every float of it, zeros included).
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn pad2d_forward(d: &Pad2dDims, x: &[f32], y: &mut [f32]) {
    let (x, y) = (&x[..d.input_len()], &mut y[..d.output_len()]);
    let (in_row, out_row) = (d.w * d.c, d.out_w() * d.c);
    let (left, right) = (d.left * d.c, d.right * d.c);
    for (xi, yi) in x
        .chunks_exact(d.h * in_row)
        .zip(y.chunks_exact_mut(d.out_h() * out_row))
    {
        let (above, rest) = yi.split_at_mut(d.top * out_row);
        let (body, below) = rest.split_at_mut(d.h * out_row);
        above.fill(0.0);
        below.fill(0.0);
        for (xr, yr) in xi.chunks_exact(in_row).zip(body.chunks_exact_mut(out_row)) {
            zero_run(&mut yr[..left]);
            copy_run(&mut yr[left..left + in_row], xr);
            zero_run(&mut yr[out_row - right..]);
        }
    }
}

/// Writes `dx`, the interior of `dy` (the crop that undoes the padding).
///
/// # Panics
/// When a slice is shorter than the dims require.
pub fn pad2d_backward(d: &Pad2dDims, dy: &[f32], dx: &mut [f32]) {
    let (dy, dx) = (&dy[..d.output_len()], &mut dx[..d.input_len()]);
    let (in_row, out_row) = (d.w * d.c, d.out_w() * d.c);
    let left = d.left * d.c;
    for (dxi, dyi) in dx
        .chunks_exact_mut(d.h * in_row)
        .zip(dy.chunks_exact(d.out_h() * out_row))
    {
        let body = &dyi[d.top * out_row..(d.top + d.h) * out_row];
        for (xr, yr) in dxi.chunks_exact_mut(in_row).zip(body.chunks_exact(out_row)) {
            copy_run(xr, &yr[left..left + in_row]);
        }
    }
}
