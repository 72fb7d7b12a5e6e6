//! `sgemm` against its naive twin on every small shape, odd and block-crossing shapes,
//! all transposes, with and without accumulation; plus NaN-filled outputs, guard values
//! past the end of C, identities and argument checks.

mod reference;

use reference::Rng;
use simdnet_kernels::gemm::{sgemm, Gemm, PACK_LEN};

/// Floats past the end of C that must survive every call untouched.
const GUARD: usize = 9;
const GUARD_VALUE: f32 = 1234.5;

fn all_layouts() -> impl Iterator<Item = (bool, bool, bool)> {
    (0..8).map(|bits| (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0))
}

/// Runs one random case of shape `g` and checks it element by element. `pack` holds
/// whatever earlier calls (or the NaN it started as) left there.
fn check(g: Gemm, rng: &mut Rng, pack: &mut [f32]) {
    let a = rng.vec(g.m * g.k);
    let b = rng.vec(g.k * g.n);
    // When not accumulating C starts as NaN: any read of it would poison the result.
    let start = if g.accumulate {
        rng.vec(g.m * g.n)
    } else {
        vec![f32::NAN; g.m * g.n]
    };
    let mut c = start.clone();
    c.extend([GUARD_VALUE; GUARD]);
    sgemm(&g, &a, &b, &mut c, pack);

    let (want, mag) = reference::gemm::sgemm(&g, &a, &b, &start);
    for (idx, (&got, (&w, &bound))) in c.iter().zip(want.iter().zip(&mag)).enumerate() {
        // f32 accumulation of k + 1 terms: error below (k + 1) * eps * sum of |terms|.
        let tol = 1e-6 * (g.k as f64 + 2.0) * bound + 1e-30;
        let err = (f64::from(got) - w).abs();
        assert!(
            err <= tol,
            "{:?}: c[{}] = {}, expected {} (tolerance {:e})",
            g,
            idx,
            got,
            w,
            tol
        );
    }
    assert!(
        c[g.m * g.n..].iter().all(|&x| x == GUARD_VALUE),
        "{:?}: wrote past the end of C",
        g
    );
}

fn shape(m: usize, n: usize, k: usize, (trans_a, trans_b, accumulate): (bool, bool, bool)) -> Gemm {
    Gemm {
        m,
        n,
        k,
        trans_a,
        trans_b,
        accumulate,
    }
}

#[test]
fn every_shape_up_to_12() {
    let mut rng = Rng::new(1);
    let mut pack = vec![f32::NAN; PACK_LEN];
    for m in 0..=12 {
        for n in 0..=12 {
            for k in 0..=12 {
                for layout in all_layouts() {
                    check(shape(m, n, k, layout), &mut rng, &mut pack);
                }
            }
        }
    }
}

#[test]
fn odd_and_block_crossing_shapes() {
    // Shapes that leave partial tiles and partial MC/KC/NC blocks in every dimension, and
    // the long-k, small-n shapes of CNN training.
    let shapes = [
        (17, 257, 33),
        (130, 65, 129),
        (70, 260, 260),
        (9, 300, 513),
        (1, 513, 1),
        (513, 1, 3),
        (5, 3, 1100),
        (25, 6, 2000),
        (700, 6, 25),
        (64, 16, 150),
        (150, 16, 300),
    ];
    let mut rng = Rng::new(2);
    let mut pack = vec![f32::NAN; PACK_LEN];
    for &(m, n, k) in &shapes {
        for layout in all_layouts() {
            check(shape(m, n, k, layout), &mut rng, &mut pack);
        }
    }
}

#[test]
fn random_shapes() {
    let mut rng = Rng::new(3);
    let mut pack = vec![f32::NAN; PACK_LEN];
    for _ in 0..60 {
        let (m, n, k) = (rng.range(1, 140), rng.range(1, 140), rng.range(1, 300));
        let layout = (
            rng.range(0, 1) == 1,
            rng.range(0, 1) == 1,
            rng.range(0, 1) == 1,
        );
        check(shape(m, n, k, layout), &mut rng, &mut pack);
    }
}

/// The `d x d` identity.
fn identity(d: usize) -> Vec<f32> {
    let mut out = vec![0.0; d * d];
    for i in 0..d {
        out[i * d + i] = 1.0;
    }
    out
}

#[test]
fn identities_are_exact() {
    let mut rng = Rng::new(4);
    let mut pack = vec![0.0; PACK_LEN];
    for &(m, d) in &[(1, 1), (7, 9), (13, 300), (300, 13), (65, 257)] {
        let x = rng.vec(m * d);
        for &trans in &[false, true] {
            // Both sides of an identity read the same whether transposed or not.
            let mut c = vec![f32::NAN; m * d];
            let g = Gemm {
                m,
                n: d,
                k: d,
                trans_a: false,
                trans_b: trans,
                accumulate: false,
            };
            sgemm(&g, &x, &identity(d), &mut c, &mut pack);
            assert_eq!(c, x, "A * I = A for A {}x{}", m, d);

            // I * B with B = x read as [d, m] (so its transpose is again x as [m, d]).
            let mut c = vec![f32::NAN; d * m];
            let g = Gemm {
                m: d,
                n: m,
                k: d,
                trans_a: trans,
                trans_b: false,
                accumulate: false,
            };
            let xt: Vec<f32> = (0..d * m).map(|idx| x[(idx % m) * d + idx / m]).collect();
            sgemm(&g, &identity(d), &xt, &mut c, &mut pack);
            assert_eq!(c, xt, "I * B = B for B {}x{}", d, m);
        }
    }
}

#[test]
fn empty_sum_zeroes_or_keeps_c() {
    let mut pack = vec![0.0; PACK_LEN];
    let mut c = vec![f32::NAN; 6];
    sgemm(
        &shape(2, 3, 0, (false, false, false)),
        &[],
        &[],
        &mut c,
        &mut pack,
    );
    assert_eq!(c, vec![0.0; 6]);
    let mut c = vec![1.5; 6];
    sgemm(
        &shape(2, 3, 0, (true, true, true)),
        &[],
        &[],
        &mut c,
        &mut pack,
    );
    assert_eq!(c, vec![1.5; 6]);
}

/// Runs the 2x2x3 product (a and b need 6 floats, c needs 4) on zeroed buffers of the
/// given lengths, so that each short-buffer test names only the buffer it shortens.
fn sgemm_2x2x3_with_lengths(a: usize, b: usize, c: usize, pack: usize) {
    sgemm(
        &shape(2, 2, 3, (false, false, false)),
        &vec![0.0; a],
        &vec![0.0; b],
        &mut vec![0.0; c],
        &mut vec![0.0; pack],
    );
}

#[test]
#[should_panic(expected = "sgemm: a holds 5 floats, needs 6")]
fn short_a_panics() {
    sgemm_2x2x3_with_lengths(5, 6, 4, PACK_LEN);
}

#[test]
#[should_panic(expected = "sgemm: b holds 5 floats, needs 6")]
fn short_b_panics() {
    sgemm_2x2x3_with_lengths(6, 5, 4, PACK_LEN);
}

#[test]
#[should_panic(expected = "sgemm: c holds 3 floats, needs 4")]
fn short_c_panics() {
    sgemm_2x2x3_with_lengths(6, 6, 3, PACK_LEN);
}

#[test]
#[should_panic(expected = "sgemm: pack holds 1 floats")]
fn short_pack_panics() {
    sgemm_2x2x3_with_lengths(6, 6, 4, 1);
}
