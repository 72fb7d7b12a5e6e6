//! Losses over a batch, each returning the batch mean (as Keras reduces) and writing the
//! gradient of that mean with respect to its input; and the accuracy count.
//!
//! Matrices are `[batch, classes]` (or `[batch, width]`) row-major; labels are one-hot
//! rows (any non-negative weights work, the formulas below are exact for them too).
//! Sums run in f64 so that the loss of a large batch keeps its precision. Rows are short
//! (one value per class), so these stay scalar.

use core::ops::Range;

use crate::activation::softmax_row;

/// Keras's `epsilon()`: categorical cross-entropy clips probabilities to
/// `[EPSILON, 1 - EPSILON]`.
pub const EPSILON: f32 = 1e-7;

/// Keras's label smoothing of a row of `classes` labels: `y' = y (1 - s) + s / classes`,
/// each factor rounded to f32 as Keras rounds it (`1 - s` is a Python float, `s /
/// classes` an f32 division). `s = 0` leaves labels exactly as they are.
#[derive(Clone, Copy)]
struct Smoothing {
    keep: f32,
    spread: f32,
}

impl Smoothing {
    fn new(label_smoothing: f32, classes: usize) -> Self {
        Smoothing {
            keep: (1.0 - f64::from(label_smoothing)) as f32,
            spread: label_smoothing / classes as f32,
        }
    }

    #[inline]
    fn apply(self, y: f32) -> f32 {
        y * self.keep + self.spread
    }
}

/// Softmax followed by cross-entropy, fused so that it stays finite for any finite
/// logits (Keras's `from_logits=True`). Labels are first smoothed by `label_smoothing`
/// (0 for none; see `Smoothing`). Per row, with `lse = m + ln sum_j exp(x_j - m)` (`m`
/// the row maximum): `loss = sum_j y_j (lse - x_j)`, `p = softmax(x)`, and
/// `dlogits_j = (p_j sum_k y_k - y_j) / batch`, i.e. `(p - y) / batch` for one-hot labels.
/// Returns the mean loss over the batch.
///
/// # Panics
/// When a slice does not hold `batch * classes` values.
pub fn softmax_cross_entropy(
    batch: usize,
    classes: usize,
    logits: &[f32],
    labels: &[f32],
    probs: &mut [f32],
    dlogits: &mut [f32],
    label_smoothing: f32,
) -> f32 {
    let len = batch * classes;
    let smooth = Smoothing::new(label_smoothing, classes);
    assert!(
        logits.len() == len && labels.len() == len && probs.len() == len && dlogits.len() == len,
        "softmax_cross_entropy: every slice must hold batch * classes values"
    );
    let inv_batch = 1.0 / batch as f32;
    mean_over_rows(batch, classes, |row, total| {
        let (x, y, p, d) = (
            &logits[row.clone()],
            &labels[row.clone()],
            &mut probs[row.clone()],
            &mut dlogits[row],
        );
        let max = x
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        let sum_exp: f64 = x.iter().map(|&v| f64::from((v - max).exp())).sum();
        let lse = f64::from(max) + sum_exp.ln();
        let mut label_sum = 0.0f32;
        for j in 0..classes {
            let yj = smooth.apply(y[j]);
            *total += f64::from(yj) * (lse - f64::from(x[j]));
            label_sum += yj;
        }
        p.copy_from_slice(x);
        softmax_row(p);
        for j in 0..classes {
            d[j] = (p[j] * label_sum - smooth.apply(y[j])) * inv_batch;
        }
    })
}

/// Categorical cross-entropy from probabilities, as Keras computes it: labels are
/// smoothed by `label_smoothing` (0 for none; see `Smoothing`), each row is divided by
/// its sum (`q = p / S`), then clipped (`c = clip(q, EPSILON, 1 - EPSILON)`),
/// and `loss = -sum_j y_j ln c_j`. The gradient follows the same path: with
/// `a_j = -y_j / c_j` where `q_j` lies inside the clip range (else 0),
/// `dprobs_k = (a_k - sum_j a_j q_j) / (S batch)`. Returns the mean loss over the batch.
///
/// # Panics
/// When a slice does not hold `batch * classes` values.
pub fn categorical_cross_entropy(
    batch: usize,
    classes: usize,
    probs: &[f32],
    labels: &[f32],
    dprobs: &mut [f32],
    label_smoothing: f32,
) -> f32 {
    let len = batch * classes;
    let smooth = Smoothing::new(label_smoothing, classes);
    assert!(
        probs.len() == len && labels.len() == len && dprobs.len() == len,
        "categorical_cross_entropy: every slice must hold batch * classes values"
    );
    let inv_batch = 1.0 / batch as f32;
    mean_over_rows(batch, classes, |row, total| {
        let (p, y, d) = (&probs[row.clone()], &labels[row.clone()], &mut dprobs[row]);
        let sum: f32 = p.iter().sum();
        let mut a_dot_q = 0.0f32;
        for j in 0..classes {
            let q = p[j] / sum;
            let c = q.clamp(EPSILON, 1.0 - EPSILON); // NaN stays NaN
            let yj = smooth.apply(y[j]);
            *total -= f64::from(yj) * f64::from(c.ln());
            // Clipping passes the gradient only inside its range (ends included).
            let a = if (EPSILON..=1.0 - EPSILON).contains(&q) {
                -yj / c
            } else {
                0.0
            };
            d[j] = a;
            a_dot_q += a * q;
        }
        let scale = inv_batch / sum;
        for dj in d.iter_mut() {
            *dj = (*dj - a_dot_q) * scale;
        }
    })
}

/// Mean squared error over all `pred.len()` values (Keras's mean over the last axis,
/// then over the batch, which is the same when rows have one width):
/// `loss = mean((p - t)^2)`, `dpred = 2 (p - t) / n`.
///
/// # Panics
/// When the slices differ in length.
pub fn mean_squared_error(pred: &[f32], target: &[f32], dpred: &mut [f32]) -> f32 {
    let n = pred.len();
    assert!(
        target.len() == n && dpred.len() == n,
        "mean_squared_error: pred, target and dpred lengths differ"
    );
    if n == 0 {
        return 0.0;
    }
    let scale = 2.0 / n as f32;
    let mut total = 0.0f64;
    for ((d, &p), &t) in dpred.iter_mut().zip(pred).zip(target) {
        let e = p - t;
        total += f64::from(e) * f64::from(e);
        *d = e * scale;
    }
    (total / n as f64) as f32
}

/// The batch mean of a per-row loss: calls `add_row(row, &mut total)` for each of the
/// `batch` rows of `classes` values (`row` the row's index range in the flat matrix), the
/// call adding that row's loss into the one f64 `total`, and returns `total / batch`.
/// An empty matrix has loss 0 and no row is visited.
fn mean_over_rows(
    batch: usize,
    classes: usize,
    mut add_row: impl FnMut(Range<usize>, &mut f64),
) -> f32 {
    if batch * classes == 0 {
        return 0.0;
    }
    let mut total = 0.0f64;
    for r in 0..batch {
        add_row(r * classes..(r + 1) * classes, &mut total);
    }
    (total / batch as f64) as f32
}

/// The number of rows whose arg-max in `scores` equals the arg-max in `labels` (the first
/// index wins ties, as in Keras; NaN never wins).
///
/// # Panics
/// When a slice does not hold `batch * classes` values.
pub fn count_correct(batch: usize, classes: usize, scores: &[f32], labels: &[f32]) -> u32 {
    assert!(
        scores.len() == batch * classes && labels.len() == batch * classes,
        "count_correct: scores and labels must hold batch * classes values"
    );
    if classes == 0 {
        return 0;
    }
    let rows = scores
        .chunks_exact(classes)
        .zip(labels.chunks_exact(classes));
    rows.filter(|(s, y)| arg_max(s) == arg_max(y)).count() as u32
}

/// Index of the first largest value (0 when every value is NaN).
fn arg_max(row: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate() {
        if v > row[best] || row[best].is_nan() && !v.is_nan() {
            best = j;
        }
    }
    best
}
