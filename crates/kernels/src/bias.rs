//! The bias of a dense or conv2d layer, whose output is a `[rows, units]` matrix (for
//! conv2d the rows are the NHWC output pixels and the units its filters).

use crate::runs::copy_run;

/// Starts every row of `y` (`[rows, bias.len()]`) as the bias: `y[r][u] = bias[u]`, so that
/// a GEMM accumulating into `y` adds the products to it without a second pass.
pub(crate) fn fill_rows(y: &mut [f32], bias: &[f32]) {
    if bias.is_empty() {
        return; // no units: y is empty too
    }
    for row in y.chunks_exact_mut(bias.len()) {
        copy_run(row, bias);
    }
}

/// The bias gradient: `db[u] = sum over rows r of dy[r][u]` for `dy` of
/// `[rows, db.len()]`, summed in row order. Overwrites `db`.
pub(crate) fn sum_rows(dy: &[f32], db: &mut [f32]) {
    db.fill(0.0);
    if db.is_empty() {
        return;
    }
    for row in dy.chunks_exact(db.len()) {
        db.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
    }
}
