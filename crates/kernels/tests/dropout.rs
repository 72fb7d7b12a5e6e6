//! Dropout: keep rate (statistically), scaling, determinism, independence from the
//! slice it is computed on, and fresh masks per step.

use simdnet_kernels::dropout::{dropout_backward, dropout_forward, keep_threshold, DropoutKey};

fn mask_of(rate: f64, seed: u32, step: u32, n: usize) -> Vec<f32> {
    let mut xy = vec![1.0; n];
    let mut mask = vec![f32::NAN; n];
    dropout_forward(rate, seed, step, &mut xy, &mut mask);
    assert_eq!(xy, mask, "x = 1 makes the output equal to the mask");
    mask
}

#[test]
fn keeps_about_one_minus_rate_and_scales_kept_values() {
    let n = 100_000;
    for &rate in &[0.1, 0.25, 0.5, 0.8] {
        let mask = mask_of(rate, 7, 3, n);
        let scale = (1.0 / (1.0 - rate)) as f32;
        assert!(mask.iter().all(|&m| m == 0.0 || m == scale));
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / n as f64;
        // Binomial standard deviation is at most 0.0016 here; allow 5 of them.
        assert!(
            (kept - (1.0 - rate)).abs() < 0.008,
            "rate {}: kept {}",
            rate,
            kept
        );
        // Inverted dropout preserves the mean.
        let mean: f64 = mask.iter().map(|&m| m as f64).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.02, "rate {}: mean {}", rate, mean);
    }
}

#[test]
fn rate_zero_keeps_everything_unscaled() {
    assert!(mask_of(0.0, 1, 1, 1000).iter().all(|&m| m == 1.0));
}

#[test]
fn same_seed_and_step_give_the_same_mask_whatever_the_length() {
    let long = mask_of(0.5, 42, 9, 1000);
    assert_eq!(mask_of(0.5, 42, 9, 1000), long);
    for &n in &[1usize, 3, 4, 5, 17, 999] {
        assert_eq!(mask_of(0.5, 42, 9, n)[..], long[..n], "n = {}", n);
    }
    // Element i depends on (seed, step, i) only.
    let key = DropoutKey::new(42, 9);
    let threshold = keep_threshold(0.5);
    for (i, &m) in long.iter().enumerate() {
        assert_eq!(m != 0.0, key.bits(i as u32) >= threshold);
    }
}

#[test]
fn masks_of_other_steps_and_seeds_look_independent() {
    let n = 100_000;
    let base = mask_of(0.5, 5, 1, n);
    for other in [mask_of(0.5, 5, 2, n), mask_of(0.5, 6, 1, n)] {
        let both = base
            .iter()
            .zip(&other)
            .filter(|(a, b)| **a != 0.0 && **b != 0.0)
            .count();
        let frac = both as f64 / n as f64;
        assert!((frac - 0.25).abs() < 0.008, "kept in both: {}", frac);
    }
}

#[test]
fn backward_multiplies_by_the_mask() {
    let mask = mask_of(0.3, 3, 4, 37);
    let mut d: Vec<f32> = (0..37).map(|i| i as f32 - 10.0).collect();
    let expected: Vec<f32> = d.iter().zip(&mask).map(|(a, b)| a * b).collect();
    dropout_backward(&mask, &mut d);
    assert_eq!(d, expected);
}

#[test]
#[should_panic(expected = "rate must lie in [0, 1)")]
fn rejects_rate_one() {
    mask_of(1.0, 1, 1, 4);
}
