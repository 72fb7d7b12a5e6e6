//! conv2d kernels against the direct-loop reference on many random shapes.

mod reference;

use reference::conv2d::{self as naive, ConvCase};
use reference::{assert_close, Rng};
use simdnet_kernels::conv2d::*;
use simdnet_kernels::gemm::PACK_LEN;

fn dims(c: &ConvCase) -> Conv2dDims {
    Conv2dDims::new(
        c.batch, c.in_h, c.in_w, c.in_c, c.k_h, c.k_w, c.out_c, c.stride_h, c.stride_w, c.same,
    )
    .unwrap_or_else(|e| panic!("{:?}: {}", c, e))
}

/// A random case: odd and even sizes, strides 1..3, both paddings, kernels up to the
/// input (and beyond it under `same`).
fn random_case(rng: &mut Rng, max_batch: usize) -> ConvCase {
    let same = rng.range(0, 1) == 1;
    let (in_h, in_w) = (rng.range(1, 11), rng.range(1, 11));
    let k_max = |n: usize| if same { n + 2 } else { n };
    ConvCase {
        batch: rng.range(1, max_batch),
        in_h,
        in_w,
        in_c: rng.range(1, 17),
        k_h: rng.range(1, k_max(in_h).min(5)),
        k_w: rng.range(1, k_max(in_w).min(5)),
        out_c: rng.range(1, 17),
        stride_h: rng.range(1, 3),
        stride_w: rng.range(1, 3),
        same,
        dilation_h: 1,
        dilation_w: 1,
    }
}

/// Runs all four kernels on `d` (maybe re-chunked) and compares them with the reference.
fn check(c: &ConvCase, d: &Conv2dDims, rng: &mut Rng) {
    let what = format!("{:?} chunk_rows {} {:?}", c, d.chunk_rows(), d.method());
    let (x, w, b, dy) = (
        rng.vec(c.x_len()),
        rng.vec(c.w_len()),
        rng.vec(c.out_c),
        rng.vec(c.y_len()),
    );
    // NaN everywhere a kernel must not read before writing.
    let mut scratch = vec![f32::NAN; d.scratch_len()];
    let mut pack = vec![f32::NAN; PACK_LEN];
    let nan = |n: usize| vec![f32::NAN; n];
    let tol = |terms: usize| 2e-6 * terms as f32 + 1e-5;

    let mut y = nan(c.y_len());
    conv2d_forward(d, &x, &w, Some(&b), &mut y, &mut scratch, &mut pack);
    assert_close(
        &y,
        &naive::forward(c, &x, &w, Some(&b)),
        1e-4,
        tol(d.patch_len()),
        &format!("forward {}", what),
    );
    let mut y = nan(c.y_len());
    conv2d_forward(d, &x, &w, None, &mut y, &mut scratch, &mut pack);
    assert_close(
        &y,
        &naive::forward(c, &x, &w, None),
        1e-4,
        tol(d.patch_len()),
        &format!("forward no bias {}", what),
    );

    let mut dx = nan(c.x_len());
    conv2d_backward_input(d, &dy, &w, &mut dx, &mut scratch, &mut pack);
    let terms = c.k_h * c.k_w * c.out_c;
    assert_close(
        &dx,
        &naive::backward_input(c, &dy, &w),
        1e-4,
        tol(terms),
        &format!("backward input {}", what),
    );

    let mut dw = nan(c.w_len());
    conv2d_backward_filter(d, &x, &dy, &mut dw, &mut scratch, &mut pack);
    assert_close(
        &dw,
        &naive::backward_filter(c, &x, &dy),
        1e-4,
        tol(d.rows()),
        &format!("backward filter {}", what),
    );

    let mut db = nan(c.out_c);
    conv2d_backward_bias(d, &dy, &mut db);
    assert_close(
        &db,
        &naive::backward_bias(c, &dy),
        1e-4,
        tol(d.rows()),
        &format!("backward bias {}", what),
    );
}

#[test]
fn random_shapes_match_the_reference() {
    let mut rng = Rng::new(7);
    for _ in 0..250 {
        let c = random_case(&mut rng, 3);
        let d = dims(&c);
        check(&c, &d, &mut rng);
        // Small chunks put chunk boundaries inside images and rows.
        let rows = rng.range(1, 7);
        check(&c, &d.with_chunk_rows(rows), &mut rng);
        // Every method on every shape it takes, whichever the dispatcher picked.
        for m in [
            Method::Im2col,
            Method::Direct,
            Method::Implicit,
            Method::Winograd,
        ] {
            if let Some(other) = d.try_with_method(m).filter(|_| m != d.method()) {
                check(&c, &other, &mut rng);
                check(&c, &other.with_chunk_rows(rows), &mut rng);
            }
        }
    }
}

#[test]
fn direct_path_on_few_channels_and_wide_rows() {
    let mut rng = Rng::new(19);
    for _ in 0..120 {
        let same = rng.range(0, 1) == 1;
        let (in_h, in_w) = (rng.range(1, 9), rng.range(1, 40));
        let k_max = |n: usize| if same { n + 2 } else { n };
        let c = ConvCase {
            batch: rng.range(1, 3),
            in_h,
            in_w,
            in_c: rng.range(1, DIRECT_MAX_IN_C),
            k_h: rng.range(1, k_max(in_h).min(6)),
            k_w: rng.range(1, k_max(in_w).min(7)),
            out_c: rng.range(1, 16),
            stride_h: rng.range(1, 3),
            stride_w: rng.range(1, 4),
            same,
            dilation_h: 1,
            dilation_w: 1,
        };
        let d = dims(&c);
        let pointwise = c.k_h == 1 && c.k_w == 1 && c.stride_h == 1 && c.stride_w == 1;
        let expected = if pointwise {
            Method::Im2col
        } else if c.out_c <= DIRECT_MAX_OUT_C {
            Method::Direct
        } else if c.k_h * c.k_w == 1 || c.k_h > IMPLICIT_MAX_KERNEL || c.k_w > IMPLICIT_MAX_KERNEL {
            // A strided 1x1 (one short copy a pixel, then a plain GEMM), or a kernel larger
            // than the implicit path takes.
            Method::Im2col
        } else {
            Method::Implicit
        };
        assert_eq!(d.method(), expected, "{:?}", c);
        check(&c, &d.with_method(Method::Direct), &mut rng);
    }
}

#[test]
fn dispatcher_picks_direct_for_few_channels_then_winograd_or_implicit() {
    let pick = |in_c, out_c, k| {
        Conv2dDims::new(2, 9, 9, in_c, k, k, out_c, 1, 1, true)
            .unwrap()
            .method()
    };
    assert_eq!(pick(1, 6, 5), Method::Direct);
    assert_eq!(pick(DIRECT_MAX_IN_C, DIRECT_MAX_OUT_C, 3), Method::Direct);
    assert_eq!(pick(DIRECT_MAX_IN_C + 1, 6, 3), Method::Implicit);
    assert_eq!(pick(1, DIRECT_MAX_OUT_C + 1, 3), Method::Implicit);
    assert_eq!(pick(1, 6, 1), Method::Im2col); // pointwise: x is its own patch matrix
                                               // More taps than the implicit path segments: im2col.
    assert_eq!(pick(8, 8, 9), Method::Im2col);
    // Strided 1x1 convs gather (one short copy a pixel) and run one plain GEMM.
    let strided = Conv2dDims::new(2, 9, 9, 8, 1, 1, 8, 2, 2, true).unwrap();
    assert_eq!(strided.method(), Method::Im2col);
    assert!(strided.try_with_method(Method::Implicit).is_none());
    // 3x3 stride-1 kernels with channel counts that are multiples of 4, from 8 up, go to
    // Winograd (ResNet-20's stage layers); its first layer (3 channels) and strided 3x3
    // layers go implicit; all within the scratch budget.
    assert_eq!(pick(8, 8, 3), Method::Winograd);
    assert_eq!(pick(4, 8, 3), Method::Implicit); // fewer than MIN_CHANNELS
    assert_eq!(pick(8, 12, 3), Method::Winograd);
    // Not a multiple of 4: implicit.
    assert_eq!(pick(8, 10, 3), Method::Implicit);
    // Wide filters keep their transformed copy in scratch, up to 128 x 256 channels; wider
    // ones (and filters too large for the implicit path's pack) use im2col.
    assert_eq!(pick(128, 128, 3), Method::Winograd);
    assert_eq!(pick(128, 256, 3), Method::Winograd);
    assert_eq!(pick(256, 256, 3), Method::Im2col);
    for (hw, c, f, s, method) in [
        (32, 3, 16, 1, Method::Implicit),
        (32, 16, 16, 1, Method::Winograd),
        (32, 16, 32, 2, Method::Implicit),
        (16, 32, 32, 1, Method::Winograd),
        (8, 64, 64, 1, Method::Winograd),
    ] {
        let d = Conv2dDims::new(64, hw, hw, c, 3, 3, f, s, s, true).unwrap();
        assert_eq!(d.method(), method, "{}x{}x{} stride {}", hw, hw, c, s);
        assert!(d.scratch_len() <= SCRATCH_BUDGET);
    }
    // Winograd needs no padded copy of the image; im2col takes a strided image whose
    // padded copy would not fit the budget.
    let big = Conv2dDims::new(1, 200, 200, 32, 3, 3, 32, 1, 1, true).unwrap();
    assert_eq!(big.method(), Method::Winograd);
    let big_strided = Conv2dDims::new(1, 400, 400, 32, 3, 3, 32, 2, 2, true).unwrap();
    assert_eq!(big_strided.method(), Method::Im2col);
}

/// Winograd F(2x2, 3x3) on the shapes it takes: odd and even sizes (tiles over the edge),
/// both paddings, images smaller than a tile, 8 to 256 channels, and batches long enough
/// for several blocks of tiles (a block is 32 tiles at 64 channels, 256 at 8).
#[test]
fn winograd_matches_the_reference() {
    let mut rng = Rng::new(23);
    let mut cases = 0;
    for &(in_c, out_c) in &[
        (8, 8),
        (8, 12),
        (12, 8),
        (16, 16),
        (16, 32),
        (32, 16),
        (64, 64),
        (128, 128), // the transformed filter in scratch rather than the pack
        (96, 256),
    ] {
        for _ in 0..6 {
            let same = rng.range(0, 1) == 1;
            let min = if same { 1 } else { 3 };
            let c = ConvCase {
                batch: rng.range(1, 4),
                in_h: rng.range(min, 13),
                in_w: rng.range(min, 13),
                in_c,
                k_h: 3,
                k_w: 3,
                out_c,
                stride_h: 1,
                stride_w: 1,
                same,
                dilation_h: 1,
                dilation_w: 1,
            };
            let d = dims(&c);
            assert_eq!(d.method(), Method::Winograd, "{:?}", c);
            check(&c, &d, &mut rng);
            cases += 1;
        }
    }
    // Several blocks, the last one partial, at both ends of the channel range.
    for (batch, hw, ch) in [(3, 20, 8), (5, 8, 64), (2, 9, 64)] {
        let c = ConvCase {
            batch,
            in_h: hw,
            in_w: hw + 1,
            in_c: ch,
            k_h: 3,
            k_w: 3,
            out_c: ch,
            stride_h: 1,
            stride_w: 1,
            same: true,
            dilation_h: 1,
            dilation_w: 1,
        };
        check(&c, &dims(&c), &mut rng);
        cases += 1;
    }
    assert_eq!(cases, 57);
}

#[test]
fn with_batch_is_the_same_layer_on_fewer_images() {
    let d = Conv2dDims::new(64, 8, 9, 64, 3, 3, 32, 1, 1, true).unwrap();
    let fresh = Conv2dDims::new(5, 8, 9, 64, 3, 3, 32, 1, 1, true).unwrap();
    assert_eq!(d.with_batch(5), fresh);
    // A chosen method and chunking are picked anew, as for any new dims.
    let im2col = d.with_method(Method::Im2col).with_chunk_rows(7);
    assert_eq!(im2col.with_batch(5), fresh);
    for bad in [0, 65] {
        assert!(
            std::panic::catch_unwind(|| d.with_batch(bad)).is_err(),
            "{}",
            bad
        );
    }
}

#[test]
fn kernel_equal_to_input_one_by_one_and_large_batches() {
    let mut rng = Rng::new(11);
    let case = |batch, in_h, in_w, in_c, k_h, k_w, out_c, s, same| ConvCase {
        batch,
        in_h,
        in_w,
        in_c,
        k_h,
        k_w,
        out_c,
        stride_h: s,
        stride_w: s,
        same,
        dilation_h: 1,
        dilation_w: 1,
    };
    let cases = [
        case(2, 5, 7, 3, 5, 7, 4, 1, false), // the kernel covers the image: one output pixel
        case(3, 5, 7, 3, 5, 7, 4, 2, true),
        case(1, 1, 1, 1, 1, 1, 1, 1, false),
        case(4, 6, 5, 9, 1, 1, 17, 1, false), // pointwise: no im2col
        case(4, 6, 5, 9, 1, 1, 17, 1, true),
        case(2, 7, 7, 5, 1, 1, 3, 2, false), // 1x1 with a stride still gathers
        case(64, 4, 3, 2, 3, 2, 5, 1, true),
        case(64, 5, 5, 1, 3, 3, 2, 2, false),
        case(1, 3, 2, 2, 6, 5, 3, 1, true), // kernel larger than the input under same
        // A padded copy would exceed im2col::PADDED_IMAGE_LIMIT: zeros written per row.
        case(2, 190, 180, 2, 3, 3, 3, 1, true),
    ];
    for c in &cases {
        let d = dims(c);
        if c.in_h == 190 {
            assert_eq!(im2col::padded_image_len(&d), 0);
        }
        check(c, &d, &mut rng);
        check(c, &d.with_chunk_rows(3), &mut rng);
    }
}

#[test]
fn lenet5_layer_shapes() {
    let mut rng = Rng::new(5);
    let c1 = ConvCase {
        batch: 2,
        in_h: 28,
        in_w: 28,
        in_c: 1,
        k_h: 5,
        k_w: 5,
        out_c: 6,
        stride_h: 1,
        stride_w: 1,
        same: true,
        dilation_h: 1,
        dilation_w: 1,
    };
    let c2 = ConvCase {
        batch: 2,
        in_h: 14,
        in_w: 14,
        in_c: 6,
        k_h: 5,
        k_w: 5,
        out_c: 16,
        stride_h: 1,
        stride_w: 1,
        same: false,
        dilation_h: 1,
        dilation_w: 1,
    };
    let classic = ConvCase {
        batch: 1,
        in_h: 32,
        in_w: 32,
        in_c: 3,
        k_h: 5,
        k_w: 5,
        out_c: 6,
        stride_h: 1,
        stride_w: 1,
        same: false,
        dilation_h: 1,
        dilation_w: 1,
    };
    for c in [c1, c2, classic] {
        check(&c, &dims(&c), &mut rng);
    }
    assert_eq!((dims(&c1).out_h, dims(&c1).pad_top), (28, 2));
    assert_eq!(dims(&c1).method(), Method::Direct);
    assert_eq!(dims(&c2).method(), Method::Im2col); // 5x5: see IMPLICIT_MAX_KERNEL
    assert_eq!((dims(&c2).out_h, dims(&c2).out_w), (10, 10));
}

#[test]
fn geometry_matches_the_keras_rules() {
    for n in 1..40 {
        for f in 1..n + 6 {
            for s in 1..8 {
                for same in [false, true] {
                    let got = Conv2dDims::new(1, n, 1, 1, f, 1, 1, s, 1, same);
                    if !same && f > n {
                        assert_eq!(
                            got,
                            Err(DimsError::WindowTooLarge {
                                axis: "height",
                                window: f,
                                input: n
                            })
                        );
                        continue;
                    }
                    let d = got.unwrap();
                    assert_eq!(
                        (d.out_h, d.pad_top),
                        naive::axis(n, f, s, same),
                        "n {} f {} s {} same {}",
                        n,
                        f,
                        s,
                        same
                    );
                }
            }
        }
    }
}

#[test]
fn scratch_is_bounded_whatever_the_batch() {
    for batch in [1, 64, 10_000] {
        for (hw, c, k) in [(28, 1, 5), (14, 6, 5), (224, 64, 3), (8, 512, 7)] {
            let d = Conv2dDims::new(batch, hw, hw, c, k, k, 8, 1, 1, true).unwrap();
            let bound =
                SCRATCH_BUDGET.max(MIN_CHUNK_ROWS * d.patch_len()) + im2col::PADDED_IMAGE_LIMIT;
            assert!(
                d.scratch_len() <= bound,
                "batch {} hw {}: {} > {}",
                batch,
                hw,
                d.scratch_len(),
                bound
            );
            let im2col = d.with_method(Method::Im2col);
            let im2col_len = im2col.chunk_rows() * d.patch_len() + im2col::padded_image_len(&d);
            // The direct path shares this scratch; its own need is a few images' worth.
            if d.method() == Method::Direct {
                assert!(d.scratch_len() >= im2col_len);
            }
            assert_eq!(
                im2col.scratch_len(),
                im2col_len,
                "batch {} hw {}",
                batch,
                hw
            );
        }
    }
    // LeNet-5's layers at batch 64 run as one GEMM each under im2col; the implicit path
    // takes whole images a chunk.
    let d = Conv2dDims::new(64, 14, 14, 6, 5, 5, 16, 1, 1, false).unwrap();
    assert_eq!(d.method(), Method::Im2col);
    assert_eq!(d.chunk_rows(), d.rows());
    assert_eq!(d.with_method(Method::Implicit).chunk_rows(), 200); // two images of 100 output pixels
    assert_eq!(
        Conv2dDims::new(8, 9, 9, 4, 1, 1, 3, 1, 1, false)
            .unwrap()
            .scratch_len(),
        0
    );
}

#[test]
fn rejects_bad_dims_with_reasons() {
    let new = |v: [usize; 9], same| {
        Conv2dDims::new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], same)
    };
    assert_eq!(
        new([0, 5, 5, 1, 3, 3, 1, 1, 1], false),
        Err(DimsError::Zero("batch"))
    );
    assert_eq!(
        new([1, 5, 5, 1, 3, 3, 1, 1, 0], true),
        Err(DimsError::Zero("stride_w"))
    );
    assert_eq!(
        new([1, 5, 5, 0, 3, 3, 1, 1, 1], true),
        Err(DimsError::Zero("in_c"))
    );
    let too_wide = new([1, 5, 4, 1, 3, 5, 1, 1, 1], false).unwrap_err();
    assert_eq!(
        too_wide.to_string(),
        "window width 5 is larger than the input width 4 with valid padding"
    );
    assert_eq!(
        new([usize::MAX / 2, 2, 2, 2, 1, 1, 1, 1, 1], false),
        Err(DimsError::Overflow)
    );
    assert_eq!(
        new([1, 1, 1, 1, usize::MAX, 1, 1, 1, 1], true),
        Err(DimsError::Overflow)
    );
    assert_eq!(
        new([1, 1, 1, 1 << 40, 1, 1, 1 << 30, 1, 1], true),
        Err(DimsError::Overflow)
    );
    assert_eq!(
        DimsError::Zero("k_h").to_string(),
        "k_h is 0; expected at least 1"
    );
}

#[test]
#[should_panic]
fn short_scratch_panics() {
    let d = Conv2dDims::new(1, 5, 5, 2, 3, 3, 2, 1, 1, false).unwrap();
    let (x, w) = (vec![0.0; d.input_len()], vec![0.0; d.kernel_len()]);
    let mut y = vec![0.0; d.output_len()];
    let mut scratch = vec![0.0; d.scratch_len() - 1];
    conv2d_forward(&d, &x, &w, None, &mut y, &mut scratch, &mut [0.0; PACK_LEN]);
}

#[test]
fn dilated_shapes_match_the_reference() {
    let mut rng = Rng::new(41);
    for _ in 0..150 {
        let mut c = random_case(&mut rng, 2);
        c.dilation_h = rng.range(1, 3);
        c.dilation_w = rng.range(1, 3);
        let span = |k: usize, d: usize| (k - 1) * d + 1;
        if !c.same && (span(c.k_h, c.dilation_h) > c.in_h || span(c.k_w, c.dilation_w) > c.in_w) {
            continue;
        }
        let d = Conv2dDims::dilated(
            c.batch,
            c.in_h,
            c.in_w,
            c.in_c,
            c.k_h,
            c.k_w,
            c.out_c,
            c.stride_h,
            c.stride_w,
            c.dilation_h,
            c.dilation_w,
            c.same,
        )
        .unwrap_or_else(|e| panic!("{:?}: {}", c, e));
        assert_eq!(d.is_dilated(), c.dilation_h > 1 || c.dilation_w > 1);
        if d.is_dilated() {
            assert_eq!(d.method(), Method::Im2col, "{:?}", c);
        }
        check(&c, &d, &mut rng);
        check(&c, &d.with_chunk_rows(rng.range(1, 5)), &mut rng);
    }
}

#[test]
fn dilated_window_larger_than_input_is_refused() {
    // A 3-tap kernel with dilation 3 spans 7 cells.
    let e = Conv2dDims::dilated(1, 6, 9, 1, 3, 1, 1, 1, 1, 3, 1, false).unwrap_err();
    assert_eq!(
        e,
        DimsError::WindowTooLarge {
            axis: "height",
            window: 7,
            input: 6
        }
    );
    assert!(Conv2dDims::dilated(1, 7, 9, 1, 3, 1, 1, 1, 1, 3, 1, false).is_ok());
    assert_eq!(
        Conv2dDims::dilated(1, 7, 9, 1, 3, 1, 1, 1, 1, 0, 1, false).unwrap_err(),
        DimsError::Zero("dilation_h")
    );
}
