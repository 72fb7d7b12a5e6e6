/**
 * Bilinear resizing exactly as Keras's `image_dataset_from_directory` does by default:
 * `tf.image.resize(img, size, method="bilinear")` with antialias off, which is
 * TensorFlow's ResizeBilinear with half-pixel centres. For output row i the source row is
 * (i + 0.5) * (inH / outH) - 0.5; its floor (at least 0) and ceiling (at most inH - 1)
 * are blended by the fraction, and likewise along columns. No antialiasing: shrinking
 * by more than 2 skips pixels, as Keras's does. Values stay in [0, 255], unrounded.
 */

/** Source rows (or columns) and blend weights for each output row (or column). */
interface Taps {
  lower: Int32Array;
  upper: Int32Array;
  lerp: Float32Array;
}

const f32 = Math.fround;

/** TensorFlow's compute_interpolation_weights with the half-pixel scaler (in float32). */
function taps(inSize: number, outSize: number): Taps {
  const scale = f32(inSize / outSize);
  const lower = new Int32Array(outSize), upper = new Int32Array(outSize), lerp = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const at = f32(f32(f32(i + 0.5) * scale) - 0.5);
    const floor = Math.floor(at);
    lower[i] = Math.max(floor, 0);
    upper[i] = Math.min(Math.ceil(at), inSize - 1);
    lerp[i] = f32(at - floor);
  }
  return { lower, upper, lerp };
}

function checkSize(name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new Error(`resizeBilinear: ${name} must be a whole number >= 1, received ${String(v)}`);
}

/**
 * Resizes an image of `inH` x `inW` pixels with `channels` samples each (row-major, any
 * numeric array) to `outH` x `outW`, writing floats into `out` from `outOffset`
 * (outH * outW * channels values). Returns `out`.
 */
export function resizeBilinear(
  src: ArrayLike<number>, inH: number, inW: number, channels: number,
  outH: number, outW: number, out: Float32Array = new Float32Array(outH * outW * channels), outOffset = 0,
): Float32Array {
  for (const [name, v] of [["inH", inH], ["inW", inW], ["channels", channels], ["outH", outH], ["outW", outW]] as const) checkSize(name, v);
  if (src.length !== inH * inW * channels) {
    throw new Error(`resizeBilinear: src holds ${src.length} values, expected ${inH * inW * channels} (${inH} x ${inW} x ${channels})`);
  }
  if (!(out instanceof Float32Array) || !Number.isSafeInteger(outOffset) || outOffset < 0 || outOffset + outH * outW * channels > out.length) {
    throw new Error(`resizeBilinear: out must be a Float32Array with room for ${outH * outW * channels} values from offset ${outOffset}`);
  }
  const ys = taps(inH, outH), xs = taps(inW, outW);
  const c = channels;
  for (let i = 0; i < outH; i++) {
    const top = ys.lower[i]! * inW * c, bottom = ys.upper[i]! * inW * c, dy = ys.lerp[i]!;
    for (let j = 0; j < outW; j++) {
      const left = xs.lower[j]! * c, right = xs.upper[j]! * c, dx = xs.lerp[j]!;
      const o = outOffset + (i * outW + j) * c;
      for (let k = 0; k < c; k++) {
        const tl = src[top + left + k]!, tr = src[top + right + k]!;
        const bl = src[bottom + left + k]!, br = src[bottom + right + k]!;
        const t = f32(tl + f32(f32(tr - tl) * dx));
        const b = f32(bl + f32(f32(br - bl) * dx));
        out[o + k] = t + f32(f32(b - t) * dy);
      }
    }
  }
  return out;
}
