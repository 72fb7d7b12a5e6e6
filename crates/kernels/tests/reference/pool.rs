//! Reference twin of the `pool` kernels: each window walked directly over the padded
//! grid, skipping padded cells, with its own Keras size arithmetic.

use super::conv2d::axis;

/// A pooling configuration as a layer states it.
#[derive(Clone, Copy, Debug)]
pub struct PoolCase {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub pool_h: usize,
    pub pool_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub same: bool,
}

impl PoolCase {
    /// `(out_h, out_w, pad_top, pad_left)`.
    pub fn geometry(&self) -> (usize, usize, usize, usize) {
        let (oh, pt) = axis(self.in_h, self.pool_h, self.stride_h, self.same);
        let (ow, pl) = axis(self.in_w, self.pool_w, self.stride_w, self.same);
        (oh, ow, pt, pl)
    }

    pub fn x_len(&self) -> usize {
        self.batch * self.in_h * self.in_w * self.channels
    }

    pub fn y_len(&self) -> usize {
        let (oh, ow, _, _) = self.geometry();
        self.batch * oh * ow * self.channels
    }

    /// Calls `f(y_index, x_indices_of_the_window)` for every output element.
    fn for_each_output(&self, mut f: impl FnMut(usize, &[usize])) {
        let (oh_n, ow_n, pt, pl) = self.geometry();
        let c = self.channels;
        let mut cells = Vec::new();
        for n in 0..self.batch {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    for ch in 0..c {
                        cells.clear();
                        for ph in 0..self.pool_h {
                            for pw in 0..self.pool_w {
                                let ih = (oh * self.stride_h + ph) as i64 - pt as i64;
                                let iw = (ow * self.stride_w + pw) as i64 - pl as i64;
                                if ih >= 0
                                    && iw >= 0
                                    && ih < self.in_h as i64
                                    && iw < self.in_w as i64
                                {
                                    cells.push(
                                        ((n * self.in_h + ih as usize) * self.in_w + iw as usize)
                                            * c
                                            + ch,
                                    );
                                }
                            }
                        }
                        f(((n * oh_n + oh) * ow_n + ow) * c + ch, &cells);
                    }
                }
            }
        }
    }
}

/// `(y, argmax)`: the first maximum of each window in row-major order.
pub fn max_forward(p: &PoolCase, x: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let mut y = vec![0.0; p.y_len()];
    let mut arg = vec![0; p.y_len()];
    p.for_each_output(|yi, cells| {
        let mut best = cells[0];
        for &i in &cells[1..] {
            if x[i] > x[best] {
                best = i;
            }
        }
        y[yi] = x[best];
        arg[yi] = best as u32;
    });
    (y, arg)
}

/// `dx` for `dy`, routing each gradient to its window's first maximum of `x`.
pub fn max_backward(p: &PoolCase, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (_, arg) = max_forward(p, x);
    let mut dx = vec![0.0f64; p.x_len()];
    for (yi, &a) in arg.iter().enumerate() {
        dx[a as usize] += dy[yi] as f64;
    }
    dx.into_iter().map(|v| v as f32).collect()
}

/// Mean over each window's real cells.
pub fn avg_forward(p: &PoolCase, x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; p.y_len()];
    p.for_each_output(|yi, cells| {
        let sum: f64 = cells.iter().map(|&i| x[i] as f64).sum();
        y[yi] = (sum / cells.len() as f64) as f32;
    });
    y
}

/// `dx` for `dy`: each gradient shared equally among its window's real cells.
pub fn avg_backward(p: &PoolCase, dy: &[f32]) -> Vec<f32> {
    let mut dx = vec![0.0f64; p.x_len()];
    p.for_each_output(|yi, cells| {
        for &i in cells {
            dx[i] += dy[yi] as f64 / cells.len() as f64;
        }
    });
    dx.into_iter().map(|v| v as f32).collect()
}
