//! Pooling kernels against the direct-loop reference on many random shapes.

mod reference;

use reference::pool::{self as naive, PoolCase};
use reference::{assert_close, Rng};
use simdnet_kernels::conv2d::DimsError;
use simdnet_kernels::pool::*;

fn dims(p: &PoolCase) -> Pool2dDims {
    Pool2dDims::new(
        p.batch, p.in_h, p.in_w, p.channels, p.pool_h, p.pool_w, p.stride_h, p.stride_w, p.same,
    )
    .unwrap_or_else(|e| panic!("{:?}: {}", p, e))
}

fn random_case(rng: &mut Rng) -> PoolCase {
    let same = rng.range(0, 1) == 1;
    let (in_h, in_w) = (rng.range(1, 13), rng.range(1, 13));
    let p_max = |n: usize| if same { n + 2 } else { n };
    PoolCase {
        batch: rng.range(1, 3),
        in_h,
        in_w,
        channels: rng.range(1, 17),
        pool_h: rng.range(1, p_max(in_h).min(4)),
        pool_w: rng.range(1, p_max(in_w).min(4)),
        stride_h: rng.range(1, 3),
        stride_w: rng.range(1, 3),
        same,
    }
}

fn check(p: &PoolCase, rng: &mut Rng) {
    let d = dims(p);
    let what = format!("{:?}", p);
    assert_eq!(
        (d.out_h, d.out_w, d.pad_top, d.pad_left),
        p.geometry(),
        "geometry {}",
        what
    );
    let (x, dy) = (rng.vec(p.x_len()), rng.vec(p.y_len()));

    let (mut y, mut arg) = (vec![f32::NAN; p.y_len()], vec![u32::MAX; p.y_len()]);
    max_pool2d_forward(&d, &x, &mut y, &mut arg);
    let (want_y, want_arg) = naive::max_forward(p, &x);
    assert_eq!(y, want_y, "max forward {}", what);
    assert_eq!(arg, want_arg, "argmax {}", what);

    let mut dx = vec![f32::NAN; p.x_len()];
    max_pool2d_backward(&d, &dy, &arg, &mut dx).unwrap();
    assert_close(
        &dx,
        &naive::max_backward(p, &x, &dy),
        1e-5,
        1e-6,
        &format!("max backward {}", what),
    );

    let mut y = vec![f32::NAN; p.y_len()];
    avg_pool2d_forward(&d, &x, &mut y);
    assert_close(
        &y,
        &naive::avg_forward(p, &x),
        1e-5,
        1e-6,
        &format!("avg forward {}", what),
    );

    let mut dx = vec![f32::NAN; p.x_len()];
    avg_pool2d_backward(&d, &dy, &mut dx);
    assert_close(
        &dx,
        &naive::avg_backward(p, &dy),
        1e-5,
        1e-6,
        &format!("avg backward {}", what),
    );
}

#[test]
fn random_shapes_match_the_reference() {
    let mut rng = Rng::new(3);
    for _ in 0..400 {
        let p = random_case(&mut rng);
        check(&p, &mut rng);
    }
}

#[test]
fn window_equal_to_input_large_batches_and_lenet5() {
    let mut rng = Rng::new(9);
    let case = |batch, in_h, in_w, channels, pool_h, pool_w, s, same| PoolCase {
        batch,
        in_h,
        in_w,
        channels,
        pool_h,
        pool_w,
        stride_h: s,
        stride_w: s,
        same,
    };
    for p in [
        case(2, 5, 3, 7, 5, 3, 1, false), // global pooling
        case(2, 5, 3, 7, 5, 3, 2, true),
        case(64, 4, 4, 3, 2, 2, 2, false),
        case(64, 5, 5, 2, 3, 3, 1, true),    // overlapping windows
        case(3, 28, 28, 6, 2, 2, 2, false),  // LeNet-5 pool 1
        case(3, 10, 10, 16, 2, 2, 2, false), // LeNet-5 pool 2
        case(1, 3, 2, 5, 6, 5, 1, true),     // window beyond the input under same
    ] {
        check(&p, &mut rng);
    }
}

#[test]
fn the_2x2_stride_2_valid_path_and_the_general_path_match_the_reference() {
    // Valid 2x2/2 windows take the dedicated path. On an even input, `same` padding gives
    // the same windows (no padding) through the general path: both must match the
    // reference, odd sizes (a last row or column in no window) and channel counts around
    // the four-lane steps included.
    let mut rng = Rng::new(17);
    for _ in 0..300 {
        let same = rng.range(0, 1) == 1;
        let even = |n: usize| if same { 2 * n } else { n };
        let p = PoolCase {
            batch: rng.range(1, 3),
            in_h: even(rng.range(2, 11)),
            in_w: even(rng.range(2, 11)),
            channels: rng.range(1, 13),
            pool_h: 2,
            pool_w: 2,
            stride_h: 2,
            stride_w: 2,
            same,
        };
        check(&p, &mut rng);
    }
}

#[test]
fn the_2x2_path_overwrites_every_cell_of_dx() {
    // dx starts as NaN: a cell the 2x2 path neither writes nor zeroes would stay NaN.
    for (in_h, in_w) in [(4, 4), (5, 4), (4, 5), (5, 5), (3, 2)] {
        let d = Pool2dDims::new(2, in_h, in_w, 6, 2, 2, 2, 2, false).unwrap();
        let mut dx = vec![f32::NAN; d.input_len()];
        avg_pool2d_backward(&d, &vec![1.0; d.output_len()], &mut dx);
        assert!(
            dx.iter().all(|v| *v == 0.25 || *v == 0.0),
            "{}x{}",
            in_h,
            in_w
        );
    }
}

#[test]
fn padded_cells_never_win_and_ties_go_to_the_first_cell() {
    // All -inf: a padded cell (were it 0) would win; the result must stay inside the image.
    let d = Pool2dDims::new(1, 3, 3, 2, 2, 2, 2, 2, true).unwrap();
    let x = vec![f32::NEG_INFINITY; d.input_len()];
    let (mut y, mut arg) = (vec![0.0; d.output_len()], vec![0; d.output_len()]);
    max_pool2d_forward(&d, &x, &mut y, &mut arg);
    assert!(y.iter().all(|v| *v == f32::NEG_INFINITY));
    // Output (1, 1) pools input (2, 2) alone; output (0, 0) pools rows/cols 0..2.
    assert_eq!(arg, vec![0, 1, 4, 5, 12, 13, 16, 17]);
    // Equal values: the first cell (row-major) of each window.
    let x = vec![1.5; d.input_len()];
    max_pool2d_forward(&d, &x, &mut y, &mut arg);
    assert_eq!(arg, vec![0, 1, 4, 5, 12, 13, 16, 17]);
    // Average with padding: windows at the right and bottom edges have 2 and 1 real cells.
    let x: Vec<f32> = (0..d.input_len()).map(|i| i as f32).collect();
    avg_pool2d_forward(&d, &x, &mut y);
    assert_eq!(y, vec![4.0, 5.0, 7.0, 8.0, 13.0, 14.0, 16.0, 17.0]);
}

#[test]
fn bad_argmax_is_refused_before_writing() {
    let d = Pool2dDims::new(1, 4, 4, 1, 2, 2, 2, 2, false).unwrap();
    let mut dx = vec![7.0; d.input_len()];
    let err = max_pool2d_backward(&d, &[1.0; 4], &[0, 2, 16, 3], &mut dx).unwrap_err();
    assert_eq!(
        err,
        ArgmaxOutOfRange {
            position: 2,
            index: 16
        }
    );
    assert_eq!(err.to_string(), "argmax[2] is 16, outside the input");
    assert!(dx.iter().all(|v| *v == 7.0));
}

#[test]
fn rejects_bad_dims_with_reasons() {
    assert_eq!(
        Pool2dDims::new(1, 4, 4, 0, 2, 2, 2, 2, false),
        Err(DimsError::Zero("channels"))
    );
    assert_eq!(
        Pool2dDims::new(1, 4, 4, 1, 2, 0, 2, 2, false),
        Err(DimsError::Zero("pool_w"))
    );
    assert_eq!(
        Pool2dDims::new(1, 4, 4, 1, 5, 2, 2, 2, false),
        Err(DimsError::WindowTooLarge {
            axis: "height",
            window: 5,
            input: 4
        })
    );
    assert!(Pool2dDims::new(1, 4, 4, 1, 5, 2, 2, 2, true).is_ok());
    if usize::BITS > 32 {
        // Arg-max values are u32: larger inputs cannot be pooled.
        assert_eq!(
            Pool2dDims::new(1 << 20, 64, 64, 2, 2, 2, 2, 2, false),
            Err(DimsError::Overflow)
        );
    }
}
