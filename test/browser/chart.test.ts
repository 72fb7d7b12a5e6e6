import { describe, expect, it } from "vitest";
import { Smoother, niceTicks } from "../../examples/browser/src/chart.js";

describe("niceTicks", () => {
  it.each([
    [2.5, 4, [0, 1, 2, 3]],
    [1, 4, [0, 0.5, 1]],
    [1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.63, 4, [0, 0.2, 0.4, 0.6, 0.8]],
    [57, 4, [0, 20, 40, 60]],
    [1.88, 4, [0, 0.5, 1, 1.5, 2]],
    [2300, 5, [0, 500, 1000, 1500, 2000, 2500]],
  ])("covers 0 to %d in steps of 1, 2 or 5 times a power of ten (about %d steps)", (max, count, ticks) => {
    expect(niceTicks(max, count)).toEqual(ticks);
  });

  it("always reaches the maximum, with steps of the 1-2-5 family", () => {
    for (let max = 0.01; max < 5000; max *= 1.37) {
      const ticks = niceTicks(max);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max - 1e-9);
      const step = ticks[1]! - ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `step ${step} for max ${max}`).toBe(true);
      expect(ticks.length).toBeLessThanOrEqual(9);
    }
  });
});

describe("Smoother", () => {
  it("starts at the first value (bias-corrected) and follows a constant exactly", () => {
    const s = new Smoother(10);
    for (let i = 0; i < 30; i++) expect(s.add(2.5)).toBeCloseTo(2.5, 12);
  });

  it("is the exponentially weighted mean of what it saw, with weights (1 - a)^age", () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    const s = new Smoother(4);
    const a = 2 / 5;
    values.forEach((v, n) => {
      const got = s.add(v);
      let num = 0;
      let den = 0;
      for (let i = 0; i <= n; i++) {
        const w = a * (1 - a) ** (n - i);
        num += w * values[i]!;
        den += w;
      }
      expect(got).toBeCloseTo(num / den, 12);
    });
  });

  it("does not jump when a per-epoch running mean would restart", () => {
    // Batch losses falling smoothly across an epoch boundary at batch 50.
    const s = new Smoother(10);
    let previous = s.add(2.3);
    for (let b = 1; b < 100; b++) {
      const next = s.add(2.3 * Math.exp(-b / 40));
      expect(Math.abs(next - previous)).toBeLessThan(0.1);
      previous = next;
    }
  });
});
