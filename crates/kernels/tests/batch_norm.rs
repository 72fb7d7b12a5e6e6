//! Batch normalization against the f64 two-pass reference on many shapes, channel counts
//! around the kernel's block size, and data far from zero (where one-pass E[x^2] - E[x]^2
//! would lose the variance).

mod reference;

use reference::{assert_close, batch_norm as naive, Rng};
use simdnet_kernels::batch_norm::*;

#[test]
fn training_forward_backward_and_moving_update_match_the_reference() {
    let mut rng = Rng::new(3);
    for &(rows, c) in &[
        (1, 1),
        (2, 3),
        (5, 4),
        (7, 9),
        (16, 63),
        (3, 64),
        (9, 65),
        (4, 130),
        (33, 5),
    ] {
        for &(center, scale) in &[(true, true), (false, true), (true, false), (false, false)] {
            for &offset in &[0.0f32, 100.0] {
                let x: Vec<f32> = rng.vec(rows * c).iter().map(|v| v * 3.0 + offset).collect();
                let (gamma, beta, dy) = (rng.vec(c), rng.vec(c), rng.vec(rows * c));
                let (g, b) = (scale.then_some(&gamma[..]), center.then_some(&beta[..]));
                let what = format!(
                    "rows {} c {} center {} scale {} offset {}",
                    rows, c, center, scale, offset
                );
                let eps = 1e-3;
                let mut y = vec![f32::NAN; rows * c];
                let mut stats = vec![f32::NAN; 2 * c];
                batch_norm_forward_train(rows, c, eps, &x, g, b, &mut y, &mut stats);
                let s = naive::stats(rows, c, &x);
                let f = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
                assert_close(
                    &stats[..c],
                    &f(&s.mean),
                    1e-5,
                    1e-4,
                    &format!("mean {}", what),
                );
                assert_close(
                    &stats[c..],
                    &f(&s.var),
                    1e-3,
                    1e-4,
                    &format!("var {}", what),
                );
                let want = naive::normalize(rows, c, eps as f64, &x, &s.mean, &s.var, g, b);
                // One row: var is 0 and y is beta exactly; else a few ulps of 1/std.
                assert_close(&y, &want, 1e-3, 1e-3, &format!("y {}", what));

                let (mut dx, mut dg, mut db) = (
                    vec![f32::NAN; rows * c],
                    vec![f32::NAN; c],
                    vec![f32::NAN; c],
                );
                batch_norm_backward(
                    rows,
                    c,
                    eps,
                    &x,
                    &dy,
                    g,
                    &stats,
                    Some(&mut dx),
                    &mut dg,
                    &mut db,
                );
                let (dx_ref, dg_ref, db_ref) = naive::backward(rows, c, eps as f64, &x, &dy, g);
                assert_close(&db, &db_ref, 1e-5, 1e-5, &format!("dbeta {}", what));
                assert_close(&dg, &dg_ref, 1e-3, 1e-3, &format!("dgamma {}", what));
                assert_close(&dx, &dx_ref, 2e-3, 2e-3, &format!("dx {}", what));

                let (mut mm, mut mv) = (
                    rng.vec(c),
                    rng.vec(c).iter().map(|v| v.abs()).collect::<Vec<_>>(),
                );
                let (mm0, mv0) = (mm.clone(), mv.clone());
                batch_norm_update_moving(c, 0.99, &stats, &mut mm, &mut mv);
                for j in 0..c {
                    let want_m = mm0[j] * 0.99 + stats[j] * (1.0 - 0.99);
                    let want_v = mv0[j] * 0.99 + stats[c + j] * (1.0 - 0.99);
                    assert!(
                        (mm[j] - want_m).abs() <= 1e-6 * want_m.abs().max(1.0),
                        "moving mean {}",
                        what
                    );
                    assert!(
                        (mv[j] - want_v).abs() <= 1e-6 * want_v.abs().max(1.0),
                        "moving var {}",
                        what
                    );
                }
            }
        }
    }
}

#[test]
fn inference_forward_and_backward_use_the_moving_statistics() {
    let mut rng = Rng::new(8);
    for &(rows, c) in &[(1, 1), (6, 5), (3, 64), (10, 67)] {
        let x = rng.vec(rows * c);
        let (gamma, beta, dy) = (rng.vec(c), rng.vec(c), rng.vec(rows * c));
        let mm = rng.vec(c);
        let mv: Vec<f32> = rng.vec(c).iter().map(|v| v.abs() + 0.1).collect();
        let eps = 1e-3f32;
        let mut y = vec![f32::NAN; rows * c];
        batch_norm_forward_inference(
            rows,
            c,
            eps,
            &x,
            Some(&gamma),
            Some(&beta),
            &mm,
            &mv,
            &mut y,
        );
        let to64 = |v: &[f32]| v.iter().map(|&a| a as f64).collect::<Vec<_>>();
        let want = naive::normalize(
            rows,
            c,
            eps as f64,
            &x,
            &to64(&mm),
            &to64(&mv),
            Some(&gamma),
            Some(&beta),
        );
        assert_close(&y, &want, 1e-5, 1e-5, "inference y");
        let mut dx = vec![f32::NAN; rows * c];
        batch_norm_backward_inference(rows, c, eps, &dy, Some(&gamma), &mv, &mut dx);
        for i in 0..rows * c {
            let j = i % c;
            let want = dy[i] as f64 * gamma[j] as f64 / (mv[j] as f64 + eps as f64).sqrt();
            assert!(
                (dx[i] as f64 - want).abs() < 1e-5 * (1.0 + want.abs()),
                "inference dx {}",
                i
            );
        }
    }
}

#[test]
fn backward_without_dx_writes_only_the_parameter_gradients() {
    let (rows, c) = (4, 3);
    let mut rng = Rng::new(11);
    let (x, dy) = (rng.vec(rows * c), rng.vec(rows * c));
    let mut stats = vec![0.0; 2 * c];
    let mut y = vec![0.0; rows * c];
    batch_norm_forward_train(rows, c, 1e-3, &x, None, None, &mut y, &mut stats);
    let (mut dg, mut db) = (vec![f32::NAN; c], vec![f32::NAN; c]);
    batch_norm_backward(rows, c, 1e-3, &x, &dy, None, &stats, None, &mut dg, &mut db);
    assert!(dg.iter().chain(&db).all(|v| v.is_finite()));
}
