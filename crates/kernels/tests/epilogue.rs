//! The inference epilogue against a plain f64 reference (every combination of scale,
//! shift, residual and clip, odd channel counts, row offsets), the batch-norm fold against
//! the reference batch normalization, and the fused forward passes of conv2d, depthwise
//! and dense against the reference layers followed by the reference epilogue, on random
//! shapes and on batches spanning several blocks.

mod reference;

use reference::conv2d::{self as conv_ref, ConvCase};
use reference::depthwise::DwCase;
use reference::{assert_close, Rng};
use simdnet_kernels::conv2d::{Conv2dDims, Method};
use simdnet_kernels::dense::Dense;
use simdnet_kernels::depthwise::DepthwiseDims;
use simdnet_kernels::epilogue::*;
use simdnet_kernels::gemm::PACK_LEN;

/// The epilogue written from its definition, in f64: rows `r0..` of a `[rows, c]` output.
#[allow(clippy::too_many_arguments)]
fn reference(
    y: &[f32],
    c: usize,
    r0: usize,
    scale: Option<&[f32]>,
    shift: Option<&[f32]>,
    residual: Option<&[f32]>,
    lo: f32,
    hi: f32,
) -> Vec<f32> {
    y.iter()
        .enumerate()
        .map(|(i, &v)| {
            let ch = i % c;
            let mut t = v as f64 * scale.map_or(1.0, |s| s[ch] as f64)
                + shift.map_or(0.0, |s| s[ch] as f64);
            t += residual.map_or(0.0, |r| r[r0 * c + i] as f64);
            (t.max(lo as f64).min(hi as f64)) as f32
        })
        .collect()
}

/// One of the clips the layers use: none, ReLU, ReLU6.
fn clip(rng: &mut Rng) -> (f32, f32) {
    match rng.range(0, 2) {
        0 => (f32::NEG_INFINITY, f32::INFINITY),
        1 => (0.0, f32::INFINITY),
        _ => (0.0, 0.5),
    }
}

/// A random epilogue for `c` channels and an output of `len` floats (owned parts).
struct Parts {
    scale: Option<Vec<f32>>,
    shift: Option<Vec<f32>>,
    residual: Option<Vec<f32>>,
    lo: f32,
    hi: f32,
}

impl Parts {
    fn random(rng: &mut Rng, c: usize, len: usize) -> Parts {
        let (lo, hi) = clip(rng);
        Parts {
            scale: (rng.range(0, 1) == 1).then(|| rng.vec(c)),
            shift: (rng.range(0, 1) == 1).then(|| rng.vec(c)),
            residual: (rng.range(0, 1) == 1).then(|| rng.vec(len)),
            lo,
            hi,
        }
    }

    fn epilogue(&self) -> Epilogue<'_> {
        Epilogue {
            scale: self.scale.as_deref(),
            shift: self.shift.as_deref(),
            residual: self.residual.as_deref(),
            lo: self.lo,
            hi: self.hi,
        }
    }

    fn reference(&self, y: &[f32], c: usize) -> Vec<f32> {
        reference(
            y,
            c,
            0,
            self.scale.as_deref(),
            self.shift.as_deref(),
            self.residual.as_deref(),
            self.lo,
            self.hi,
        )
    }
}

#[test]
fn apply_matches_the_reference() {
    let mut rng = Rng::new(41);
    for trial in 0..400 {
        let c = rng.range(1, 21);
        let rows = rng.range(1, 9);
        let r0 = rng.range(0, 3);
        let p = Parts::random(&mut rng, c, (r0 + rows) * c);
        let y0 = rng.vec(rows * c);
        let mut y = y0.clone();
        apply(&p.epilogue(), c, r0, &mut y);
        let want = reference(
            &y0,
            c,
            r0,
            p.scale.as_deref(),
            p.shift.as_deref(),
            p.residual.as_deref(),
            p.lo,
            p.hi,
        );
        assert_close(
            &y,
            &want,
            1e-6,
            1e-6,
            &format!(
                "trial {} ({} rows x {} channels from row {})",
                trial, rows, c, r0
            ),
        );
    }
    // The identity leaves every value (and an empty output) as it was.
    let mut y = vec![1.5, -2.0, 0.0, 7.0];
    apply(&Epilogue::identity(), 2, 0, &mut y);
    assert_eq!(y, vec![1.5, -2.0, 0.0, 7.0]);
    apply(&Epilogue::identity(), 0, 0, &mut []);
}

#[test]
#[should_panic(expected = "not whole rows")]
fn apply_refuses_partial_rows() {
    apply(&Epilogue::identity(), 3, 0, &mut [0.0; 4]);
}

#[test]
fn fold_batch_norm_equals_bias_then_batch_norm() {
    let mut rng = Rng::new(42);
    for trial in 0..100 {
        let c = rng.range(1, 70);
        let rows = rng.range(1, 5);
        let acc = rng.vec(rows * c);
        let gamma = (rng.range(0, 1) == 1).then(|| rng.vec(c));
        let beta = (rng.range(0, 1) == 1).then(|| rng.vec(c));
        let bias = (rng.range(0, 1) == 1).then(|| rng.vec(c));
        let mean = rng.vec(c);
        let var: Vec<f32> = rng.vec(c).iter().map(|v| v.abs() * 3.0).collect();
        let eps = 1e-3;
        let (mut scale, mut shift) = (vec![f32::NAN; c], vec![f32::NAN; c]);
        fold_batch_norm(
            c,
            eps,
            gamma.as_deref(),
            beta.as_deref(),
            &mean,
            &var,
            bias.as_deref(),
            &mut scale,
            &mut shift,
        );
        let mut y = acc.clone();
        let e = Epilogue {
            scale: Some(&scale),
            shift: Some(&shift),
            ..Epilogue::identity()
        };
        apply(&e, c, 0, &mut y);
        // The unfused layers: the bias added, then batch normalization (f64 reference).
        let biased: Vec<f32> = acc
            .iter()
            .enumerate()
            .map(|(i, &v)| v + bias.as_ref().map_or(0.0, |b| b[i % c]))
            .collect();
        let m: Vec<f64> = mean.iter().map(|&v| v as f64).collect();
        let s: Vec<f64> = var.iter().map(|&v| v as f64).collect();
        let want = reference::batch_norm::normalize(
            rows,
            c,
            eps as f64,
            &biased,
            &m,
            &s,
            gamma.as_deref(),
            beta.as_deref(),
        );
        assert_close(
            &y,
            &want,
            1e-5,
            1e-5,
            &format!("trial {} ({} channels)", trial, c),
        );
    }
}

fn conv_dims(c: &ConvCase) -> Option<Conv2dDims> {
    Conv2dDims::dilated(
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
    .ok()
}

fn check_conv(rng: &mut Rng, c: &ConvCase, what: &str) {
    let d = match conv_dims(c) {
        Some(d) => d,
        None => return,
    };
    let (x, w) = (rng.vec(c.x_len()), rng.vec(c.w_len()));
    let p = Parts::random(rng, c.out_c, c.y_len());
    let want = p.reference(&conv_ref::forward(c, &x, &w, None), c.out_c);
    let mut y = vec![f32::NAN; d.output_len()];
    let mut scratch = vec![f32::NAN; d.scratch_len()];
    let mut pack = vec![0.0; PACK_LEN];
    conv2d_forward_fused(&d, &x, &w, &p.epilogue(), &mut y, &mut scratch, &mut pack);
    assert_close(
        &y,
        &want,
        1e-4,
        1e-4,
        &format!("{} {:?} ({:?})", what, c, d.method()),
    );
}

#[test]
fn conv2d_forward_fused_matches_the_reference() {
    let mut rng = Rng::new(43);
    for trial in 0..150 {
        let dilated = rng.range(0, 3) == 0;
        let c = ConvCase {
            batch: rng.range(1, 3),
            in_h: rng.range(1, 9),
            in_w: rng.range(1, 9),
            in_c: rng.range(1, 9),
            k_h: rng.range(1, 3),
            k_w: rng.range(1, 3),
            out_c: rng.range(1, 20),
            stride_h: if dilated { 1 } else { rng.range(1, 2) },
            stride_w: if dilated { 1 } else { rng.range(1, 2) },
            same: rng.range(0, 1) == 1,
            dilation_h: if dilated { 2 } else { 1 },
            dilation_w: 1,
        };
        check_conv(&mut rng, &c, &format!("trial {}", trial));
    }
}

#[test]
fn conv2d_forward_fused_spans_blocks() {
    let mut rng = Rng::new(44);
    // 16x16 outputs: one image per block (over BLOCK_FLOATS); 8x8 outputs: 4 images per
    // block (MIN_BLOCK_ROWS); batches of 1 to 7 end in full and partial blocks. in_c 3 and
    // 6 filters take the direct method.
    assert_eq!(
        (BLOCK_FLOATS, MIN_BLOCK_ROWS),
        (8192, 256),
        "the cases below assume these"
    );
    for batch in [1, 3, 4, 7] {
        for (in_c, out_c, k, s, out_hw) in [
            (8, 40, 3, 1, 16),
            (40, 40, 1, 1, 16),
            (3, 6, 3, 1, 16),
            (6, 24, 3, 2, 16),
            (16, 8, 3, 1, 8),
            (5, 12, 3, 2, 8),
        ] {
            let c = ConvCase {
                batch,
                in_h: out_hw * s,
                in_w: out_hw * s,
                in_c,
                k_h: k,
                k_w: k,
                out_c,
                stride_h: s,
                stride_w: s,
                same: true,
                dilation_h: 1,
                dilation_w: 1,
            };
            check_conv(&mut rng, &c, &format!("batch {}", batch));
        }
    }
    assert_eq!(
        conv_dims(&ConvCase {
            batch: 2,
            in_h: 16,
            in_w: 16,
            in_c: 3,
            k_h: 3,
            k_w: 3,
            out_c: 6,
            stride_h: 1,
            stride_w: 1,
            same: true,
            dilation_h: 1,
            dilation_w: 1
        })
        .unwrap()
        .method(),
        Method::Direct
    );
}

#[test]
fn depthwise_forward_fused_matches_the_reference() {
    let mut rng = Rng::new(45);
    let mut cases = Vec::new();
    for _ in 0..150 {
        let conv = ConvCase {
            batch: rng.range(1, 3),
            in_h: rng.range(1, 9),
            in_w: rng.range(1, 9),
            in_c: rng.range(1, 19),
            k_h: rng.range(1, 3),
            k_w: rng.range(1, 3),
            out_c: 0,
            stride_h: rng.range(1, 2),
            stride_w: rng.range(1, 2),
            same: rng.range(0, 1) == 1,
            dilation_h: rng.range(1, 2),
            dilation_w: 1,
        };
        cases.push(DwCase::new(conv, rng.range(1, 2)));
    }
    // Several blocks: 24x24x72 = 41,472 output floats per image.
    for batch in [2, 3] {
        let conv = ConvCase {
            batch,
            in_h: 48,
            in_w: 48,
            in_c: 72,
            k_h: 3,
            k_w: 3,
            out_c: 0,
            stride_h: 2,
            stride_w: 2,
            same: true,
            dilation_h: 1,
            dilation_w: 1,
        };
        cases.push(DwCase::new(conv, 1));
    }
    for (trial, c) in cases.iter().enumerate() {
        let cv = &c.conv;
        let d = match DepthwiseDims::new(
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
            cv.same,
        ) {
            Ok(d) => d,
            Err(_) => continue,
        };
        let (x, w) = (rng.vec(cv.x_len()), rng.vec(c.w_len()));
        let p = Parts::random(&mut rng, d.out_c(), d.output_len());
        let want = p.reference(&c.forward(&x, &w, None), d.out_c());
        let mut y = vec![f32::NAN; d.output_len()];
        depthwise_forward_fused(&d, &x, &w, &p.epilogue(), &mut y);
        assert_close(&y, &want, 1e-4, 1e-4, &format!("trial {} {:?}", trial, d));
    }
}

#[test]
fn dense_forward_fused_matches_the_reference() {
    let mut rng = Rng::new(46);
    for trial in 0..100 {
        let d = Dense {
            batch: rng.range(1, 9),
            inputs: rng.range(1, 40),
            units: rng.range(1, 30),
        };
        let (x, w) = (rng.vec(d.batch * d.inputs), rng.vec(d.inputs * d.units));
        let p = Parts::random(&mut rng, d.units, d.batch * d.units);
        let want = p.reference(
            &reference::dense::forward(d.batch, d.inputs, d.units, &x, &w, None),
            d.units,
        );
        let mut y = vec![f32::NAN; d.batch * d.units];
        let mut pack = vec![0.0; PACK_LEN];
        dense_forward_fused(&d, &x, &w, &p.epilogue(), &mut y, &mut pack);
        assert_close(&y, &want, 1e-4, 1e-4, &format!("trial {} {:?}", trial, d));
    }
}
