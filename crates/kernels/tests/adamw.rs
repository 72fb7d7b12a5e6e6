//! Decoupled weight decay and the L1/L2 penalty against f64 twins on odd sizes, and a
//! few values worked by hand.

mod reference;

use reference::{assert_close, Rng};
use simdnet_kernels::adamw::decay_weights;
use simdnet_kernels::regularize::l1l2_penalty;

const SIZES: [usize; 7] = [0, 1, 3, 4, 7, 64, 133];

#[test]
fn decay_matches_its_formula() {
    let mut rng = Rng::new(5);
    for &n in &SIZES {
        for &(wd, lr) in &[(0.004f32, 0.001f32), (0.1, 0.5), (0.0, 0.01)] {
            let mut p = rng.vec(n);
            let expected: Vec<f32> = p
                .iter()
                .map(|&x| (f64::from(x) * (1.0 - f64::from(wd) * f64::from(lr))) as f32)
                .collect();
            decay_weights(&mut p, wd, lr);
            assert_close(&p, &expected, 1e-6, 1e-9, "decay_weights");
        }
    }
}

#[test]
fn decay_rounds_as_keras_does() {
    // Keras evaluates p - p * wd * lr left to right in f32.
    let (x, wd, lr) = (0.731f32, 0.004f32, 0.003f32);
    let mut p = [x; 5];
    decay_weights(&mut p, wd, lr);
    assert!(p
        .iter()
        .all(|&v| v.to_bits() == (x - x * wd * lr).to_bits()));
}

#[test]
fn penalty_and_gradient_match_their_formulas() {
    let mut rng = Rng::new(9);
    for &n in &SIZES {
        for &(l1, l2) in &[(0.0f32, 0.01f32), (0.02, 0.0), (0.3, 0.7)] {
            let x = rng.vec(n);
            let g0 = rng.vec(n);
            let mut g = g0.clone();
            let got = l1l2_penalty(&x, Some(&mut g), l1, l2);
            let want: f64 = x
                .iter()
                .map(|&v| {
                    f64::from(l1) * f64::from(v).abs() + f64::from(l2) * f64::from(v) * f64::from(v)
                })
                .sum();
            assert!(
                (f64::from(got) - want).abs() <= 1e-6 * want.abs() + 1e-9,
                "penalty {} vs {}",
                got,
                want
            );
            let want_g: Vec<f32> = x
                .iter()
                .zip(&g0)
                .map(|(&v, &g)| {
                    (f64::from(g) + f64::from(l1) * sign(v) + 2.0 * f64::from(l2) * f64::from(v))
                        as f32
                })
                .collect();
            assert_close(&g, &want_g, 1e-6, 1e-7, "l1l2 gradient");
            assert_eq!(
                l1l2_penalty(&x, None, l1, l2),
                got,
                "penalty without gradient"
            );
        }
    }
}

#[test]
fn penalty_by_hand_and_sign_of_zero() {
    let x = [0.0f32, -2.0, 0.5, 3.0];
    let mut g = [1.0f32; 4];
    // 0.1 * (0 + 2 + 0.5 + 3) + 0.01 * (0 + 4 + 0.25 + 9) = 0.55 + 0.1325
    let p = l1l2_penalty(&x, Some(&mut g), 0.1, 0.01);
    assert!((p - 0.6825).abs() < 1e-6);
    // sign(0) is 0, as TensorFlow's: the zero weight keeps its gradient.
    assert_close(&g, &[1.0, 0.86, 1.11, 1.16], 1e-6, 0.0, "gradient by hand");
}

fn sign(v: f32) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}
