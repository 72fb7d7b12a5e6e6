/**
 * ts/model/pack.ts against the plain first-fit it replaced (below, as the reference):
 * the same offsets and arena size on random record sets, with short lifetimes (the
 * interval index answers) and long ones (more than 32 overlaps: the scan by offset), sizes
 * 0 included; and linear enough that an inference-like chain of 20,000 records packs.
 */
import { describe, expect, it } from "vitest";
import { packRecords, type PackRec } from "../../ts/model/pack.js";
import { randomInt, rng } from "../helpers/random.js";

/** First fit as plan.ts had it: per record, the placed ones alive with it, by offset. */
function reference(recs: PackRec[]): number {
  const order = recs.map((_, i) => i).sort((a, b) => recs[b]!.size - recs[a]!.size || a - b);
  const placed: PackRec[] = [];
  let total = 0;
  for (const i of order) {
    const r = recs[i]!;
    const clash = placed.filter((p) => p.start <= r.end && r.start <= p.end).sort((a, b) => a.at - b.at);
    let at = 0;
    for (const p of clash) {
      if (p.at >= at + r.size) break;
      at = Math.max(at, p.at + p.size);
    }
    r.at = at;
    placed.push(r);
    total = Math.max(total, at + r.size);
  }
  return total;
}

describe("packRecords (pack.ts)", () => {
  it("places every record where the plain first fit does, on short and long lifetimes", () => {
    const next = rng(11);
    let scanned = 0;
    for (let trial = 0; trial < 300; trial++) {
      const count = randomInt(next, 1, 400);
      const span = trial % 3 === 0 ? 400 : trial % 3 === 1 ? 20 : 3;
      const recs = Array.from({ length: count }, () => {
        const start = randomInt(next, 0, 300);
        return { size: 4 * randomInt(next, 0, 6), start, end: start + randomInt(next, 0, span), at: -1 };
      });
      const copy = recs.map((r) => ({ ...r }));
      const total = packRecords(recs);
      expect(total, `trial ${trial}`).toBe(reference(copy));
      expect(recs.map((r) => r.at), `trial ${trial}`).toEqual(copy.map((r) => r.at));
      if (recs.some((r) => recs.filter((p) => p.start <= r.end && r.start <= p.end).length > 33)) scanned++;
    }
    expect(scanned).toBeGreaterThan(50); // the scan path ran, not only the index
  });

  it("packs a chain of 20,000 short-lived records into two slots plus the long-lived ones", () => {
    const n = 20_000;
    const recs = Array.from({ length: n + 1 }, (_, v) => ({ size: 8, start: v, end: v + 1, at: -1 }));
    recs.push({ size: 8, start: 0, end: n + 2, at: -1 }, { size: 8, start: 0, end: n + 2, at: -1 });
    expect(packRecords(recs)).toBe(4 * 8);
    expect(recs.slice(0, 4).map((r) => r.at)).toEqual([0, 8, 0, 8]);
  });
});
