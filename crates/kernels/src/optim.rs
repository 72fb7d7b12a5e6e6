//! Optimizer updates: one call updates `n` parameters in place from their gradients,
//! following Keras 3's `update_step` formulas operation for operation.
//!
//! Every slice of one call has the same length `n`. State slices (velocity, moments,
//! mean squares) start zeroed and belong to one parameter tensor for its whole life.
//!
//! Each update has a SIMD body (f32x4, on wasm32 with `simd128`) and a scalar twin that
//! performs the same IEEE operations in the same order (no fused multiply-add exists
//! here), so both builds give bit-identical results.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// Stochastic gradient descent with optional (Nesterov) momentum, as Keras `SGD`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    pub lr: f32,
    pub momentum: f32,
    pub nesterov: bool,
}

/// Adam, as Keras `Adam` (without amsgrad).
///
/// The decay rates are f64 because Keras forms `1 - beta` in double precision (Python
/// floats) before it meets f32 tensors, while its bias correction uses the betas as f32
/// tensors; keeping the doubles lets this kernel round as Keras does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    pub lr: f32,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f32,
}

/// RMSprop, as Keras `RMSprop` (not centered). `rho` is f64 for the reason given at
/// [`Adam`]: Keras scales by `rho` and by `1 - rho`, each rounded from a double.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsProp {
    pub lr: f32,
    pub rho: f64,
    pub momentum: f32,
    pub epsilon: f32,
}

/// One SGD step.
///
/// Without `velocity`: `p -= g * lr` (momentum and nesterov are ignored, as Keras does
/// when momentum is 0). With it:
/// `vel = vel * momentum - g * lr`, then `p += vel`, or with Nesterov
/// `p += vel * momentum - g * lr`.
///
/// # Panics
/// When the slices differ in length.
pub fn sgd_update(h: &Sgd, params: &mut [f32], grads: &[f32], velocity: Option<&mut [f32]>) {
    let n = params.len();
    assert_eq!(grads.len(), n, "sgd_update: grads length");
    match velocity {
        None => {
            let done = plain_sgd_simd(h.lr, params, grads);
            for (p, g) in params[done..].iter_mut().zip(&grads[done..]) {
                *p -= *g * h.lr;
            }
        }
        Some(vel) => {
            assert_eq!(vel.len(), n, "sgd_update: velocity length");
            let done = momentum_sgd_simd(h, params, grads, vel);
            let (p, g, vel) = (&mut params[done..], &grads[done..], &mut vel[done..]);
            for i in 0..p.len() {
                vel[i] = vel[i] * h.momentum - g[i] * h.lr;
                p[i] += if h.nesterov {
                    vel[i] * h.momentum - g[i] * h.lr
                } else {
                    vel[i]
                };
            }
        }
    }
}

/// The bias-corrected step size of Adam at `step` (1 for the first update):
/// `alpha = lr * sqrt(1 - beta2^step) / (1 - beta1^step)`, from the betas rounded to
/// f32 (as Keras holds them there), computed in f64.
pub fn adam_alpha(h: &Adam, step: u32) -> f32 {
    let t = f64::from(step);
    let b1t = f64::from(h.beta1 as f32).powf(t);
    let b2t = f64::from(h.beta2 as f32).powf(t);
    (f64::from(h.lr) * (1.0 - b2t).sqrt() / (1.0 - b1t)) as f32
}

/// One Adam step (`step` counts updates from 1):
/// `m += (g - m)(1 - beta1)`, `v += (g^2 - v)(1 - beta2)`,
/// `p -= m * alpha / (sqrt(v) + epsilon)` with `alpha` from [`adam_alpha`].
///
/// # Panics
/// When the slices differ in length.
pub fn adam_update(
    h: &Adam,
    step: u32,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) {
    let n = params.len();
    assert!(
        grads.len() == n && m.len() == n && v.len() == n,
        "adam_update: slice lengths differ"
    );
    let k = AdamStep {
        alpha: adam_alpha(h, step),
        c1: (1.0 - h.beta1) as f32,
        c2: (1.0 - h.beta2) as f32,
        epsilon: h.epsilon,
    };
    let done = adam_simd(&k, params, grads, m, v);
    let (p, g, m, v) = (
        &mut params[done..],
        &grads[done..],
        &mut m[done..],
        &mut v[done..],
    );
    for i in 0..p.len() {
        m[i] += (g[i] - m[i]) * k.c1;
        v[i] += (g[i] * g[i] - v[i]) * k.c2;
        p[i] -= m[i] * k.alpha / (v[i].sqrt() + k.epsilon);
    }
}

/// One RMSprop step:
/// `ms = rho ms + (1 - rho) g^2`, `inc = lr g / sqrt(ms + epsilon)`; then with
/// `velocity`: `vel = momentum vel + inc`, `p -= vel`; without: `p -= inc`.
///
/// # Panics
/// When the slices differ in length.
pub fn rmsprop_update(
    h: &RmsProp,
    params: &mut [f32],
    grads: &[f32],
    mean_square: &mut [f32],
    velocity: Option<&mut [f32]>,
) {
    let n = params.len();
    assert!(
        grads.len() == n && mean_square.len() == n,
        "rmsprop_update: slice lengths differ"
    );
    let mut no_velocity: [f32; 0] = [];
    let (vel, with_momentum) = match velocity {
        Some(vel) => {
            assert_eq!(vel.len(), n, "rmsprop_update: velocity length");
            (vel, true)
        }
        None => (&mut no_velocity[..], false),
    };
    let k = RmsPropStep {
        lr: h.lr,
        rho: h.rho as f32,
        one_minus_rho: (1.0 - h.rho) as f32,
        momentum: h.momentum,
        epsilon: h.epsilon,
    };
    let done = rmsprop_simd(&k, with_momentum, params, grads, mean_square, vel);
    let (p, g, ms) = (
        &mut params[done..],
        &grads[done..],
        &mut mean_square[done..],
    );
    for i in 0..p.len() {
        ms[i] = k.rho * ms[i] + k.one_minus_rho * (g[i] * g[i]);
        let inc = k.lr * g[i] / (ms[i] + k.epsilon).sqrt();
        if with_momentum {
            let vel = &mut vel[done + i];
            *vel = k.momentum * *vel + inc;
            p[i] -= *vel;
        } else {
            p[i] -= inc;
        }
    }
}

/// Adam's per-step constants.
struct AdamStep {
    alpha: f32,
    c1: f32,
    c2: f32,
    epsilon: f32,
}

/// RMSprop's constants, each rounded to f32 once.
struct RmsPropStep {
    lr: f32,
    rho: f32,
    one_minus_rho: f32,
    momentum: f32,
    epsilon: f32,
}

// SIMD bodies: each handles the leading multiple of 4 elements and returns how many it
// did; the scalar loops above finish the rest (all of it in scalar builds).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn plain_sgd_simd(lr: f32, params: &mut [f32], grads: &[f32]) -> usize {
    let n4 = params.len() & !3;
    let lr = f32x4_splat(lr);
    for i in (0..n4).step_by(4) {
        let p = f32x4_sub(load4(&params[i..]), f32x4_mul(load4(&grads[i..]), lr));
        store4(&mut params[i..], p);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn momentum_sgd_simd(h: &Sgd, params: &mut [f32], grads: &[f32], vel: &mut [f32]) -> usize {
    let n4 = params.len() & !3;
    let (lr, mom) = (f32x4_splat(h.lr), f32x4_splat(h.momentum));
    for i in (0..n4).step_by(4) {
        let g_lr = f32x4_mul(load4(&grads[i..]), lr);
        let v = f32x4_sub(f32x4_mul(load4(&vel[i..]), mom), g_lr);
        let step = if h.nesterov {
            f32x4_sub(f32x4_mul(v, mom), g_lr)
        } else {
            v
        };
        store4(&mut vel[i..], v);
        let p = f32x4_add(load4(&params[i..]), step);
        store4(&mut params[i..], p);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn adam_simd(
    k: &AdamStep,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) -> usize {
    let n4 = params.len() & !3;
    let (alpha, c1, c2, eps) = (
        f32x4_splat(k.alpha),
        f32x4_splat(k.c1),
        f32x4_splat(k.c2),
        f32x4_splat(k.epsilon),
    );
    for i in (0..n4).step_by(4) {
        let g = load4(&grads[i..]);
        let mv = load4(&m[i..]);
        let mv = f32x4_add(mv, f32x4_mul(f32x4_sub(g, mv), c1));
        let vv = load4(&v[i..]);
        let vv = f32x4_add(vv, f32x4_mul(f32x4_sub(f32x4_mul(g, g), vv), c2));
        let delta = f32x4_div(f32x4_mul(mv, alpha), f32x4_add(f32x4_sqrt(vv), eps));
        store4(&mut m[i..], mv);
        store4(&mut v[i..], vv);
        let p = f32x4_sub(load4(&params[i..]), delta);
        store4(&mut params[i..], p);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn rmsprop_simd(
    h: &RmsPropStep,
    with_momentum: bool,
    params: &mut [f32],
    grads: &[f32],
    ms: &mut [f32],
    vel: &mut [f32],
) -> usize {
    let n4 = params.len() & !3;
    let (lr, rho, one_rho) = (
        f32x4_splat(h.lr),
        f32x4_splat(h.rho),
        f32x4_splat(h.one_minus_rho),
    );
    let (mom, eps) = (f32x4_splat(h.momentum), f32x4_splat(h.epsilon));
    for i in (0..n4).step_by(4) {
        let g = load4(&grads[i..]);
        let s = f32x4_add(
            f32x4_mul(rho, load4(&ms[i..])),
            f32x4_mul(one_rho, f32x4_mul(g, g)),
        );
        store4(&mut ms[i..], s);
        let mut step = f32x4_div(f32x4_mul(lr, g), f32x4_sqrt(f32x4_add(s, eps)));
        if with_momentum {
            step = f32x4_add(f32x4_mul(mom, load4(&vel[i..])), step);
            store4(&mut vel[i..], step);
        }
        let p = f32x4_sub(load4(&params[i..]), step);
        store4(&mut params[i..], p);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn plain_sgd_simd(_: f32, _: &mut [f32], _: &[f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn momentum_sgd_simd(_: &Sgd, _: &mut [f32], _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn adam_simd(_: &AdamStep, _: &mut [f32], _: &[f32], _: &mut [f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn rmsprop_simd(
    _: &RmsPropStep,
    _: bool,
    _: &mut [f32],
    _: &[f32],
    _: &mut [f32],
    _: &mut [f32],
) -> usize {
    0
}
