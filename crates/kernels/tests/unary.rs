//! The Keras 3 activations of `unary` against f64 references: forward values, and backward
//! against central differences of the reference (inputs kept off the kinks).

mod reference;

use reference::{assert_close, unary as naive, Rng};
use simdnet_kernels::unary::*;

/// Inputs in [-6, 6] at least 1e-3 away from every kink the cases have (0, +-3, 6, 0.5, 2).
fn inputs(rng: &mut Rng, n: usize) -> Vec<f32> {
    let kinks = [0.0f32, -3.0, 3.0, 6.0, 0.5, 2.0];
    (0..n)
        .map(|_| loop {
            let v = rng.next_f32() * 7.0;
            if kinks.iter().all(|k| (v - k).abs() > 1e-3) {
                break v;
            }
        })
        .collect()
}

type Forward = Box<dyn Fn(&mut [f32])>;
type Backward = Box<dyn Fn(&[f32], &mut [f32])>;

fn cases() -> Vec<(&'static str, Forward, Backward)> {
    let relu = |max: f32, slope: f32, threshold: f32| ReluParams {
        max_value: max,
        slope,
        threshold,
    };
    let p6 = relu(6.0, 0.0, 0.0);
    let pl = relu(f32::INFINITY, 0.3, 0.0);
    let pg = relu(2.0, 0.25, 0.5);
    let p0 = relu(f32::INFINITY, 0.0, 0.5);
    vec![
        (
            "relu6",
            Box::new(move |v| relu_general_forward(&p6, v)),
            Box::new(move |x, d| relu_general_backward(&p6, x, d)),
        ),
        (
            "leaky:0.3",
            Box::new(move |v| relu_general_forward(&pl, v)),
            Box::new(move |x, d| relu_general_backward(&pl, x, d)),
        ),
        (
            "relu:2:0.25:0.5",
            Box::new(move |v| relu_general_forward(&pg, v)),
            Box::new(move |x, d| relu_general_backward(&pg, x, d)),
        ),
        (
            "relu:inf:0:0.5",
            Box::new(move |v| relu_general_forward(&p0, v)),
            Box::new(move |x, d| relu_general_backward(&p0, x, d)),
        ),
        (
            "elu",
            Box::new(|v| elu_forward(1.0, 1.0, v)),
            Box::new(|x, d| elu_backward(1.0, 1.0, x, d)),
        ),
        (
            "selu",
            Box::new(|v| elu_forward(SELU_ALPHA, SELU_SCALE, v)),
            Box::new(|x, d| elu_backward(SELU_ALPHA, SELU_SCALE, x, d)),
        ),
        ("swish", Box::new(swish_forward), Box::new(swish_backward)),
        (
            "gelu",
            Box::new(|v| gelu_forward(false, v)),
            Box::new(|x, d| gelu_backward(false, x, d)),
        ),
        (
            "gelu_tanh",
            Box::new(|v| gelu_forward(true, v)),
            Box::new(|x, d| gelu_backward(true, x, d)),
        ),
        (
            "hard_sigmoid",
            Box::new(hard_sigmoid_forward),
            Box::new(hard_sigmoid_backward),
        ),
    ]
}

#[test]
fn forward_and_backward_match_the_reference() {
    let mut rng = Rng::new(5);
    for (name, forward, backward) in cases() {
        for &n in &[1usize, 3, 4, 7, 64, 129] {
            let x = inputs(&mut rng, n);
            let dy = rng.vec(n);
            let mut y = x.clone();
            forward(&mut y);
            let want: Vec<f32> = x.iter().map(|&v| naive::f(name, v as f64) as f32).collect();
            assert_close(&y, &want, 2e-6, 1e-6, &format!("{} forward n={}", name, n));
            let mut dx = dy.clone();
            backward(&x, &mut dx);
            let want: Vec<f32> = x
                .iter()
                .zip(&dy)
                .map(|(&v, &g)| (naive::df(name, v as f64) * g as f64) as f32)
                .collect();
            assert_close(
                &dx,
                &want,
                1e-5,
                1e-5,
                &format!("{} backward n={}", name, n),
            );
        }
    }
}

#[test]
fn erf_matches_its_series_and_known_values() {
    for i in -600..=600 {
        let x = i as f64 / 100.0;
        let want = naive::erf(x);
        assert!(
            (erf(x) - want).abs() < 1e-10,
            "erf({}) = {}, expected {}",
            x,
            erf(x),
            want
        );
    }
    // Published values: erf(1), erfc(3), erfc(5).
    assert!((erf(1.0) - 0.842_700_792_949_714_9).abs() < 1e-15);
    assert!((1.0 - erf(3.0) - 2.209_049_699_858_544e-5).abs() < 1e-15);
    assert!((1.0 - erf(5.0) - 1.537_459_794_428_035e-12).abs() < 1e-16);
    assert_eq!(erf(40.0), 1.0);
    assert!(erf(f64::NAN).is_nan());
}

#[test]
fn edges_of_the_piecewise_ones_follow_keras() {
    let p = ReluParams {
        max_value: 6.0,
        slope: 0.0,
        threshold: 0.0,
    };
    let mut v = [f32::NAN, -1.0, 0.0, 6.0, 7.0, f32::INFINITY];
    relu_general_forward(&p, &mut v);
    assert!(v[0].is_nan());
    assert_eq!(&v[1..], &[0.0, 0.0, 6.0, 6.0, 6.0]);
    let mut h = [-3.0f32, 3.0, -100.0, 100.0, 0.0];
    hard_sigmoid_forward(&mut h);
    assert_eq!(h, [0.0, 1.0, 0.0, 1.0, 0.5]);
    let mut s = [-200.0f32, 200.0];
    swish_forward(&mut s);
    assert_eq!(s, [-0.0, 200.0]);
    let mut y = vec![0.0f32; 5];
    scale_offset(0.5, -1.0, &[0.0, 2.0, 4.0, -2.0, 1.0], &mut y);
    assert_eq!(y, [-1.0, 0.0, 1.0, -2.0, -0.5]);
}
