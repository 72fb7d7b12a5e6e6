/**
 * A small baseline JPEG encoder, for making example and test image folders without any
 * dependency (simdnet itself only decodes JPEG). Deliberately plain: 8x8 blocks, a naive
 * DCT, one flat quantization table, no chroma subsampling, and fixed-length Huffman codes
 * (every symbol 4 bits for DC, 8 bits for AC), which is valid baseline JPEG that any
 * decoder reads, only larger than a tuned encoder's output.
 */

/** Every AC symbol: end of block, 16 zeros, and (run of zeros, size of value) pairs. */
const AC_SYMBOLS = [0x00, 0xf0, ...Array.from({ length: 16 * 10 }, (_, i) => ((i / 10) | 0) * 16 + (i % 10) + 1)];
const AC_CODE = new Map(AC_SYMBOLS.map((s, i) => [s, i]));

/** Zigzag position k -> row-major index in the 8x8 block. */
const ZIGZAG: number[] = [];
for (let s = 0; s < 15; s++) {
  const rows = [];
  for (let r = Math.max(0, s - 7); r <= Math.min(s, 7); r++) rows.push(r);
  if (s % 2 === 0) rows.reverse();
  for (const r of rows) ZIGZAG.push(r * 8 + (s - r));
}

const COS = Float64Array.from({ length: 64 }, (_, i) => Math.cos(((2 * (i >> 3) + 1) * (i & 7) * Math.PI) / 16));

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  /** Pads the last byte with ones, as the standard asks. */
  finish(): void {
    while (this.count !== 0) this.write(1, 1);
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    // A 0xff in entropy-coded data is followed by a stuffed zero byte.
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }
}

/** Bits needed for |v| (the JPEG "size" category). */
function category(v: number): number {
  let a = Math.abs(v);
  let n = 0;
  while (a > 0) { n++; a >>= 1; }
  return n;
}

/** v's `size` low bits as JPEG stores them (negative values one's complemented). */
function valueBits(v: number, size: number): number {
  return v >= 0 ? v : v + (1 << size) - 1;
}

/**
 * Encodes `pixels` (`height * width * channels` bytes, row-major, channels 1 for gray or
 * 3 for RGB) as a baseline JPEG; `q` is the flat quantization step (2 = nearly lossless).
 */
export function encodeJpeg(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3, q = 4): Uint8Array {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new Error(`encodeJpeg: width and height must be whole numbers in [1, 65535], received ${width} x ${height}`);
  }
  if (pixels.length !== width * height * channels) throw new Error(`encodeJpeg: expected ${width * height * channels} samples, received ${pixels.length}`);
  if (!Number.isSafeInteger(q) || q < 2 || q > 255) throw new Error(`encodeJpeg: q must be a whole number in [2, 255] (1 could need AC sizes above baseline's 10 bits), received ${q}`);
  // The planes to code: gray, or Y, Cb, Cr (JFIF's conversion).
  const planes: Float64Array[] = [];
  if (channels === 1) planes.push(Float64Array.from(pixels));
  else {
    const n = width * height;
    const [y, cb, cr] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    for (let i = 0; i < n; i++) {
      const r = pixels[i * 3]!, g = pixels[i * 3 + 1]!, b = pixels[i * 3 + 2]!;
      y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
      cb[i] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      cr[i] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
    planes.push(y, cb, cr);
  }
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF 1.1, no thumbnail
  segment(0xdb, [0, ...new Array<number>(64).fill(q)]);
  const ids = planes.map((_, i) => i + 1);
  segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, planes.length, ...ids.flatMap((id) => [id, 0x11, 0])]);
  const dcBits = new Array<number>(16).fill(0);
  dcBits[3] = 12; // twelve 4-bit codes: categories 0..11
  const acBits = new Array<number>(16).fill(0);
  acBits[7] = AC_SYMBOLS.length; // 162 8-bit codes
  segment(0xc4, [0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i), 0x10, ...acBits, ...AC_SYMBOLS]);
  segment(0xda, [planes.length, ...ids.flatMap((id) => [id, 0x00]), 0, 63, 0]);
  const bits = new BitWriter();
  const previousDc = planes.map(() => 0);
  const block = new Float64Array(64);
  const coef = new Int32Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      planes.forEach((plane, p) => {
        // Edges past the image repeat its last row and column.
        for (let i = 0; i < 64; i++) {
          const y = Math.min(by + (i >> 3), height - 1), x = Math.min(bx + (i & 7), width - 1);
          block[i] = plane[y * width + x]! - 128;
        }
        for (let v = 0; v < 8; v++) {
          for (let u = 0; u < 8; u++) {
            let sum = 0;
            for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += block[y * 8 + x]! * COS[x * 8 + u]! * COS[y * 8 + v]!;
            const scale = (u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1) / 4;
            coef[v * 8 + u] = Math.round((sum * scale) / q);
          }
        }
        const dc = coef[0]! - previousDc[p]!;
        previousDc[p] = coef[0]!;
        const dcSize = category(dc);
        bits.write(dcSize, 4);
        if (dcSize > 0) bits.write(valueBits(dc, dcSize), dcSize);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          const v = coef[ZIGZAG[k]!]!;
          if (v === 0) { run++; continue; }
          while (run > 15) { bits.write(AC_CODE.get(0xf0)!, 8); run -= 16; }
          const size = category(v);
          bits.write(AC_CODE.get(run * 16 + size)!, 8);
          bits.write(valueBits(v, size), size);
          run = 0;
        }
        if (run > 0) bits.write(AC_CODE.get(0x00)!, 8);
      });
    }
  }
  bits.finish();
  for (const b of bits.bytes) out.push(b);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
