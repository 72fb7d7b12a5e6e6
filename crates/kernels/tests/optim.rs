//! Optimizer kernels against their f64 reference twins over many steps and odd sizes,
//! plus a few values worked by hand.

mod reference;

use reference::{assert_close, optim as naive, Rng};
use simdnet_kernels::optim::{
    adam_alpha, adam_update, rmsprop_update, sgd_update, Adam, RmsProp, Sgd,
};

const SIZES: [usize; 6] = [1, 3, 4, 7, 64, 133];

/// The velocity buffer handed to an update, or none when the case runs without one.
fn velocity(buf: &mut [f32], used: bool) -> Option<&mut [f32]> {
    if used {
        Some(buf)
    } else {
        None
    }
}

#[test]
fn sgd_matches_reference_with_and_without_momentum() {
    let mut rng = Rng::new(11);
    for &n in &SIZES {
        for &(momentum, nesterov, with_velocity) in &[
            (0.0, false, false),
            (0.9, false, true),
            (0.9, true, true),
            (0.0, false, true),
        ] {
            let h = Sgd {
                lr: 0.05,
                momentum,
                nesterov,
            };
            let (mut p, mut vel) = (rng.vec(n), vec![0.0; n]);
            let (mut p_ref, mut vel_ref) = (p.clone(), vel.clone());
            for _ in 0..5 {
                let g = rng.vec(n);
                let v = velocity(&mut vel, with_velocity);
                sgd_update(&h, &mut p, &g, v);
                let v_ref = velocity(&mut vel_ref, with_velocity);
                naive::sgd(&mut p_ref, &g, v_ref, h.lr, momentum, nesterov);
            }
            assert_close(&p, &p_ref, 1e-5, 1e-6, "sgd params");
            assert_close(&vel, &vel_ref, 1e-5, 1e-6, "sgd velocity");
        }
    }
}

#[test]
fn adam_matches_reference_over_steps() {
    let mut rng = Rng::new(12);
    for &n in &SIZES {
        let h = Adam {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        };
        let (mut p, mut m, mut v) = (rng.vec(n), vec![0.0; n], vec![0.0; n]);
        let (mut p_ref, mut m_ref, mut v_ref) = (p.clone(), m.clone(), v.clone());
        for step in 1..=8 {
            let g = rng.vec(n);
            adam_update(&h, step, &mut p, &g, &mut m, &mut v);
            naive::adam(
                &mut p_ref, &g, &mut m_ref, &mut v_ref, h.lr, h.beta1, h.beta2, h.epsilon, step,
            );
        }
        assert_close(&m, &m_ref, 1e-5, 1e-7, "adam m");
        assert_close(&v, &v_ref, 1e-4, 1e-8, "adam v");
        assert_close(&p, &p_ref, 1e-5, 1e-6, "adam params");
    }
}

#[test]
fn rmsprop_matches_reference_with_and_without_momentum() {
    let mut rng = Rng::new(13);
    for &n in &SIZES {
        for &momentum in &[0.0f32, 0.5] {
            let h = RmsProp {
                lr: 0.01,
                rho: 0.9,
                momentum,
                epsilon: 1e-7,
            };
            let with_velocity = momentum > 0.0;
            let (mut p, mut ms, mut vel) = (rng.vec(n), vec![0.0; n], vec![0.0; n]);
            let (mut p_ref, mut ms_ref, mut vel_ref) = (p.clone(), ms.clone(), vel.clone());
            for _ in 0..6 {
                let g = rng.vec(n);
                let v = velocity(&mut vel, with_velocity);
                rmsprop_update(&h, &mut p, &g, &mut ms, v);
                let v_ref = velocity(&mut vel_ref, with_velocity);
                naive::rmsprop(
                    &mut p_ref,
                    &g,
                    &mut ms_ref,
                    v_ref,
                    h.lr,
                    h.rho,
                    momentum,
                    h.epsilon,
                );
            }
            assert_close(&ms, &ms_ref, 1e-5, 1e-8, "rmsprop mean square");
            assert_close(&vel, &vel_ref, 1e-5, 1e-7, "rmsprop velocity");
            assert_close(&p, &p_ref, 1e-5, 1e-6, "rmsprop params");
        }
    }
}

#[test]
fn adam_first_step_moves_each_parameter_by_about_lr() {
    // Step 1: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1, so the step is
    // lr * g / (|g| + eps / sqrt(0.001)) ~ lr * sign(g).
    let h = Adam {
        lr: 0.001,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
    };
    let (mut p, mut m, mut v) = (vec![1.0, 1.0, 1.0], vec![0.0; 3], vec![0.0; 3]);
    adam_update(&h, 1, &mut p, &[2.0, -0.5, 0.0], &mut m, &mut v);
    assert_close(&p, &[0.999, 1.001, 1.0], 0.0, 1e-6, "adam step 1");
    let expected = 0.001 * 0.001f32.sqrt() / 0.1;
    assert!((adam_alpha(&h, 1) - expected).abs() < 1e-5 * expected);
}

#[test]
fn sgd_momentum_by_hand() {
    // lr 0.1, momentum 0.9, g = 1 each step:
    // step 1: vel = -0.1, p = 1 - 0.1 = 0.9
    // step 2: vel = 0.9 * -0.1 - 0.1 = -0.19, p = 0.9 - 0.19 = 0.71
    // Nesterov, step 1: vel = -0.1, p = 1 + 0.9 * -0.1 - 0.1 = 0.81
    let h = Sgd {
        lr: 0.1,
        momentum: 0.9,
        nesterov: false,
    };
    let (mut p, mut vel) = (vec![1.0], vec![0.0]);
    sgd_update(&h, &mut p, &[1.0], Some(&mut vel));
    sgd_update(&h, &mut p, &[1.0], Some(&mut vel));
    assert_close(&p, &[0.71], 0.0, 1e-6, "sgd momentum");
    let h = Sgd {
        nesterov: true,
        ..h
    };
    let (mut p, mut vel) = (vec![1.0], vec![0.0]);
    sgd_update(&h, &mut p, &[1.0], Some(&mut vel));
    assert_close(&p, &[0.81], 0.0, 1e-6, "sgd nesterov");
}

#[test]
#[should_panic(expected = "adam_update")]
fn adam_rejects_mismatched_lengths() {
    let h = Adam {
        lr: 0.001,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
    };
    adam_update(
        &h,
        1,
        &mut [0.0; 4],
        &[0.0; 3],
        &mut [0.0; 4],
        &mut [0.0; 4],
    );
}

/// The three updates as one call each: returns whether the step was applied.
fn step_kind(kind: usize, p: &mut [f32], g: &[f32], s1: &mut [f32], s2: &mut [f32]) -> bool {
    match kind {
        0 => sgd_update(
            &Sgd {
                lr: 0.1,
                momentum: 0.0,
                nesterov: false,
            },
            p,
            g,
            None,
        ),
        1 => sgd_update(
            &Sgd {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
            },
            p,
            g,
            Some(s1),
        ),
        2 => adam_update(
            &Adam {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-7,
            },
            3,
            p,
            g,
            s1,
            s2,
        ),
        3 => rmsprop_update(
            &RmsProp {
                lr: 0.01,
                rho: 0.9,
                momentum: 0.5,
                epsilon: 1e-7,
            },
            p,
            g,
            s1,
            Some(s2),
        ),
        _ => rmsprop_update(
            &RmsProp {
                lr: 0.01,
                rho: 0.9,
                momentum: 0.0,
                epsilon: 1e-7,
            },
            p,
            g,
            s1,
            None,
        ),
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn a_step_that_would_write_a_non_finite_value_writes_nothing() {
    let mut rng = Rng::new(21);
    // One bad gradient (NaN, infinite, or so large that g * g or the step overflows) at
    // every position, SIMD body and scalar tail alike: the whole step is refused.
    for kind in 0..5 {
        for &n in &SIZES {
            for at in 0..n {
                for &bad in &[f32::NAN, f32::INFINITY, -f32::INFINITY, 3e38] {
                    let (mut p, g0) = (rng.vec(n), rng.vec(n));
                    let (mut s1, mut s2) = (rng.vec(n), rng.vec(n));
                    // Second moments and mean squares are never negative.
                    s2.iter_mut().for_each(|x| *x = x.abs());
                    if kind >= 3 {
                        s1.iter_mut().for_each(|x| *x = x.abs());
                    }
                    let mut g = g0.clone();
                    g[at] = bad;
                    let before = (bits(&p), bits(&s1), bits(&s2));
                    let applied = step_kind(kind, &mut p, &g, &mut s1, &mut s2);
                    // 3e38 is finite: plain SGD (lr 0.1) and momentum SGD take it.
                    let finite_expected = bad == 3e38 && kind <= 1;
                    assert_eq!(
                        applied, finite_expected,
                        "kind {kind} n {n} at {at} bad {bad}"
                    );
                    if !applied {
                        assert_eq!(
                            (bits(&p), bits(&s1), bits(&s2)),
                            before,
                            "kind {kind} n {n} at {at}: refused step wrote"
                        );
                    }
                    // The same step with good gradients is applied.
                    assert!(
                        step_kind(kind, &mut p, &g0, &mut s1, &mut s2),
                        "kind {kind} n {n}: good step refused"
                    );
                }
            }
        }
    }
}

#[test]
fn adam_with_a_negative_second_moment_is_refused() {
    let h = Adam {
        lr: 0.001,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
    };
    let (mut p, mut m, mut v) = (vec![0.5; 5], vec![0.0; 5], vec![0.01; 5]);
    v[4] = -1.0;
    assert!(!adam_update(&h, 1, &mut p, &[0.1; 5], &mut m, &mut v));
    assert_eq!((p, m), (vec![0.5; 5], vec![0.0; 5]));
}

#[test]
fn sgd_overflowing_parameters_are_refused() {
    let h = Sgd {
        lr: 1e10,
        momentum: 0.0,
        nesterov: false,
    };
    let mut p = vec![1.0; 7];
    assert!(!sgd_update(&h, &mut p, &[1e30; 7], None));
    assert_eq!(p, vec![1.0; 7]);
    assert!(sgd_update(&h, &mut p, &[1e-12; 7], None));
    assert_close(&p, &[0.99; 7], 1e-5, 1e-6, "sgd small step");
}
