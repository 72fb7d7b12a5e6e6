//! Dense forward and backward against the reference sums on random shapes.

mod reference;

use reference::{assert_close, dense as naive, Rng};
use simdnet_kernels::dense::{dense_backward, dense_forward, Dense};
use simdnet_kernels::gemm::PACK_LEN;

#[test]
fn forward_and_backward_match_reference_on_random_shapes() {
    let mut rng = Rng::new(21);
    let mut pack = vec![0.0; PACK_LEN];
    for case in 0..40 {
        let batch = if case % 5 == 0 { 1 } else { rng.range(1, 33) };
        let (inputs, units) = (rng.range(1, 37), rng.range(1, 19));
        let d = Dense {
            batch,
            inputs,
            units,
        };
        let (x, w, b, dy) = (
            rng.vec(batch * inputs),
            rng.vec(inputs * units),
            rng.vec(units),
            rng.vec(batch * units),
        );
        let what = format!("batch {} inputs {} units {}", batch, inputs, units);

        for bias in [Some(&b[..]), None] {
            let mut y = vec![f32::NAN; batch * units];
            dense_forward(&d, &x, &w, bias, &mut y, &mut pack);
            assert_close(
                &y,
                &naive::forward(batch, inputs, units, &x, &w, bias),
                1e-5,
                1e-5,
                &what,
            );
        }

        let (dx_ref, dw_ref, db_ref) = naive::backward(batch, inputs, units, &x, &w, &dy);
        let (mut dx, mut dw, mut db) = (
            vec![f32::NAN; batch * inputs],
            vec![f32::NAN; inputs * units],
            vec![f32::NAN; units],
        );
        dense_backward(
            &d,
            &x,
            &w,
            &dy,
            Some(&mut dx),
            &mut dw,
            Some(&mut db),
            &mut pack,
        );
        assert_close(&dx, &dx_ref, 1e-5, 1e-5, &format!("dx, {}", what));
        assert_close(&dw, &dw_ref, 1e-5, 1e-5, &format!("dw, {}", what));
        assert_close(&db, &db_ref, 1e-5, 1e-5, &format!("db, {}", what));

        // Skipping dx and db leaves only dw written.
        let mut dw2 = vec![f32::NAN; inputs * units];
        dense_backward(&d, &x, &w, &dy, None, &mut dw2, None, &mut pack);
        assert_close(&dw2, &dw_ref, 1e-5, 1e-5, &format!("dw alone, {}", what));
    }
}
