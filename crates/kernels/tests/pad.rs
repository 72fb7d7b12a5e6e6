//! Zero padding against index arithmetic written out per element.

mod reference;

use reference::Rng;
use simdnet_kernels::pad::*;

#[test]
fn pad_and_crop_match_the_definition() {
    let mut rng = Rng::new(2);
    for _ in 0..100 {
        let (b, h, w, c) = (
            rng.range(1, 3),
            rng.range(1, 6),
            rng.range(1, 6),
            rng.range(1, 5),
        );
        let (t, bo, l, r) = (
            rng.range(0, 3),
            rng.range(0, 3),
            rng.range(0, 3),
            rng.range(0, 3),
        );
        let d = Pad2dDims::new(b, h, w, c, t, bo, l, r).unwrap();
        let (oh, ow) = (t + h + bo, l + w + r);
        assert_eq!((d.out_h(), d.out_w()), (oh, ow));
        let x = rng.vec(d.input_len());
        let mut y = vec![f32::NAN; d.output_len()];
        pad2d_forward(&d, &x, &mut y);
        let mut dx = vec![f32::NAN; d.input_len()];
        pad2d_backward(&d, &y, &mut dx);
        assert_eq!(dx, x, "crop of the padded image is the image");
        for n in 0..b {
            for i in 0..oh {
                for j in 0..ow {
                    for k in 0..c {
                        let got = y[((n * oh + i) * ow + j) * c + k];
                        let inside = i >= t && i < t + h && j >= l && j < l + w;
                        let want = if inside {
                            x[((n * h + i - t) * w + j - l) * c + k]
                        } else {
                            0.0
                        };
                        assert_eq!(got, want);
                    }
                }
            }
        }
    }
}
