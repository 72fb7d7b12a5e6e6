//! Reference twins of the `unary` activations, in f64, with derivatives written from the
//! definitions (not from the kernel's formulas): central differences of the f64 forward
//! for the smooth ones.

/// The Keras 3 activation `name` at `x`: "relu6", "leaky:<slope>", "relu:<max>:<slope>:<t>"
/// (max "inf" for none), "elu", "selu", "swish", "gelu", "gelu_tanh", "hard_sigmoid".
pub fn f(name: &str, x: f64) -> f64 {
    let parts: Vec<&str> = name.split(':').collect();
    match parts[0] {
        "relu6" => x.clamp(0.0, 6.0),
        "leaky" => {
            let a: f64 = parts[1].parse().unwrap();
            if x > 0.0 {
                x
            } else {
                a * x
            }
        }
        "relu" => {
            let max: f64 = parts[1].parse().unwrap();
            let slope: f64 = parts[2].parse().unwrap();
            let t: f64 = parts[3].parse().unwrap();
            // Keras 3's ReLU.static_call, step by step.
            let mut y = if x > t { x } else { 0.0 };
            y = y.max(0.0).min(max);
            y - slope * (t - x).max(0.0)
        }
        "elu" => {
            if x > 0.0 {
                x
            } else {
                x.exp() - 1.0
            }
        }
        "selu" => {
            let (alpha, scale) = (1.6732632423543772, 1.0507009873554805);
            scale * if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
        }
        "swish" => x / (1.0 + (-x).exp()),
        "gelu" => 0.5 * x * (1.0 + erf(x / 2f64.sqrt())),
        "gelu_tanh" => {
            let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3));
            0.5 * x * (1.0 + u.tanh())
        }
        "hard_sigmoid" => (x + 3.0).clamp(0.0, 6.0) / 6.0,
        _ => panic!("unknown activation {}", name),
    }
}

/// dy/dx by a central difference of [`f`] (callers keep `x` away from kinks).
pub fn df(name: &str, x: f64) -> f64 {
    if name == "gelu" {
        // Phi(x) + x phi(x), from the definition: erf's finite differences would magnify
        // its reference's error far out in the tails.
        let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        return 0.5 * (1.0 + erf(x / 2f64.sqrt())) + x * pdf;
    }
    let h = 1e-6;
    (f(name, x + h) - f(name, x - h)) / (2.0 * h)
}

/// erf: its Taylor series below 3 in magnitude, else one minus erfc as Simpson's rule
/// over `2/sqrt(pi) * exp(-t^2)` from |x| to |x| + 8 (the rest is below 1e-40).
pub fn erf(x: f64) -> f64 {
    let a = x.abs();
    if a < 3.0 {
        return erf_series(x);
    }
    let (steps, h) = (4000, 8.0 / 4000.0);
    let g = |t: f64| (-t * t).exp();
    let mut sum = g(a) + g(a + 8.0);
    for i in 1..steps {
        sum += g(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    let erfc = sum * h / 3.0 * 2.0 / std::f64::consts::PI.sqrt();
    x.signum() * (1.0 - erfc)
}

/// erf by its Taylor series alone (slow to converge past 3, fine in f64 for test inputs).
pub fn erf_series(x: f64) -> f64 {
    let mut sum = 0.0;
    let mut term = x; // x^(2n+1) (-1)^n / n!
    for n in 0..200 {
        sum += term / (2 * n + 1) as f64;
        term *= -x * x / (n + 1) as f64;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}
