//! Weight penalties as Keras 3 defines its regularizers (keras/src/regularizers):
//! `L1L2(l1, l2)(x) = l1 * sum(|x|) + l2 * sum(x^2)` (no 1/2 on the square), with L1 and L2
//! the cases l2 = 0 and l1 = 0. Keras adds the penalty to the loss, so the gradient adds
//! `l1 * sign(x) + l2 * 2x` to the weight's gradient (TensorFlow's sign(0) is 0).
//!
//! The penalty is summed in f64 over four lanes (element `i` into lane `i % 4`, the lanes
//! added as `(0 + 1) + (2 + 3)` at the end) by a SIMD body (two f64x2 accumulators per
//! sum) and by its scalar twin alike, so both modules return the same bits; the gradient
//! is one more f32 operation sequence shared by both.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// Returns `l1 * sum(|x|) + l2 * sum(x^2)` over `params`; with `grads`, also adds
/// `l1 * sign(x) + x * (2 l2)` to each gradient (accumulating, unlike backward kernels:
/// the layer's own gradient is already there).
///
/// # Panics
/// When `grads` differs in length from `params`.
pub fn l1l2_penalty(params: &[f32], grads: Option<&mut [f32]>, l1: f32, l2: f32) -> f32 {
    let two_l2 = 2.0 * l2; // exact: doubling never rounds
    let mut no_grads: [f32; 0] = [];
    let (g, with_grads) = match grads {
        Some(g) => {
            assert_eq!(g.len(), params.len(), "l1l2_penalty: grads length");
            (g, true)
        }
        None => (&mut no_grads[..], false),
    };
    let mut sums = Sums::default();
    let done = penalty_simd(params, g, with_grads, l1, two_l2, &mut sums);
    for i in done..params.len() {
        let x = params[i];
        sums.add(i % 4, x);
        if with_grads {
            g[i] += l1 * sign(x) + x * two_l2;
        }
    }
    let (sum_abs, sum_sq) = sums.total();
    (f64::from(l1) * sum_abs + f64::from(l2) * sum_sq) as f32
}

/// Four-lane f64 sums of |x| and x^2.
#[derive(Default)]
struct Sums {
    abs: [f64; 4],
    sq: [f64; 4],
}

impl Sums {
    fn add(&mut self, lane: usize, x: f32) {
        let x = f64::from(x);
        self.abs[lane] += x.abs();
        self.sq[lane] += x * x;
    }

    fn total(&self) -> (f64, f64) {
        let (a, q) = (&self.abs, &self.sq);
        ((a[0] + a[1]) + (a[2] + a[3]), (q[0] + q[1]) + (q[2] + q[3]))
    }
}

/// 1, -1 or 0 (also for NaN, which the SIMD body's comparisons give too).
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

// The SIMD body handles the leading multiple of 4 (lanes 0..3 of each group are the
// lanes of the sums) and returns how many it did.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn penalty_simd(
    params: &[f32],
    grads: &mut [f32],
    with_grads: bool,
    l1: f32,
    two_l2: f32,
    sums: &mut Sums,
) -> usize {
    let n4 = params.len() & !3;
    let (l1, two_l2, zero) = (f32x4_splat(l1), f32x4_splat(two_l2), f32x4_splat(0.0));
    let (one, minus_one) = (f32x4_splat(1.0), f32x4_splat(-1.0));
    let (mut abs_lo, mut abs_hi) = (f64x2_splat(0.0), f64x2_splat(0.0));
    let (mut sq_lo, mut sq_hi) = (f64x2_splat(0.0), f64x2_splat(0.0));
    for i in (0..n4).step_by(4) {
        let x = load4(&params[i..]);
        let lo = f64x2_promote_low_f32x4(x);
        let hi = f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(x, x));
        abs_lo = f64x2_add(abs_lo, f64x2_abs(lo));
        abs_hi = f64x2_add(abs_hi, f64x2_abs(hi));
        sq_lo = f64x2_add(sq_lo, f64x2_mul(lo, lo));
        sq_hi = f64x2_add(sq_hi, f64x2_mul(hi, hi));
        if with_grads {
            let s = v128_or(
                v128_and(f32x4_gt(x, zero), one),
                v128_and(f32x4_lt(x, zero), minus_one),
            );
            let add = f32x4_add(f32x4_mul(l1, s), f32x4_mul(x, two_l2));
            let g = f32x4_add(load4(&grads[i..]), add);
            store4(&mut grads[i..], g);
        }
    }
    sums.abs = [
        f64x2_extract_lane::<0>(abs_lo),
        f64x2_extract_lane::<1>(abs_lo),
        f64x2_extract_lane::<0>(abs_hi),
        f64x2_extract_lane::<1>(abs_hi),
    ];
    sums.sq = [
        f64x2_extract_lane::<0>(sq_lo),
        f64x2_extract_lane::<1>(sq_lo),
        f64x2_extract_lane::<0>(sq_hi),
        f64x2_extract_lane::<1>(sq_hi),
    ];
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn penalty_simd(_: &[f32], _: &mut [f32], _: bool, _: f32, _: f32, _: &mut Sums) -> usize {
    0
}
