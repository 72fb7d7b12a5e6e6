/** Writing small image files and folders of them for the image-folder tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A bottom-up 24-bit BMP of RGB pixels (`h * w * 3`, row-major). */
export function encodeBmp24(rgb: ArrayLike<number>, w: number, h: number): Uint8Array {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const b = new Uint8Array(54 + stride * h);
  const v = new DataView(b.buffer);
  b[0] = 0x42; b[1] = 0x4d;
  v.setUint32(2, b.length, true); v.setUint32(10, 54, true); v.setUint32(14, 40, true);
  v.setInt32(18, w, true); v.setInt32(22, h, true); v.setUint16(26, 1, true); v.setUint16(28, 24, true);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 54 + (h - 1 - y) * stride + x * 3, s = (y * w + x) * 3;
      b[o] = rgb[s + 2]!; b[o + 1] = rgb[s + 1]!; b[o + 2] = rgb[s]!;
    }
  }
  return b;
}

/** A fresh temporary folder holding `files` (relative path to bytes or text). */
export function makeTree(files: Record<string, Uint8Array | string>, prefix = "simdnet-images-"): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
  return root;
}
