//! Reference twin of the `optim` kernels: the textbook forms of Keras's formulas, one
//! parameter at a time, in f64.

/// SGD: without velocity `p -= lr g`; with it `vel = momentum vel - lr g`, then
/// `p += vel` or (Nesterov) `p += momentum vel - lr g`.
pub fn sgd(
    p: &mut [f32],
    g: &[f32],
    vel: Option<&mut [f32]>,
    lr: f32,
    momentum: f32,
    nesterov: bool,
) {
    let (lr, mom) = (lr as f64, momentum as f64);
    match vel {
        None => {
            for i in 0..p.len() {
                p[i] = (p[i] as f64 - lr * g[i] as f64) as f32;
            }
        }
        Some(vel) => {
            for i in 0..p.len() {
                let v = mom * vel[i] as f64 - lr * g[i] as f64;
                let step = if nesterov {
                    mom * v - lr * g[i] as f64
                } else {
                    v
                };
                vel[i] = v as f32;
                p[i] = (p[i] as f64 + step) as f32;
            }
        }
    }
}

/// Adam at `step` (from 1): `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`.
#[allow(clippy::too_many_arguments)]
pub fn adam(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    lr: f32,
    b1: f64,
    b2: f64,
    eps: f32,
    step: u32,
) {
    let t = step as i32;
    let alpha = lr as f64 * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
    for i in 0..p.len() {
        let gi = g[i] as f64;
        let mi = b1 * m[i] as f64 + (1.0 - b1) * gi;
        let vi = b2 * v[i] as f64 + (1.0 - b2) * gi * gi;
        m[i] = mi as f32;
        v[i] = vi as f32;
        p[i] = (p[i] as f64 - alpha * mi / (vi.sqrt() + eps as f64)) as f32;
    }
}

/// RMSprop: `ms = rho ms + (1 - rho) g^2`, `inc = lr g / sqrt(ms + eps)`; with velocity
/// `vel = momentum vel + inc`, `p -= vel`, else `p -= inc`.
#[allow(clippy::too_many_arguments)]
pub fn rmsprop(
    p: &mut [f32],
    g: &[f32],
    ms: &mut [f32],
    vel: Option<&mut [f32]>,
    lr: f32,
    rho: f64,
    momentum: f32,
    eps: f32,
) {
    let (lr, mom, eps) = (lr as f64, momentum as f64, eps as f64);
    let mut vel = vel;
    for i in 0..p.len() {
        let gi = g[i] as f64;
        let s = rho * ms[i] as f64 + (1.0 - rho) * gi * gi;
        ms[i] = s as f32;
        let inc = lr * gi / (s + eps).sqrt();
        let step = match vel.as_mut() {
            Some(vel) => {
                let v = mom * vel[i] as f64 + inc;
                vel[i] = v as f32;
                v
            }
            None => inc,
        };
        p[i] = (p[i] as f64 - step) as f32;
    }
}
