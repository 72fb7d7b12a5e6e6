//! Reference twin of the `dense` kernels: the defining sums, in f64.

/// `y[b][u] = bias[u] + sum_i x[b][i] w[i][u]`.
pub fn forward(
    batch: usize,
    inputs: usize,
    units: usize,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let mut y = vec![0.0; batch * units];
    for b in 0..batch {
        for u in 0..units {
            let mut s = bias.map_or(0.0, |bias| bias[u] as f64);
            for i in 0..inputs {
                s += x[b * inputs + i] as f64 * w[i * units + u] as f64;
            }
            y[b * units + u] = s as f32;
        }
    }
    y
}

/// `(dx, dw, db)`: `dx[b][i] = sum_u dy[b][u] w[i][u]`, `dw[i][u] = sum_b x[b][i] dy[b][u]`,
/// `db[u] = sum_b dy[b][u]`.
pub fn backward(
    batch: usize,
    inputs: usize,
    units: usize,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut dx = vec![0.0; batch * inputs];
    let mut dw = vec![0.0; inputs * units];
    let mut db = vec![0.0; units];
    for b in 0..batch {
        for i in 0..inputs {
            let s: f64 = (0..units)
                .map(|u| dy[b * units + u] as f64 * w[i * units + u] as f64)
                .sum();
            dx[b * inputs + i] = s as f32;
        }
    }
    for i in 0..inputs {
        for u in 0..units {
            let s: f64 = (0..batch)
                .map(|b| x[b * inputs + i] as f64 * dy[b * units + u] as f64)
                .sum();
            dw[i * units + u] = s as f32;
        }
    }
    for u in 0..units {
        db[u] = (0..batch).map(|b| dy[b * units + u] as f64).sum::<f64>() as f32;
    }
    (dx, dw, db)
}
