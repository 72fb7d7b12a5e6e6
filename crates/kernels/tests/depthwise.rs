//! Depthwise convolution against the conv2d reference with a block-diagonal kernel, on
//! random shapes: multipliers 1 to 3, strides, dilations (also both above 1, as Keras 3
//! allows here), both paddings.

mod reference;

use reference::conv2d::{self as conv_ref, ConvCase};
use reference::depthwise::DwCase;
use reference::{assert_close, Rng};
use simdnet_kernels::depthwise::*;

fn random_case(rng: &mut Rng) -> Option<(DwCase, DepthwiseDims)> {
    let same = rng.range(0, 1) == 1;
    let conv = ConvCase {
        batch: rng.range(1, 3),
        in_h: rng.range(1, 10),
        in_w: rng.range(1, 10),
        in_c: rng.range(1, 13),
        k_h: rng.range(1, 4),
        k_w: rng.range(1, 4),
        out_c: 0,
        stride_h: rng.range(1, 3),
        stride_w: rng.range(1, 3),
        same,
        dilation_h: rng.range(1, 3),
        dilation_w: rng.range(1, 3),
    };
    let c = DwCase::new(conv, rng.range(1, 3));
    let cv = &c.conv;
    let d = DepthwiseDims::new(
        cv.batch,
        cv.in_h,
        cv.in_w,
        c.channels,
        cv.k_h,
        cv.k_w,
        c.multiplier,
        cv.stride_h,
        cv.stride_w,
        cv.dilation_h,
        cv.dilation_w,
        same,
    )
    .ok()?;
    Some((c, d))
}

#[test]
fn random_shapes_match_the_reference() {
    let mut rng = Rng::new(23);
    let mut checked = 0;
    while checked < 300 {
        let Some((c, d)) = random_case(&mut rng) else {
            continue;
        };
        checked += 1;
        let what = format!("{:?}", d);
        let (oh, ow, _, _) = c.conv.geometry();
        assert_eq!((d.out_h, d.out_w), (oh, ow), "geometry {}", what);
        let (x, w, b) = (
            rng.vec(c.conv.x_len()),
            rng.vec(c.w_len()),
            rng.vec(d.out_c()),
        );
        let dy = rng.vec(c.conv.y_len());
        let mut y = vec![f32::NAN; d.output_len()];
        depthwise_forward(&d, &x, &w, Some(&b), &mut y);
        assert_close(
            &y,
            &c.forward(&x, &w, Some(&b)),
            1e-4,
            1e-5,
            &format!("forward {}", what),
        );
        let mut y0 = vec![f32::NAN; d.output_len()];
        depthwise_forward(&d, &x, &w, None, &mut y0);
        assert_close(
            &y0,
            &c.forward(&x, &w, None),
            1e-4,
            1e-5,
            &format!("forward no bias {}", what),
        );
        let mut dx = vec![f32::NAN; d.input_len()];
        depthwise_backward_input(&d, &dy, &w, &mut dx);
        assert_close(
            &dx,
            &c.backward_input(&dy, &w),
            1e-4,
            1e-5,
            &format!("dx {}", what),
        );
        let mut dw = vec![f32::NAN; d.kernel_len()];
        depthwise_backward_filter(&d, &x, &dy, &mut dw);
        assert_close(
            &dw,
            &c.backward_filter(&x, &dy),
            1e-4,
            1e-4,
            &format!("dw {}", what),
        );
        let mut db = vec![f32::NAN; d.out_c()];
        depthwise_backward_bias(&d, &dy, &mut db);
        assert_close(
            &db,
            &conv_ref::backward_bias(&c.conv, &dy),
            1e-5,
            1e-5,
            &format!("db {}", what),
        );
    }
}

#[test]
fn with_batch_is_the_same_layer_on_fewer_images() {
    let d = DepthwiseDims::new(64, 12, 11, 16, 3, 3, 2, 2, 2, 1, 1, true).unwrap();
    let fresh = DepthwiseDims::new(3, 12, 11, 16, 3, 3, 2, 2, 2, 1, 1, true).unwrap();
    assert_eq!(d.with_batch(3), fresh);
    assert_eq!(d.with_batch(64), d);
    for bad in [0, 65] {
        assert!(
            std::panic::catch_unwind(|| d.with_batch(bad)).is_err(),
            "{}",
            bad
        );
    }
}

#[test]
fn rejects_bad_dims() {
    use simdnet_kernels::conv2d::DimsError;
    assert_eq!(
        DepthwiseDims::new(1, 5, 5, 2, 3, 3, 0, 1, 1, 1, 1, false).unwrap_err(),
        DimsError::Zero("multiplier")
    );
    // 3 taps 2 apart span 5 cells: too many for 4 rows under valid padding.
    assert!(matches!(
        DepthwiseDims::new(1, 4, 5, 2, 3, 1, 1, 1, 1, 2, 1, false).unwrap_err(),
        DimsError::WindowTooLarge {
            axis: "height",
            window: 5,
            input: 4
        }
    ));
}
