//! Activations against f64 references: forward values and backward through derivatives
//! written independently (in terms of x, and the full softmax Jacobian).

mod reference;

use reference::{activation as naive, assert_close, Rng};
use simdnet_kernels::activation::*;

fn scaled(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
    rng.vec(n).iter().map(|v| v * scale).collect()
}

#[test]
fn elementwise_forward_and_backward_match_reference() {
    let mut rng = Rng::new(31);
    type Forward = fn(&mut [f32]);
    type Backward = fn(&[f32], &mut [f32]);
    type Reference = fn(&[f32]) -> Vec<f32>;
    let kinds: [(&str, Forward, Backward, Reference); 3] = [
        ("relu", relu_forward, relu_backward, naive::relu),
        ("sigmoid", sigmoid_forward, sigmoid_backward, naive::sigmoid),
        ("tanh", tanh_forward, tanh_backward, naive::tanh),
    ];
    for &n in &[1usize, 3, 4, 5, 64, 257] {
        for (name, forward, backward, reference) in kinds.iter() {
            let x = scaled(&mut rng, n, 6.0);
            let dy = rng.vec(n);
            let mut y = x.clone();
            forward(&mut y);
            assert_close(
                &y,
                &reference(&x),
                2e-6,
                1e-7,
                &format!("{} forward n={}", name, n),
            );
            let mut dx = dy.clone();
            backward(&y, &mut dx);
            let dx_ref = naive::elementwise_backward(name, &x, &dy);
            assert_close(
                &dx,
                &dx_ref,
                1e-5,
                1e-6,
                &format!("{} backward n={}", name, n),
            );
        }
    }
}

#[test]
fn relu_keeps_nan_and_sigmoid_saturates() {
    let mut v = [f32::NAN, -1.0, 2.0];
    relu_forward(&mut v);
    assert!(v[0].is_nan() && v[1] == 0.0 && v[2] == 2.0);
    let mut s = [-200.0f32, 200.0];
    sigmoid_forward(&mut s);
    assert_eq!(s, [0.0, 1.0]);
}

#[test]
fn softmax_forward_and_backward_match_reference() {
    let mut rng = Rng::new(32);
    for &(rows, cols) in &[(1usize, 1usize), (1, 10), (7, 3), (64, 10), (5, 33)] {
        let x = scaled(&mut rng, rows * cols, 8.0);
        let dy = rng.vec(rows * cols);
        let mut y = x.clone();
        softmax_forward(rows, cols, &mut y);
        assert_close(
            &y,
            &naive::softmax(cols, &x),
            1e-5,
            1e-7,
            &format!("softmax {}x{}", rows, cols),
        );
        let mut dx = dy.clone();
        softmax_backward(rows, cols, &y, &mut dx);
        let dx_ref = naive::softmax_backward(cols, &x, &dy);
        assert_close(
            &dx,
            &dx_ref,
            1e-4,
            1e-6,
            &format!("softmax backward {}x{}", rows, cols),
        );
    }
}

#[test]
fn softmax_is_stable_for_huge_logits() {
    let mut x = [1e4f32, 1e4 - 1.0, -1e4];
    softmax_forward(1, 3, &mut x);
    assert_close(
        &x,
        &naive::softmax(3, &[1e4, 1e4 - 1.0, -1e4]),
        1e-6,
        1e-7,
        "huge logits",
    );
}
