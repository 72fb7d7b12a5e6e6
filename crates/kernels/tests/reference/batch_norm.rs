//! Reference twin of the batch-normalization kernels: two-pass statistics in f64, and the
//! backward pass as the chain rule through mean and variance term by term.

pub struct Stats {
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
}

pub fn stats(rows: usize, c: usize, x: &[f32]) -> Stats {
    let mut mean = vec![0.0; c];
    for r in 0..rows {
        for j in 0..c {
            mean[j] += x[r * c + j] as f64 / rows as f64;
        }
    }
    let mut var = vec![0.0; c];
    for r in 0..rows {
        for j in 0..c {
            var[j] += (x[r * c + j] as f64 - mean[j]).powi(2) / rows as f64;
        }
    }
    Stats { mean, var }
}

#[allow(clippy::too_many_arguments)]
pub fn normalize(
    rows: usize,
    c: usize,
    eps: f64,
    x: &[f32],
    mean: &[f64],
    var: &[f64],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
) -> Vec<f32> {
    let mut y = vec![0.0f32; rows * c];
    for r in 0..rows {
        for j in 0..c {
            let g = gamma.map_or(1.0, |g| g[j] as f64);
            let b = beta.map_or(0.0, |b| b[j] as f64);
            y[r * c + j] = ((x[r * c + j] as f64 - mean[j]) / (var[j] + eps).sqrt() * g + b) as f32;
        }
    }
    y
}

/// `(dx, dgamma, dbeta)` of the training forward pass, through the chain rule:
/// dL/dvar = sum dxhat (x - mean) (-1/2) (var + eps)^(-3/2),
/// dL/dmean = sum -dxhat / std + dL/dvar * sum -2 (x - mean) / R,
/// dx = dxhat / std + dL/dvar * 2 (x - mean) / R + dL/dmean / R.
pub fn backward(
    rows: usize,
    c: usize,
    eps: f64,
    x: &[f32],
    dy: &[f32],
    gamma: Option<&[f32]>,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let s = stats(rows, c, x);
    let n = rows as f64;
    let (mut dx, mut dg, mut db) = (vec![0.0f32; rows * c], vec![0.0f32; c], vec![0.0f32; c]);
    for j in 0..c {
        let g = gamma.map_or(1.0, |g| g[j] as f64);
        let std = (s.var[j] + eps).sqrt();
        let at = |r: usize| r * c + j;
        let (mut dvar, mut dmean, mut sum_diff, mut sdg, mut sdb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for r in 0..rows {
            let d = x[at(r)] as f64 - s.mean[j];
            let dxhat = dy[at(r)] as f64 * g;
            dvar += dxhat * d * -0.5 * (s.var[j] + eps).powf(-1.5);
            dmean += -dxhat / std;
            sum_diff += -2.0 * d / n;
            sdg += dy[at(r)] as f64 * d / std;
            sdb += dy[at(r)] as f64;
        }
        dmean += dvar * sum_diff;
        for r in 0..rows {
            let d = x[at(r)] as f64 - s.mean[j];
            let dxhat = dy[at(r)] as f64 * g;
            dx[at(r)] = (dxhat / std + dvar * 2.0 * d / n + dmean / n) as f32;
        }
        dg[j] = sdg as f32;
        db[j] = sdb as f32;
    }
    (dx, dg, db)
}
