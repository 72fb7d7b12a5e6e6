//! The activations of Keras 3 beyond relu/sigmoid/tanh/softmax: the clipped and leaky ReLU
//! family (relu6, `LeakyReLU`, the `ReLU` layer's options), elu and selu, swish (silu), gelu
//! and hard sigmoid.
//!
//! Forward is in place (`xy` holds `x` and becomes `y`). Backward reads the forward *input*
//! `x` (not `y`, as `activation.rs` does) and overwrites `dxy` (dL/dy) with dL/dx: swish and
//! gelu cannot be inverted from `y`, and the ReLU family with a threshold, a clip and a zero
//! slope cannot either, so one rule serves them all. A layer whose activation is applied in
//! place keeps a copy of its pre-activation output for this.
//!
//! The piecewise-linear ones (the ReLU family and hard sigmoid) have f32x4 SIMD bodies
//! beside scalar twins doing the same IEEE operations, so both builds agree bit for bit.
//! The ones built on `exp`, `tanh` or `erf` stay scalar, as `activation.rs`'s do.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::simd::{load4, store4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

/// Keras's `ReLU` with its three options (Keras 3 `activations.relu`):
///
/// ```text
/// y = min(x, max_value)          where x > threshold
/// y = slope * (x - threshold)    elsewhere
/// ```
///
/// `max_value` is `f32::INFINITY` for none. relu6 is `(6, 0, 0)`, `LeakyReLU(a)` is
/// `(inf, a, 0)`. With slope 0 the lower branch is exactly +0 (so -infinity gives 0, not
/// `0 * -inf`), as Keras's `relu`; NaN stays NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReluParams {
    pub max_value: f32,
    pub slope: f32,
    pub threshold: f32,
}

/// `y` of [`ReluParams`] for one value.
#[inline(always)]
fn relu_general(x: f32, p: &ReluParams) -> f32 {
    if x > p.threshold {
        if x < p.max_value {
            x
        } else {
            p.max_value
        }
    } else {
        below(x, p)
    }
}

/// The branch at and below the threshold: `slope * (x - threshold)`, or +0 (NaN kept)
/// when the slope is 0.
#[inline(always)]
fn below(x: f32, p: &ReluParams) -> f32 {
    if p.slope != 0.0 {
        p.slope * (x - p.threshold)
    } else if x.is_nan() {
        x
    } else {
        0.0
    }
}

/// dy/dx of [`ReluParams`]: 1 strictly between the threshold and the clip, 0 at and past
/// the clip (as TensorFlow's relu6 gradient), `slope` at and below the threshold.
#[inline(always)]
fn relu_general_slope(x: f32, p: &ReluParams) -> f32 {
    if x > p.threshold {
        if x < p.max_value {
            1.0
        } else {
            0.0
        }
    } else {
        p.slope
    }
}

/// The generalized ReLU (see [`ReluParams`]), in place.
pub fn relu_general_forward(p: &ReluParams, xy: &mut [f32]) {
    let done = relu_general_forward_simd(p, xy);
    for v in &mut xy[done..] {
        *v = relu_general(*v, p);
    }
}

/// `dx = dy * y'(x)` for [`ReluParams`].
///
/// # Panics
/// When `x` and `dxy` differ in length.
pub fn relu_general_backward(p: &ReluParams, x: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        x.len(),
        dxy.len(),
        "relu_general_backward: x and dxy lengths differ"
    );
    let done = relu_general_backward_simd(p, x, dxy);
    for (d, &x) in dxy[done..].iter_mut().zip(&x[done..]) {
        *d *= relu_general_slope(x, p);
    }
}

/// The generalized ReLU out of place: `y = f(x)` (overwritten), one pass.
///
/// # Panics
/// When `x` and `y` differ in length.
pub fn relu_general_forward_into(p: &ReluParams, x: &[f32], y: &mut [f32]) {
    assert_eq!(
        x.len(),
        y.len(),
        "relu_general_forward_into: x and y lengths differ"
    );
    let done = relu_general_forward_into_simd(p, x, y);
    for (y, &x) in y[done..].iter_mut().zip(&x[done..]) {
        *y = relu_general(x, p);
    }
}

/// `dx = dy * y'(x)` out of place (`dx` overwritten), one pass. With `from_output` the
/// slope is read off the forward *output* `v = y` instead of the input: valid for a zero
/// negative slope only (the caller's rule), where the slope is 1 exactly when
/// `0 < y < max_value` (the lower branch gives +0, the clip gives `max_value`, and the
/// range in between is `y = x > threshold >= 0`), so a layer need keep only its output.
///
/// # Panics
/// When the lengths differ, or `from_output` with a nonzero slope.
pub fn relu_general_backward_into(
    p: &ReluParams,
    from_output: bool,
    v: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) {
    assert!(
        v.len() == dx.len() && dy.len() == dx.len(),
        "relu_general_backward_into: v, dy and dx lengths differ"
    );
    assert!(
        !from_output || p.slope == 0.0,
        "relu_general_backward_into: from_output needs a zero slope"
    );
    let done = relu_general_backward_into_simd(p, from_output, v, dy, dx);
    for ((d, &g), &v) in dx[done..].iter_mut().zip(&dy[done..]).zip(&v[done..]) {
        *d = if from_output {
            if v > 0.0 && v < p.max_value {
                g
            } else {
                0.0
            }
        } else {
            g * relu_general_slope(v, p)
        };
    }
}

/// [`relu_general_backward_into`] in place: `dxy` holds dL/dy and becomes dL/dx.
///
/// # Panics
/// As [`relu_general_backward_into`].
pub fn relu_general_backward_output(p: &ReluParams, y: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        y.len(),
        dxy.len(),
        "relu_general_backward_output: y and dxy lengths differ"
    );
    assert!(
        p.slope == 0.0,
        "relu_general_backward_output: needs a zero slope"
    );
    let done = relu_backward_output_inplace_simd(p, y, dxy);
    for (d, &y) in dxy[done..].iter_mut().zip(&y[done..]) {
        if !(y > 0.0 && y < p.max_value) {
            *d = 0.0;
        }
    }
}

/// `y = a + b` (overwritten), Keras's `Add` of two tensors.
///
/// # Panics
/// When the lengths differ.
pub fn add_into(a: &[f32], b: &[f32], y: &mut [f32]) {
    assert!(
        a.len() == y.len() && b.len() == y.len(),
        "add_into: a, b and y lengths differ"
    );
    let done = add_into_simd(a, b, y);
    for ((y, &a), &b) in y[done..].iter_mut().zip(&a[done..]).zip(&b[done..]) {
        *y = a + b;
    }
}

/// `y += x` (a third input of `Add`, or a gradient summed where a tensor feeds several layers).
///
/// # Panics
/// When the lengths differ.
pub fn add_assign(y: &mut [f32], x: &[f32]) {
    assert_eq!(x.len(), y.len(), "add_assign: x and y lengths differ");
    let done = add_assign_simd(y, x);
    for (y, &x) in y[done..].iter_mut().zip(&x[done..]) {
        *y += x;
    }
}

/// The ReLU family's parameters splatted once, and its value and slope four lanes at a
/// time: what every SIMD body below computes, in place or not.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
struct ReluLanes {
    t: v128,
    m: v128,
    s: v128,
    leaky: bool,
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl ReluLanes {
    fn new(p: &ReluParams) -> ReluLanes {
        ReluLanes {
            t: f32x4_splat(p.threshold),
            m: f32x4_splat(p.max_value),
            s: f32x4_splat(p.slope),
            leaky: p.slope != 0.0,
        }
    }

    /// `relu_general` of each lane, with the same comparisons as the scalar twin: x > t
    /// picks the clipped x, else the slope.
    #[inline(always)]
    fn value(&self, x: v128) -> v128 {
        let clipped = v128_bitselect(x, self.m, f32x4_lt(x, self.m));
        let leak = if self.leaky {
            f32x4_mul(self.s, f32x4_sub(x, self.t))
        } else {
            // +0, except NaN lanes (x != x), which keep x.
            v128_and(x, f32x4_ne(x, x))
        };
        v128_bitselect(clipped, leak, f32x4_gt(x, self.t))
    }

    /// `relu_general_slope` of each lane: 1 inside (t, max), 0 at or past max, the slope
    /// at or below t.
    #[inline(always)]
    fn slope(&self, x: v128) -> v128 {
        let inside = v128_bitselect(f32x4_splat(1.0), f32x4_splat(0.0), f32x4_lt(x, self.m));
        v128_bitselect(inside, self.s, f32x4_gt(x, self.t))
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_general_forward_into_simd(p: &ReluParams, x: &[f32], y: &mut [f32]) -> usize {
    let n4 = y.len() & !3;
    let lanes = ReluLanes::new(p);
    for i in (0..n4).step_by(4) {
        store4(&mut y[i..], lanes.value(load4(&x[i..])));
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_general_backward_into_simd(
    p: &ReluParams,
    from_output: bool,
    v: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) -> usize {
    let n4 = dx.len() & !3;
    let lanes = ReluLanes::new(p);
    let zero = f32x4_splat(0.0);
    for i in (0..n4).step_by(4) {
        let x = load4(&v[i..]);
        let g = load4(&dy[i..]);
        let d = if from_output {
            v128_and(g, v128_and(f32x4_gt(x, zero), f32x4_lt(x, lanes.m)))
        } else {
            f32x4_mul(g, lanes.slope(x))
        };
        store4(&mut dx[i..], d);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_backward_output_inplace_simd(p: &ReluParams, y: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let (m, zero) = (f32x4_splat(p.max_value), f32x4_splat(0.0));
    for i in (0..n4).step_by(4) {
        let y = load4(&y[i..]);
        let keep = v128_and(f32x4_gt(y, zero), f32x4_lt(y, m));
        let d = v128_and(load4(&dxy[i..]), keep);
        store4(&mut dxy[i..], d);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn add_into_simd(a: &[f32], b: &[f32], y: &mut [f32]) -> usize {
    let n4 = y.len() & !3;
    for i in (0..n4).step_by(4) {
        store4(&mut y[i..], f32x4_add(load4(&a[i..]), load4(&b[i..])));
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn add_assign_simd(y: &mut [f32], x: &[f32]) -> usize {
    let n4 = y.len() & !3;
    for i in (0..n4).step_by(4) {
        let v = f32x4_add(load4(&y[i..]), load4(&x[i..]));
        store4(&mut y[i..], v);
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_general_forward_into_simd(_: &ReluParams, _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_general_backward_into_simd(
    _: &ReluParams,
    _: bool,
    _: &[f32],
    _: &[f32],
    _: &mut [f32],
) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_backward_output_inplace_simd(_: &ReluParams, _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn add_into_simd(_: &[f32], _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn add_assign_simd(_: &mut [f32], _: &[f32]) -> usize {
    0
}

/// Keras 3's hard sigmoid: `y = relu6(x + 3) / 6`, i.e. `clip(x / 6 + 1/2, 0, 1)` computed
/// as `min(max(x + 3, 0), 6) / 6` (TensorFlow.js's 0.2x + 0.5 is Keras 2's).
pub fn hard_sigmoid_forward(xy: &mut [f32]) {
    let done = hard_sigmoid_forward_simd(xy);
    for v in &mut xy[done..] {
        *v = hard_sigmoid(*v);
    }
}

#[inline(always)]
fn hard_sigmoid(x: f32) -> f32 {
    let t = x + 3.0;
    let t = if t > 0.0 { t } else { 0.0 };
    let t = if t < 6.0 { t } else { 6.0 };
    t / 6.0
}

/// `dx = dy / 6` where `-3 < x < 3`, else 0.
///
/// # Panics
/// When `x` and `dxy` differ in length.
pub fn hard_sigmoid_backward(x: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        x.len(),
        dxy.len(),
        "hard_sigmoid_backward: x and dxy lengths differ"
    );
    let done = hard_sigmoid_backward_simd(x, dxy);
    for (d, &x) in dxy[done..].iter_mut().zip(&x[done..]) {
        let t = x + 3.0;
        *d = if t > 0.0 && t < 6.0 { *d / 6.0 } else { 0.0 };
    }
}

/// selu's constants (Klambauer et al. 2017), as Keras 3 and TensorFlow use them.
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// See [`SELU_ALPHA`].
pub const SELU_SCALE: f32 = 1.050_701;

/// `y = scale * x` for `x > 0`, else `scale * alpha * (exp(x) - 1)`: elu is
/// `(alpha, 1)`, selu is `(SELU_ALPHA, SELU_SCALE)`.
pub fn elu_forward(alpha: f32, scale: f32, xy: &mut [f32]) {
    for v in xy {
        *v = if *v > 0.0 {
            scale * *v
        } else {
            scale * alpha * v.exp_m1()
        };
    }
}

/// `dx = dy * scale` for `x > 0`, else `dy * scale * alpha * exp(x)`.
///
/// # Panics
/// When `x` and `dxy` differ in length.
pub fn elu_backward(alpha: f32, scale: f32, x: &[f32], dxy: &mut [f32]) {
    assert_eq!(x.len(), dxy.len(), "elu_backward: x and dxy lengths differ");
    for (d, &x) in dxy.iter_mut().zip(x) {
        *d *= if x > 0.0 {
            scale
        } else {
            scale * alpha * x.exp()
        };
    }
}

/// Swish (Keras's `silu`): `y = x * sigmoid(x)`.
pub fn swish_forward(xy: &mut [f32]) {
    for v in xy {
        *v /= 1.0 + (-*v).exp();
    }
}

/// `dx = dy * s * (1 + x * (1 - s))` with `s = sigmoid(x)`.
///
/// # Panics
/// When `x` and `dxy` differ in length.
pub fn swish_backward(x: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        x.len(),
        dxy.len(),
        "swish_backward: x and dxy lengths differ"
    );
    for (d, &x) in dxy.iter_mut().zip(x) {
        let s = 1.0 / (1.0 + (-x).exp());
        *d *= s * (1.0 + x * (1.0 - s));
    }
}

const FRAC_1_SQRT_2: f64 = core::f64::consts::FRAC_1_SQRT_2;
/// `sqrt(2 / pi)`, the tanh approximation's factor.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;
/// The tanh approximation's cubic coefficient (Hendrycks and Gimpel 2016).
const GELU_CUBIC: f32 = 0.044_715;

/// GELU: exact `y = x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))` (Keras 3's default,
/// `approximate=False`), or with `approximate` the tanh form
/// `x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`.
pub fn gelu_forward(approximate: bool, xy: &mut [f32]) {
    for v in xy {
        let x = *v;
        *v = if approximate {
            let u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
            0.5 * x * (1.0 + u.tanh())
        } else {
            (0.5 * f64::from(x) * (1.0 + erf(f64::from(x) * FRAC_1_SQRT_2))) as f32
        };
    }
}

/// `dx = dy * y'(x)`: exact `Phi(x) + x * phi(x)`; approximate
/// `(1 + t)/2 + x/2 * (1 - t^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2)`, `t` the tanh above.
///
/// # Panics
/// When `x` and `dxy` differ in length.
pub fn gelu_backward(approximate: bool, x: &[f32], dxy: &mut [f32]) {
    assert_eq!(
        x.len(),
        dxy.len(),
        "gelu_backward: x and dxy lengths differ"
    );
    for (d, &x) in dxy.iter_mut().zip(x) {
        let slope = if approximate {
            let t = (SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)).tanh();
            let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x);
            0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du
        } else {
            let x = f64::from(x);
            let cdf = 0.5 * (1.0 + erf(x * FRAC_1_SQRT_2));
            let pdf =
                (-0.5 * x * x).exp() * (0.5 * core::f64::consts::FRAC_2_SQRT_PI * FRAC_1_SQRT_2);
            (cdf + x * pdf) as f32
        };
        *d *= slope;
    }
}

/// The error function in f64, to about 1e-15: its Maclaurin series below 2.5 in
/// magnitude, else `1 - erfc` with erfc's continued fraction (both converge fast there).
/// std has no stable `erf`; f64 keeps the f32 result correctly rounded almost always.
pub fn erf(x: f64) -> f64 {
    let a = x.abs();
    let r = if a < 2.5 {
        // erf(a) = 2/sqrt(pi) * sum_n (-1)^n a^(2n+1) / (n! (2n+1))
        let (mut term, mut sum, a2) = (a, a, a * a);
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= -a2 / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * core::f64::consts::FRAC_2_SQRT_PI
    } else if a < 6.0 {
        // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))
        let mut f = a;
        for k in (1..60).rev() {
            f = a + (k as f64 / 2.0) / f;
        }
        1.0 - (-a * a).exp() / (f * core::f64::consts::PI.sqrt())
    } else {
        1.0
    };
    if x.is_nan() {
        x
    } else if x < 0.0 {
        -r
    } else {
        r
    }
}

// SIMD bodies: each handles the leading multiple of 4 elements and returns how many it
// did; the scalar loops above finish the rest (all of it in scalar builds).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_general_forward_simd(p: &ReluParams, xy: &mut [f32]) -> usize {
    let n4 = xy.len() & !3;
    let lanes = ReluLanes::new(p);
    for i in (0..n4).step_by(4) {
        let v = lanes.value(load4(&xy[i..]));
        store4(&mut xy[i..], v);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn relu_general_backward_simd(p: &ReluParams, x: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let lanes = ReluLanes::new(p);
    for i in (0..n4).step_by(4) {
        let v = f32x4_mul(load4(&dxy[i..]), lanes.slope(load4(&x[i..])));
        store4(&mut dxy[i..], v);
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn hard_sigmoid_forward_simd(xy: &mut [f32]) -> usize {
    let n4 = xy.len() & !3;
    let (three, six, zero) = (f32x4_splat(3.0), f32x4_splat(6.0), f32x4_splat(0.0));
    for i in (0..n4).step_by(4) {
        let t = f32x4_add(load4(&xy[i..]), three);
        let t = v128_bitselect(t, zero, f32x4_gt(t, zero));
        let t = v128_bitselect(t, six, f32x4_lt(t, six));
        store4(&mut xy[i..], f32x4_div(t, six));
    }
    n4
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn hard_sigmoid_backward_simd(x: &[f32], dxy: &mut [f32]) -> usize {
    let n4 = dxy.len() & !3;
    let (three, six, zero) = (f32x4_splat(3.0), f32x4_splat(6.0), f32x4_splat(0.0));
    for i in (0..n4).step_by(4) {
        let t = f32x4_add(load4(&x[i..]), three);
        let keep = v128_and(f32x4_gt(t, zero), f32x4_lt(t, six));
        let d = f32x4_div(load4(&dxy[i..]), six);
        store4(&mut dxy[i..], v128_and(d, keep));
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_general_forward_simd(_: &ReluParams, _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn relu_general_backward_simd(_: &ReluParams, _: &[f32], _: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn hard_sigmoid_forward_simd(_: &mut [f32]) -> usize {
    0
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn hard_sigmoid_backward_simd(_: &[f32], _: &mut [f32]) -> usize {
    0
}

/// Keras's `Rescaling`: `y = x * scale + offset` (`y` overwritten). Its backward is the
/// same call with `offset` 0: `dx = dy * scale`.
///
/// # Panics
/// When `x` and `y` differ in length.
pub fn scale_offset(scale: f32, offset: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "scale_offset: x and y lengths differ");
    let done = scale_offset_simd(scale, offset, x, y);
    for (y, &x) in y[done..].iter_mut().zip(&x[done..]) {
        *y = x * scale + offset;
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn scale_offset_simd(scale: f32, offset: f32, x: &[f32], y: &mut [f32]) -> usize {
    let n4 = y.len() & !3;
    let (s, o) = (f32x4_splat(scale), f32x4_splat(offset));
    for i in (0..n4).step_by(4) {
        store4(&mut y[i..], f32x4_add(f32x4_mul(load4(&x[i..]), s), o));
    }
    n4
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn scale_offset_simd(_: f32, _: f32, _: &[f32], _: &mut [f32]) -> usize {
    0
}
