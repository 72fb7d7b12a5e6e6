//! Losses against f64 references on random shapes, plus stability and tie-breaking.

mod reference;

use reference::{assert_close, loss as naive, Rng};
use simdnet_kernels::loss::*;

/// One-hot rows with random hot indices.
fn one_hot(rng: &mut Rng, batch: usize, classes: usize) -> Vec<f32> {
    let mut y = vec![0.0; batch * classes];
    for r in 0..batch {
        y[r * classes + rng.range(0, classes - 1)] = 1.0;
    }
    y
}

const SHAPES: [(usize, usize); 6] = [(1, 1), (1, 10), (3, 2), (7, 5), (64, 10), (9, 33)];

#[test]
fn softmax_cross_entropy_matches_reference() {
    let mut rng = Rng::new(41);
    for &(batch, classes) in &SHAPES {
        let logits: Vec<f32> = rng.vec(batch * classes).iter().map(|v| v * 5.0).collect();
        let labels = one_hot(&mut rng, batch, classes);
        let (mut probs, mut d) = (vec![f32::NAN; logits.len()], vec![f32::NAN; logits.len()]);
        let loss = softmax_cross_entropy(batch, classes, &logits, &labels, &mut probs, &mut d, 0.0);
        let (loss_ref, d_ref) = naive::softmax_cross_entropy(classes, &logits, &labels);
        assert_close(&[loss], &[loss_ref as f32], 1e-5, 1e-6, "softmax ce loss");
        assert_close(&d, &d_ref, 1e-5, 1e-7, "softmax ce gradient");
        assert_close(
            &probs,
            &reference::activation::softmax(classes, &logits),
            1e-5,
            1e-7,
            "softmax ce probs",
        );
    }
}

#[test]
fn softmax_cross_entropy_is_finite_for_huge_logits() {
    let (logits, labels) = (
        [1e4f32, -1e4, 0.0, 2e4, 2e4 - 3.0, 0.0],
        [0.0f32, 1.0, 0.0, 0.0, 1.0, 0.0],
    );
    let (mut p, mut d) = ([0.0; 6], [0.0; 6]);
    let loss = softmax_cross_entropy(2, 3, &logits, &labels, &mut p, &mut d, 0.0);
    // Row 1: lse = 1e4, loss = 2e4. Row 2: lse = 2e4 + ln(1 + e^-3), loss = 3 + ln(1 + e^-3).
    let expected = (2e4 + 3.0 + (1.0 + (-3.0f64).exp()).ln()) / 2.0;
    assert!(
        loss.is_finite() && (loss as f64 - expected).abs() < 1e-3,
        "loss {}",
        loss
    );
    assert!(d.iter().chain(p.iter()).all(|v| v.is_finite()));
}

#[test]
fn categorical_cross_entropy_matches_reference_including_clipping() {
    let mut rng = Rng::new(42);
    for &(batch, classes) in &SHAPES {
        let mut probs: Vec<f32> = rng.vec(batch * classes).iter().map(|v| v * 5.0).collect();
        reference::activation::softmax(classes, &probs)
            .iter()
            .zip(probs.iter_mut())
            .for_each(|(s, p)| *p = *s);
        // Push some values outside the clip range at both ends.
        probs[0] = if classes == 1 { 1.0 } else { 1e-9 };
        let labels = one_hot(&mut rng, batch, classes);
        let mut d = vec![f32::NAN; probs.len()];
        let loss = categorical_cross_entropy(batch, classes, &probs, &labels, &mut d, 0.0);
        let (loss_ref, d_ref) = naive::categorical_cross_entropy(classes, &probs, &labels);
        assert_close(&[loss], &[loss_ref as f32], 1e-5, 1e-6, "cce loss");
        assert_close(&d, &d_ref, 1e-4, 1e-6, "cce gradient");
    }
}

#[test]
fn categorical_cross_entropy_normalizes_rows_as_keras() {
    // [2, 6] normalizes to [0.25, 0.75]; label 1: loss = -ln 0.75.
    let mut d = [0.0; 2];
    let loss = categorical_cross_entropy(1, 2, &[2.0, 6.0], &[0.0, 1.0], &mut d, 0.0);
    assert!((loss - -(0.75f32.ln())).abs() < 1e-6);
}

#[test]
fn mean_squared_error_matches_reference() {
    let mut rng = Rng::new(43);
    for &(batch, width) in &SHAPES {
        let (p, t) = (rng.vec(batch * width), rng.vec(batch * width));
        let mut d = vec![f32::NAN; p.len()];
        let loss = mean_squared_error(&p, &t, &mut d);
        let (loss_ref, d_ref) = naive::mean_squared_error(&p, &t);
        assert_close(&[loss], &[loss_ref as f32], 1e-5, 1e-7, "mse loss");
        assert_close(&d, &d_ref, 1e-5, 1e-8, "mse gradient");
    }
}

#[test]
fn count_correct_matches_reference_and_breaks_ties_to_the_first() {
    let mut rng = Rng::new(44);
    for &(batch, classes) in &SHAPES {
        let scores = rng.vec(batch * classes);
        let labels = one_hot(&mut rng, batch, classes);
        assert_eq!(
            count_correct(batch, classes, &scores, &labels),
            naive::count_correct(classes, &scores, &labels)
        );
    }
    // Row 1 ties between 0 and 2 (first wins, label 0: correct); row 2 is wrong.
    let scores = [0.5, 0.1, 0.5, 0.2, 0.7, 0.1];
    let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    assert_eq!(count_correct(2, 3, &scores, &labels), 1);
}

/// Labels smoothed as Keras does, in f64: `y (1 - s) + s / classes`.
fn smoothed(labels: &[f32], classes: usize, s: f32) -> Vec<f32> {
    let s = f64::from(s);
    labels
        .iter()
        .map(|&y| (f64::from(y) * (1.0 - s) + s / classes as f64) as f32)
        .collect()
}

#[test]
fn label_smoothing_equals_smoothed_labels() {
    let mut rng = Rng::new(77);
    for &(batch, classes) in &SHAPES {
        for &s in &[0.1f32, 0.5, 1.0] {
            let logits: Vec<f32> = rng.vec(batch * classes).iter().map(|v| v * 4.0).collect();
            let labels = one_hot(&mut rng, batch, classes);
            let soft = smoothed(&labels, classes, s);
            let n = logits.len();
            let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
            let loss = softmax_cross_entropy(batch, classes, &logits, &labels, &mut p, &mut d, s);
            let (loss_ref, d_ref) = naive::softmax_cross_entropy(classes, &logits, &soft);
            assert_close(
                &[loss],
                &[loss_ref as f32],
                1e-5,
                1e-6,
                "smoothed softmax ce",
            );
            assert_close(&d, &d_ref, 1e-5, 1e-7, "smoothed softmax ce gradient");

            let probs = reference::activation::softmax(classes, &logits);
            let loss = categorical_cross_entropy(batch, classes, &probs, &labels, &mut d, s);
            let (loss_ref, d_ref) = naive::categorical_cross_entropy(classes, &probs, &soft);
            assert_close(
                &[loss],
                &[loss_ref as f32],
                1e-5,
                1e-6,
                "smoothed categorical ce",
            );
            assert_close(&d, &d_ref, 1e-4, 1e-6, "smoothed categorical ce gradient");
        }
    }
}

#[test]
fn label_smoothing_by_hand() {
    // Two classes, s = 0.2: labels [0, 1] become [0.1, 0.9]; equal logits give p = 0.5,
    // so the loss is ln 2 and the gradient p - y' = [0.4, -0.4].
    let (mut p, mut d) = ([0.0f32; 2], [0.0f32; 2]);
    let loss = softmax_cross_entropy(1, 2, &[3.0, 3.0], &[0.0, 1.0], &mut p, &mut d, 0.2);
    assert!((loss - 2f32.ln()).abs() < 1e-6);
    assert_close(&d, &[0.4, -0.4], 1e-6, 1e-7, "gradient");
}
