//! Reference twin of the `conv2d` kernels: the defining sums as direct loops, in f64, with
//! their own Keras output-size and padding arithmetic.

/// A conv2d configuration as a layer states it.
#[derive(Clone, Copy, Debug)]
pub struct ConvCase {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub out_c: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub same: bool,
    /// Spacing of the kernel taps (1: adjacent).
    pub dilation_h: usize,
    pub dilation_w: usize,
}

/// `(out, pad_before)` of one axis, written from the Keras rules independently of the
/// kernel crate: valid `floor((n - f) / s) + 1`; same `ceil(n / s)` with
/// `max((out - 1) * s + f - n, 0)` padding, the smaller half first.
pub fn axis(n: usize, f: usize, s: usize, same: bool) -> (usize, usize) {
    if same {
        let out = (n as f64 / s as f64).ceil() as usize;
        let total = ((out as i64 - 1) * s as i64 + f as i64 - n as i64).max(0) as usize;
        (out, total / 2)
    } else {
        ((n - f) / s + 1, 0)
    }
}

impl ConvCase {
    /// `(out_h, out_w, pad_top, pad_left)`.
    pub fn geometry(&self) -> (usize, usize, usize, usize) {
        // A dilated window spans (k - 1) * dilation + 1 cells.
        let span_h = (self.k_h - 1) * self.dilation_h + 1;
        let span_w = (self.k_w - 1) * self.dilation_w + 1;
        let (oh, pt) = axis(self.in_h, span_h, self.stride_h, self.same);
        let (ow, pl) = axis(self.in_w, span_w, self.stride_w, self.same);
        (oh, ow, pt, pl)
    }

    pub fn x_len(&self) -> usize {
        self.batch * self.in_h * self.in_w * self.in_c
    }

    pub fn w_len(&self) -> usize {
        self.k_h * self.k_w * self.in_c * self.out_c
    }

    pub fn y_len(&self) -> usize {
        let (oh, ow, _, _) = self.geometry();
        self.batch * oh * ow * self.out_c
    }

    /// Calls `f(x_index, w_index, y_index)` for every product term of the convolution.
    fn for_each_term(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (oh_n, ow_n, pt, pl) = self.geometry();
        for n in 0..self.batch {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    for co in 0..self.out_c {
                        let yi = ((n * oh_n + oh) * ow_n + ow) * self.out_c + co;
                        for kh in 0..self.k_h {
                            for kw in 0..self.k_w {
                                let ih =
                                    (oh * self.stride_h + kh * self.dilation_h) as i64 - pt as i64;
                                let iw =
                                    (ow * self.stride_w + kw * self.dilation_w) as i64 - pl as i64;
                                if ih < 0
                                    || iw < 0
                                    || ih >= self.in_h as i64
                                    || iw >= self.in_w as i64
                                {
                                    continue;
                                }
                                for ci in 0..self.in_c {
                                    let xi = ((n * self.in_h + ih as usize) * self.in_w
                                        + iw as usize)
                                        * self.in_c
                                        + ci;
                                    let wi =
                                        ((kh * self.k_w + kw) * self.in_c + ci) * self.out_c + co;
                                    f(xi, wi, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn to_f32(v: Vec<f64>) -> Vec<f32> {
    v.into_iter().map(|a| a as f32).collect()
}

/// `y = conv(x, w) + bias`.
pub fn forward(c: &ConvCase, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let mut y = vec![0.0f64; c.y_len()];
    if let Some(b) = bias {
        for (i, v) in y.iter_mut().enumerate() {
            *v = b[i % c.out_c] as f64;
        }
    }
    c.for_each_term(|xi, wi, yi| y[yi] += x[xi] as f64 * w[wi] as f64);
    to_f32(y)
}

/// `dx` for output gradient `dy`.
pub fn backward_input(c: &ConvCase, dy: &[f32], w: &[f32]) -> Vec<f32> {
    let mut dx = vec![0.0f64; c.x_len()];
    c.for_each_term(|xi, wi, yi| dx[xi] += dy[yi] as f64 * w[wi] as f64);
    to_f32(dx)
}

/// `dw` for output gradient `dy`.
pub fn backward_filter(c: &ConvCase, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let mut dw = vec![0.0f64; c.w_len()];
    c.for_each_term(|xi, wi, yi| dw[wi] += x[xi] as f64 * dy[yi] as f64);
    to_f32(dw)
}

/// `db` for output gradient `dy`.
pub fn backward_bias(c: &ConvCase, dy: &[f32]) -> Vec<f32> {
    let mut db = vec![0.0f64; c.out_c];
    for (i, g) in dy.iter().enumerate() {
        db[i % c.out_c] += *g as f64;
    }
    to_f32(db)
}
