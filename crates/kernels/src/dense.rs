//! Fully connected layer: `y = x w + b` over a batch.
//!
//! Layouts (row-major): `x` is `[batch, inputs]`, `w` is `[inputs, units]` (Keras's
//! kernel layout), `b` is `[units]`, `y` and `dy` are `[batch, units]`. Both passes are
//! GEMM calls ([`crate::gemm::sgemm`]); `pack` is its workspace of at least
//! [`crate::gemm::PACK_LEN`] floats.

use crate::bias;
use crate::gemm::{sgemm, Gemm};

/// The sizes of one dense layer applied to a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dense {
    pub batch: usize,
    pub inputs: usize,
    pub units: usize,
}

/// `y = x w (+ bias)`: with a bias each row of `y` starts as the bias and the GEMM adds
/// `x w` to it; without, the GEMM writes `y` (never reading it).
///
/// # Panics
/// When a slice is shorter than its layout requires.
pub fn dense_forward(
    d: &Dense,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
    pack: &mut [f32],
) {
    let y = &mut y[..d.batch * d.units];
    if let Some(b) = bias {
        bias::fill_rows(y, &b[..d.units]);
    }
    let g = Gemm {
        m: d.batch,
        n: d.units,
        k: d.inputs,
        trans_a: false,
        trans_b: false,
        accumulate: bias.is_some(),
    };
    sgemm(&g, x, w, y, pack);
}

/// Gradients of [`dense_forward`] from `dy`, overwriting each output:
/// `dw = x^T dy` (`[inputs, units]`), `db = column sums of dy` (`[units]`, skipped when
/// `None`), `dx = dy w^T` (`[batch, inputs]`, skipped when `None`, as for a first layer).
///
/// # Panics
/// When a slice is shorter than its layout requires.
#[allow(clippy::too_many_arguments)]
pub fn dense_backward(
    d: &Dense,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: Option<&mut [f32]>,
    pack: &mut [f32],
) {
    let dy = &dy[..d.batch * d.units];
    let dw_product = Gemm {
        m: d.inputs,
        n: d.units,
        k: d.batch,
        trans_a: true,
        trans_b: false,
        accumulate: false,
    };
    sgemm(&dw_product, x, dy, dw, pack);
    if let Some(db) = db {
        bias::sum_rows(dy, &mut db[..d.units]);
    }
    if let Some(dx) = dx {
        let dx_product = Gemm {
            m: d.batch,
            n: d.inputs,
            k: d.units,
            trans_a: false,
            trans_b: true,
            accumulate: false,
        };
        sgemm(&dx_product, dy, w, dx, pack);
    }
}
