//! Optimizer updates: one call updates `n` parameters in place from their gradients,
//! following Keras 3's `update_step` formulas operation for operation.
//!
//! Every slice of one call has the same length `n`. State slices (velocity, moments,
//! mean squares) start zeroed and belong to one parameter tensor for its whole life.
//!
//! Each update has a SIMD body (f32x4, on wasm32 with `simd128`) and a scalar twin that
//! performs the same IEEE operations in the same order (no fused multiply-add exists
//! here), so both builds give bit-identical results.
//!
//! Divergence guard: an update is applied only when every value it would write
//! (parameters and state) is finite; otherwise nothing is written and it returns false,
//! so a diverging step never poisons the weights or the optimizer state. Each update runs
//! its body twice from one source, generic over `WRITE`: first computing and checking
//! (`x - x` is 0 for a finite `x` and NaN otherwise; their sum is 0 only when all are
//! finite), then, if all is well, writing. The check pass costs about one more update
//! (a few operations per parameter), small beside the forward and backward passes.

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

/// Runs a pass `fn name<const WRITE: bool>(...) -> bool` first as a check and then, only
/// when every value it would write is finite, again writing; evaluates to whether it wrote.
/// (The writing pass tracks nothing, so it returns true.)
macro_rules! check_then_write {
    ($pass:ident($($arg:expr),* $(,)?)) => {
        $pass::<false>($($arg),*) && $pass::<true>($($arg),*)
    };
}

/// Sums `x - x` into `acc`: stays 0 while every `x` is finite, becomes NaN otherwise.
// `x - x` is the point: it is 0 only for finite x (clippy's eq_op assumes it is always 0).
#[allow(clippy::eq_op)]
#[inline(always)]
fn track(acc: &mut f32, x: f32) {
    *acc += x - x;
}

/// The one place a pass differs between its two runs: the writing run stores `x` in
/// `dst`, the checking run only tracks it in `acc`.
#[inline(always)]
fn put<const WRITE: bool>(acc: &mut f32, dst: &mut f32, x: f32) {
    if WRITE {
        *dst = x;
    } else {
        track(acc, x);
    }
}

/// One SGD step, applied only when every new parameter (and velocity) is finite;
/// returns whether it was applied (see the module doc).
///
/// Without `velocity`: `p -= g * lr` (momentum and nesterov are ignored, as Keras does
/// when momentum is 0). With it:
/// `vel = vel * momentum - g * lr`, then `p += vel`, or with Nesterov
/// `p += vel * momentum - g * lr`.
///
/// # Panics
/// When the slices differ in length.
pub fn sgd_update(
    h: &Sgd,
    params: &mut [f32],
    grads: &[f32],
    velocity: Option<&mut [f32]>,
) -> bool {
    let n = params.len();
    assert_eq!(grads.len(), n, "sgd_update: grads length");
    match velocity {
        None => check_then_write!(plain_sgd_pass(h.lr, params, grads)),
        Some(vel) => {
            assert_eq!(vel.len(), n, "sgd_update: velocity length");
            check_then_write!(momentum_sgd_pass(h, params, grads, vel))
        }
    }
}

/// Plain SGD over all of `params`: writes when `WRITE`, else only checks; true when every
/// new value is finite.
fn plain_sgd_pass<const WRITE: bool>(lr: f32, params: &mut [f32], grads: &[f32]) -> bool {
    let (done, simd_ok) = plain_sgd_simd::<WRITE>(lr, params, grads);
    let mut acc = 0.0f32;
    for (p, g) in params[done..].iter_mut().zip(&grads[done..]) {
        let np = *p - *g * lr;
        put::<WRITE>(&mut acc, p, np);
    }
    simd_ok && acc == 0.0
}

/// SGD with momentum over all of `params`, as [`plain_sgd_pass`].
fn momentum_sgd_pass<const WRITE: bool>(
    h: &Sgd,
    params: &mut [f32],
    grads: &[f32],
    vel: &mut [f32],
) -> bool {
    let (done, simd_ok) = momentum_sgd_simd::<WRITE>(h, params, grads, vel);
    let (p, g, vel) = (&mut params[done..], &grads[done..], &mut vel[done..]);
    let mut acc = 0.0f32;
    for i in 0..p.len() {
        let nv = vel[i] * h.momentum - g[i] * h.lr;
        let np = p[i]
            + if h.nesterov {
                nv * h.momentum - g[i] * h.lr
            } else {
                nv
            };
        put::<WRITE>(&mut acc, &mut vel[i], nv);
        put::<WRITE>(&mut acc, &mut p[i], np);
    }
    simd_ok && acc == 0.0
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

/// One Adam step (`step` counts updates from 1), applied only when every new parameter
/// and moment is finite; returns whether it was applied (see the module doc):
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
) -> bool {
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
    check_then_write!(adam_pass(&k, params, grads, m, v))
}

/// Adam over all of `params`: writes when `WRITE`, else only checks; true when every new
/// value is finite.
fn adam_pass<const WRITE: bool>(
    k: &AdamStep,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) -> bool {
    let (done, simd_ok) = adam_simd::<WRITE>(k, params, grads, m, v);
    let (p, g, m, v) = (
        &mut params[done..],
        &grads[done..],
        &mut m[done..],
        &mut v[done..],
    );
    let mut acc = 0.0f32;
    for i in 0..p.len() {
        let nm = m[i] + (g[i] - m[i]) * k.c1;
        let nv = v[i] + (g[i] * g[i] - v[i]) * k.c2;
        let np = p[i] - nm * k.alpha / (nv.sqrt() + k.epsilon);
        put::<WRITE>(&mut acc, &mut m[i], nm);
        put::<WRITE>(&mut acc, &mut v[i], nv);
        put::<WRITE>(&mut acc, &mut p[i], np);
    }
    simd_ok && acc == 0.0
}

/// One RMSprop step, applied only when every new parameter and state value is finite;
/// returns whether it was applied (see the module doc):
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
) -> bool {
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
    check_then_write!(rmsprop_pass(
        &k,
        with_momentum,
        params,
        grads,
        mean_square,
        vel
    ))
}

/// RMSprop over all of `params`: writes when `WRITE`, else only checks; true when every
/// new value is finite.
fn rmsprop_pass<const WRITE: bool>(
    k: &RmsPropStep,
    with_momentum: bool,
    params: &mut [f32],
    grads: &[f32],
    mean_square: &mut [f32],
    vel: &mut [f32],
) -> bool {
    let (done, simd_ok) = rmsprop_simd::<WRITE>(k, with_momentum, params, grads, mean_square, vel);
    let (p, g, ms) = (
        &mut params[done..],
        &grads[done..],
        &mut mean_square[done..],
    );
    let mut acc = 0.0f32;
    for i in 0..p.len() {
        let nms = k.rho * ms[i] + k.one_minus_rho * (g[i] * g[i]);
        let inc = k.lr * g[i] / (nms + k.epsilon).sqrt();
        let step = if with_momentum {
            k.momentum * vel[done + i] + inc
        } else {
            inc
        };
        let np = p[i] - step;
        put::<WRITE>(&mut acc, &mut ms[i], nms);
        if with_momentum {
            put::<WRITE>(&mut acc, &mut vel[done + i], step);
        }
        // Without momentum `step` is not stored: `np` is finite only when it is.
        put::<WRITE>(&mut acc, &mut p[i], np);
    }
    simd_ok && acc == 0.0
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

// SIMD bodies: each handles the leading multiple of 4 elements, writing when `WRITE` and
// otherwise only checking, and returns how many it did and whether every new value was
// finite; the scalar loops above finish the rest (all of it in scalar builds).

/// Adds `x - x` lane by lane into `acc` (see [`track`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn track4(acc: v128, x: v128) -> v128 {
    f32x4_add(acc, f32x4_sub(x, x))
}

/// [`put`] for four lanes: the writing run stores `x` at `dst`, the checking run tracks it.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn put4<const WRITE: bool>(acc: &mut v128, dst: &mut [f32], x: v128) {
    if WRITE {
        store4(dst, x);
    } else {
        *acc = track4(*acc, x);
    }
}

/// True when every lane of `acc` is still 0 (no NaN reached it).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn all_zero(acc: v128) -> bool {
    u32x4_all_true(f32x4_eq(acc, f32x4_splat(0.0)))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn plain_sgd_simd<const WRITE: bool>(lr: f32, params: &mut [f32], grads: &[f32]) -> (usize, bool) {
    let n4 = params.len() & !3;
    let lr = f32x4_splat(lr);
    let mut acc = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let p = f32x4_sub(load4(&params[i..]), f32x4_mul(load4(&grads[i..]), lr));
        put4::<WRITE>(&mut acc, &mut params[i..], p);
    }
    (n4, all_zero(acc))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn momentum_sgd_simd<const WRITE: bool>(
    h: &Sgd,
    params: &mut [f32],
    grads: &[f32],
    vel: &mut [f32],
) -> (usize, bool) {
    let n4 = params.len() & !3;
    let (lr, mom) = (f32x4_splat(h.lr), f32x4_splat(h.momentum));
    let mut acc = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let g_lr = f32x4_mul(load4(&grads[i..]), lr);
        let v = f32x4_sub(f32x4_mul(load4(&vel[i..]), mom), g_lr);
        let step = if h.nesterov {
            f32x4_sub(f32x4_mul(v, mom), g_lr)
        } else {
            v
        };
        let p = f32x4_add(load4(&params[i..]), step);
        put4::<WRITE>(&mut acc, &mut vel[i..], v);
        put4::<WRITE>(&mut acc, &mut params[i..], p);
    }
    (n4, all_zero(acc))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn adam_simd<const WRITE: bool>(
    k: &AdamStep,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) -> (usize, bool) {
    let n4 = params.len() & !3;
    let (alpha, c1, c2, eps) = (
        f32x4_splat(k.alpha),
        f32x4_splat(k.c1),
        f32x4_splat(k.c2),
        f32x4_splat(k.epsilon),
    );
    let mut acc = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let g = load4(&grads[i..]);
        let mv = load4(&m[i..]);
        let mv = f32x4_add(mv, f32x4_mul(f32x4_sub(g, mv), c1));
        let vv = load4(&v[i..]);
        let vv = f32x4_add(vv, f32x4_mul(f32x4_sub(f32x4_mul(g, g), vv), c2));
        let delta = f32x4_div(f32x4_mul(mv, alpha), f32x4_add(f32x4_sqrt(vv), eps));
        let p = f32x4_sub(load4(&params[i..]), delta);
        put4::<WRITE>(&mut acc, &mut m[i..], mv);
        put4::<WRITE>(&mut acc, &mut v[i..], vv);
        put4::<WRITE>(&mut acc, &mut params[i..], p);
    }
    (n4, all_zero(acc))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn rmsprop_simd<const WRITE: bool>(
    h: &RmsPropStep,
    with_momentum: bool,
    params: &mut [f32],
    grads: &[f32],
    ms: &mut [f32],
    vel: &mut [f32],
) -> (usize, bool) {
    let n4 = params.len() & !3;
    let (lr, rho, one_rho) = (
        f32x4_splat(h.lr),
        f32x4_splat(h.rho),
        f32x4_splat(h.one_minus_rho),
    );
    let (mom, eps) = (f32x4_splat(h.momentum), f32x4_splat(h.epsilon));
    let mut acc = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let g = load4(&grads[i..]);
        let s = f32x4_add(
            f32x4_mul(rho, load4(&ms[i..])),
            f32x4_mul(one_rho, f32x4_mul(g, g)),
        );
        let mut step = f32x4_div(f32x4_mul(lr, g), f32x4_sqrt(f32x4_add(s, eps)));
        if with_momentum {
            step = f32x4_add(f32x4_mul(mom, load4(&vel[i..])), step);
        }
        let p = f32x4_sub(load4(&params[i..]), step);
        put4::<WRITE>(&mut acc, &mut ms[i..], s);
        if with_momentum {
            put4::<WRITE>(&mut acc, &mut vel[i..], step);
        }
        put4::<WRITE>(&mut acc, &mut params[i..], p);
    }
    (n4, all_zero(acc))
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn plain_sgd_simd<const WRITE: bool>(_: f32, _: &mut [f32], _: &[f32]) -> (usize, bool) {
    (0, true)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn momentum_sgd_simd<const WRITE: bool>(
    _: &Sgd,
    _: &mut [f32],
    _: &[f32],
    _: &mut [f32],
) -> (usize, bool) {
    (0, true)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn adam_simd<const WRITE: bool>(
    _: &AdamStep,
    _: &mut [f32],
    _: &[f32],
    _: &mut [f32],
    _: &mut [f32],
) -> (usize, bool) {
    (0, true)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn rmsprop_simd<const WRITE: bool>(
    _: &RmsPropStep,
    _: bool,
    _: &mut [f32],
    _: &[f32],
    _: &mut [f32],
    _: &mut [f32],
) -> (usize, bool) {
    (0, true)
}
