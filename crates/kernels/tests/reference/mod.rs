//! Naive reference twins of the kernels, written for clarity, not speed, plus test data
//! helpers. Each integration test includes this module with `mod reference;`.
#![allow(dead_code)]

pub mod activation;
pub mod batch_norm;
pub mod conv2d;
pub mod dense;
pub mod depthwise;
pub mod gemm;
pub mod loss;
pub mod optim;
pub mod pool;
pub mod unary;

/// A tiny seeded generator (xorshift32) for reproducible test data.
pub struct Rng(u32);

impl Rng {
    pub fn new(seed: u32) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Uniform in [-1, 1).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }

    /// Uniform integer in [lo, hi].
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u32() as usize) % (hi - lo + 1)
    }

    pub fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next_f32()).collect()
    }
}

/// Asserts `|a - b| <= atol + rtol * |b|` elementwise, naming the first bad index.
pub fn assert_close(a: &[f32], b: &[f32], rtol: f32, atol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{}: lengths differ", what);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let ok = (x - y).abs() <= atol + rtol * y.abs();
        assert!(ok, "{}: element {} is {}, expected {}", what, i, x, y);
    }
}
