//! Reference twin of the `loss` kernels, in f64: each returns (mean loss, gradient).

/// Cross-entropy of softmax(logits) against labels, via log-softmax computed directly.
pub fn softmax_cross_entropy(classes: usize, logits: &[f32], labels: &[f32]) -> (f64, Vec<f32>) {
    let batch = logits.len() / classes;
    let mut loss = 0.0;
    let mut grad = vec![0.0; logits.len()];
    for r in 0..batch {
        let x: Vec<f64> = logits[r * classes..(r + 1) * classes]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + x.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        for j in 0..classes {
            let y = labels[r * classes + j] as f64;
            loss -= y * (x[j] - lse);
            let ysum: f64 = labels[r * classes..(r + 1) * classes]
                .iter()
                .map(|&v| v as f64)
                .sum();
            grad[r * classes + j] = (((x[j] - lse).exp() * ysum - y) / batch as f64) as f32;
        }
    }
    (loss / batch as f64, grad)
}

/// Keras's categorical cross-entropy from probabilities: normalize rows, clip to
/// [1e-7, 1 - 1e-7], `-sum y ln`; the gradient by the chain rule through both steps.
pub fn categorical_cross_entropy(classes: usize, probs: &[f32], labels: &[f32]) -> (f64, Vec<f32>) {
    let batch = probs.len() / classes;
    let (lo, hi) = (1e-7f32 as f64, (1.0f32 - 1e-7) as f64);
    let mut loss = 0.0;
    let mut grad = vec![0.0; probs.len()];
    for r in 0..batch {
        let p: Vec<f64> = probs[r * classes..(r + 1) * classes]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let s: f64 = p.iter().sum();
        for k in 0..classes {
            let mut g = 0.0;
            for j in 0..classes {
                let y = labels[r * classes + j] as f64;
                let q = p[j] / s;
                if k == 0 {
                    loss -= y * q.max(lo).min(hi).ln();
                }
                if q >= lo && q <= hi {
                    let dq = if j == k {
                        1.0 / s - p[j] / (s * s)
                    } else {
                        -p[j] / (s * s)
                    };
                    g -= y / q * dq;
                }
            }
            grad[r * classes + k] = (g / batch as f64) as f32;
        }
    }
    (loss / batch as f64, grad)
}

/// Mean of squared differences over every value.
pub fn mean_squared_error(pred: &[f32], target: &[f32]) -> (f64, Vec<f32>) {
    let n = pred.len() as f64;
    let loss = pred
        .iter()
        .zip(target)
        .map(|(&p, &t)| (p as f64 - t as f64).powi(2))
        .sum::<f64>()
        / n;
    let grad = pred
        .iter()
        .zip(target)
        .map(|(&p, &t)| (2.0 * (p as f64 - t as f64) / n) as f32)
        .collect();
    (loss, grad)
}

/// Rows whose first arg-max agrees.
pub fn count_correct(classes: usize, scores: &[f32], labels: &[f32]) -> u32 {
    let arg_max = |row: &[f32]| {
        let mut best = 0;
        for j in 1..row.len() {
            if row[j] > row[best] {
                best = j;
            }
        }
        best
    };
    scores
        .chunks(classes)
        .zip(labels.chunks(classes))
        .filter(|(s, y)| arg_max(s) == arg_max(y))
        .count() as u32
}
