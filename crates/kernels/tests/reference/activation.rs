//! Reference twin of the `activation` kernels, in f64, returning new vectors.

pub fn relu(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect()
}

pub fn sigmoid(x: &[f32]) -> Vec<f32> {
    x.iter()
        .map(|&v| (1.0 / (1.0 + (-(v as f64)).exp())) as f32)
        .collect()
}

pub fn tanh(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&v| (v as f64).tanh() as f32).collect()
}

/// Row-wise softmax with the row maximum subtracted.
pub fn softmax(cols: usize, x: &[f32]) -> Vec<f32> {
    let mut y = Vec::with_capacity(x.len());
    for row in x.chunks(cols) {
        let max = row
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, |m, v| m.max(v as f64));
        let e: Vec<f64> = row.iter().map(|&v| (v as f64 - max).exp()).collect();
        let sum: f64 = e.iter().sum();
        y.extend(e.iter().map(|v| (v / sum) as f32));
    }
    y
}

/// dL/dx from dL/dy for each elementwise kind, through its derivative written in x.
pub fn elementwise_backward(kind: &str, x: &[f32], dy: &[f32]) -> Vec<f32> {
    x.iter()
        .zip(dy)
        .map(|(&x, &d)| {
            let x = x as f64;
            let slope = match kind {
                "relu" => (x > 0.0) as i32 as f64,
                "sigmoid" => {
                    let s = 1.0 / (1.0 + (-x).exp());
                    s * (1.0 - s)
                }
                "tanh" => 1.0 / x.cosh().powi(2),
                _ => panic!("unknown kind {}", kind),
            };
            (d as f64 * slope) as f32
        })
        .collect()
}

/// Softmax backward through the full Jacobian: `dx_j = sum_k dy_k y_k (delta_jk - y_j)`.
pub fn softmax_backward(cols: usize, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let y = softmax(cols, x);
    let mut dx = vec![0.0; x.len()];
    for r in 0..x.len() / cols {
        for j in 0..cols {
            let mut s = 0.0f64;
            for k in 0..cols {
                let yk = y[r * cols + k] as f64;
                let delta = if j == k { 1.0 } else { 0.0 };
                s += dy[r * cols + k] as f64 * yk * (delta - y[r * cols + j] as f64);
            }
            dx[r * cols + j] = s as f32;
        }
    }
    dx
}
