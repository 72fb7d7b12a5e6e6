//! Reference twin of the depthwise kernels: the depthwise convolution as a full conv2d
//! whose kernel is zero off the diagonal blocks (input channel c feeds only outputs
//! c*M..c*M+M), run through the conv2d reference.

use super::conv2d::{self, ConvCase};

pub struct DwCase {
    pub conv: ConvCase,
    pub channels: usize,
    pub multiplier: usize,
}

impl DwCase {
    /// A depthwise case: `conv.in_c == channels`, `conv.out_c == channels * multiplier`.
    pub fn new(conv: ConvCase, multiplier: usize) -> DwCase {
        let mut conv = conv;
        let channels = conv.in_c;
        conv.out_c = channels * multiplier;
        DwCase {
            conv,
            channels,
            multiplier,
        }
    }

    pub fn w_len(&self) -> usize {
        self.conv.k_h * self.conv.k_w * self.channels * self.multiplier
    }

    /// The `[kh, kw, C, C*M]` full kernel of a `[kh, kw, C, M]` depthwise kernel.
    pub fn full_kernel(&self, w: &[f32]) -> Vec<f32> {
        let (c, m) = (self.channels, self.multiplier);
        let taps = self.conv.k_h * self.conv.k_w;
        let mut full = vec![0.0f32; taps * c * c * m];
        for t in 0..taps {
            for ci in 0..c {
                for k in 0..m {
                    full[(t * c + ci) * c * m + ci * m + k] = w[(t * c + ci) * m + k];
                }
            }
        }
        full
    }

    /// The depthwise part of a full-kernel gradient.
    pub fn diagonal(&self, full: &[f32]) -> Vec<f32> {
        let (c, m) = (self.channels, self.multiplier);
        let taps = self.conv.k_h * self.conv.k_w;
        let mut w = vec![0.0f32; taps * c * m];
        for t in 0..taps {
            for ci in 0..c {
                for k in 0..m {
                    w[(t * c + ci) * m + k] = full[(t * c + ci) * c * m + ci * m + k];
                }
            }
        }
        w
    }

    pub fn forward(&self, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
        conv2d::forward(&self.conv, x, &self.full_kernel(w), bias)
    }

    pub fn backward_input(&self, dy: &[f32], w: &[f32]) -> Vec<f32> {
        conv2d::backward_input(&self.conv, dy, &self.full_kernel(w))
    }

    pub fn backward_filter(&self, x: &[f32], dy: &[f32]) -> Vec<f32> {
        self.diagonal(&conv2d::backward_filter(&self.conv, x, dy))
    }
}
