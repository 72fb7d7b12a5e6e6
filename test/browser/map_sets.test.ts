import { describe, expect, it } from "vitest";
import { channelMaps, convViews, filterPictures, kernelMaps } from "../../examples/browser/src/map_sets.js";

const random = (n: number, seed: number): Float32Array => {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
};

describe("kernelMaps", () => {
  it.each([[5, 5, 1, 6], [5, 5, 6, 16], [3, 2, 4, 3]])("lays kernel [%i, %i, %i, %i] out as one picture per (filter, input channel)", (kh, kw, inC, outC) => {
    const data = random(kh * kw * inC * outC, kh * 100 + inC * 10 + outC);
    const set = kernelMaps("k", { data, shape: [kh, kw, inC, outC] });
    const max = Math.max(...Array.from(data, Math.abs));
    expect(set).toMatchObject({ count: inC * outC, height: kh, width: kw, signed: true });
    for (let co = 0; co < outC; co++) {
      for (let ci = 0; ci < inC; ci++) {
        for (let y = 0; y < kh; y++) {
          for (let x = 0; x < kw; x++) {
            const keras = data[((y * kw + x) * inC + ci) * outC + co];
            expect(set.values[((co * inC + ci) * kh + y) * kw + x]).toBeCloseTo(keras / max, 6);
          }
        }
      }
    }
    expect(Math.max(...Array.from(set.values, Math.abs))).toBeCloseTo(1, 6);
  });
});

describe("channelMaps", () => {
  it("splits one NHWC image into per-channel maps, each scaled to [0, 1] on its own", () => {
    const [h, w, c] = [4, 3, 5];
    const data = random(h * w * c, 7);
    const set = channelMaps("a", { data, shape: [1, h, w, c] }, 5);
    for (let ch = 0; ch < c; ch++) {
      const channel = Array.from({ length: h * w }, (_, p) => Math.max(0, data[p * c + ch]));
      const max = Math.max(...channel);
      channel.forEach((v, p) => expect(set.values[ch * h * w + p]).toBeCloseTo(max > 0 ? v / max : 0, 6));
    }
  });

  it("leaves an all-zero channel at zero instead of dividing by zero", () => {
    const set = channelMaps("a", { data: new Float32Array(2 * 2 * 3), shape: [1, 2, 2, 3] }, 3);
    expect(Array.from(set.values).every((v) => v === 0)).toBe(true);
  });
});

describe("filterPictures and convViews", () => {
  it("sums each filter over its input channels, scaled to [-1, 1]", () => {
    const [kh, kw, inC, outC] = [3, 2, 4, 5];
    const data = random(kh * kw * inC * outC, 3);
    const set = filterPictures("f", { data, shape: [kh, kw, inC, outC] });
    const sums = Array.from({ length: outC * kh * kw }, (_, i) => {
      const co = Math.floor(i / (kh * kw));
      const p = i % (kh * kw);
      let sum = 0;
      for (let ci = 0; ci < inC; ci++) sum += data[(p * inC + ci) * outC + co]!;
      return sum;
    });
    const max = Math.max(...sums.map(Math.abs));
    expect(set).toMatchObject({ count: outC, height: kh, width: kw, signed: true });
    sums.forEach((v, i) => expect(set.values[i]).toBeCloseTo(v / max, 6));
  });

  it("finds every Conv2D by type, wherever it sits, and pairs filter k with map k", () => {
    const conv = (name: string, shape: number[]) => ({ name, className: "Conv2D", getWeights: () => [{ data: random(shape.reduce((a, b) => a * b), 5), shape }] });
    const other = (name: string, className: string) => ({ name, className, getWeights: () => [] });
    const layers = [other("in_pool", "MaxPooling2D"), conv("a", [3, 3, 1, 4]), other("drop", "Dropout"), conv("b", [3, 3, 4, 2]), other("flat", "Flatten")];
    const map = (h: number, c: number, hot: number) => ({ data: Float32Array.from({ length: h * h * c }, (_, i) => (i % c === hot ? 1 : 0.1)), shape: [1, h, h, c] });
    const outputs = [map(8, 1, 0), map(6, 4, 2), map(6, 4, 2), map(4, 2, 1), { data: new Float32Array(32), shape: [1, 32] }];
    const views = convViews(layers, outputs);
    expect(views.map((v) => v.layer)).toEqual(["a (Conv2D)", "b (Conv2D)"]);
    expect(views.map((v) => [v.filters.count, v.maps.count, v.inputChannels, v.strongest])).toEqual([[4, 4, 1, 2], [2, 2, 4, 1]]);
    expect(views[1]!.maps.title).toBe("2 maps of 4x4");
    expect(views[1]!.filters.title).toBe("2 filters of 3x3x4");
  });
});
