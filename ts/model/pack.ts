/**
 * First-fit packing of a memory plan's buffers (plan.ts): largest first, each at the
 * lowest offset clear of the buffers already placed whose lifetimes overlap its own.
 *
 * The lowest clear offset depends only on which placed buffers overlap (a scan of them by
 * offset finds it), so two ways of finding them give the same offsets:
 * - an interval index (placed buffers by start, a tree of their latest ends) lists the
 *   few that overlap a short-lived buffer in logarithmic time: an inference plan of a
 *   chain of 20,000 layers, where each activation overlaps two others;
 * - past {@link FEW} overlaps, one scan of every placed buffer in offset order: a training
 *   plan, where every activation lives until its layer's backward, so all overlap.
 * Either way a long chain is no longer quadratic with a large constant (filtering and
 * sorting every placed buffer per buffer), which made planning 20,000 layers take seconds.
 */

/** One buffer to place: floats, lifetime [start, end] (inclusive), and its offset once packed. */
export interface PackRec {
  /** Floats. */
  size: number;
  /** First moment of the step that touches it. */
  start: number;
  /** Last moment (inclusive). */
  end: number;
  /** Offset in floats, written by {@link packRecords}. */
  at: number;
}

/** Overlaps listed through the index before falling back to the scan of every placed buffer. */
const FEW = 32;

/**
 * Offsets for `recs` (written into each `at`): largest first (ties in index order), each
 * at the lowest offset clear of the records already placed whose lifetimes overlap;
 * returns the arena size.
 */
export function packRecords(recs: PackRec[]): number {
  const n = recs.length;
  const order = recs.map((_, i) => i).sort((a, b) => recs[b]!.size - recs[a]!.size || a - b);
  // The index: record i is leaf slot[i] of a tree over the records sorted by start; each
  // node holds the latest end of the placed records below it (-Infinity: none).
  const byStart = recs.map((_, i) => i).sort((a, b) => recs[a]!.start - recs[b]!.start);
  const starts = byStart.map((i) => recs[i]!.start);
  const slot = new Int32Array(n);
  byStart.forEach((i, k) => (slot[i] = k));
  let leaves = 1;
  while (leaves < n) leaves *= 2;
  const latestEnd = new Float64Array(2 * leaves).fill(-Infinity);
  // Placed records by offset (ties in placement order), for the scan.
  const byAt: PackRec[] = [];
  const overlapping: PackRec[] = [];
  const nodes: number[] = [];
  let total = 0;
  for (const i of order) {
    const r = recs[i]!;
    // Placed records that start no later than r ends (leaves [0, startsBy)) and end no
    // earlier than it starts, while there are few.
    let startsBy = 0;
    for (let hi = n; startsBy < hi; ) {
      const mid = (startsBy + hi) >>> 1;
      if (starts[mid]! <= r.end) startsBy = mid + 1;
      else hi = mid;
    }
    overlapping.length = 0;
    nodes.length = 0;
    nodes.push(1, 0, leaves);
    while (nodes.length > 0 && overlapping.length <= FEW) {
      const hi = nodes.pop()!;
      const lo = nodes.pop()!;
      const node = nodes.pop()!;
      if (lo >= startsBy || latestEnd[node]! < r.start) continue;
      if (node >= leaves) overlapping.push(recs[byStart[lo]!]!);
      else {
        const mid = (lo + hi) >>> 1;
        nodes.push(2 * node + 1, mid, hi, 2 * node, lo, mid);
      }
    }
    let at = 0;
    const fit = (p: PackRec): boolean => {
      if (p.at >= at + r.size) return true;
      at = Math.max(at, p.at + p.size);
      return false;
    };
    if (overlapping.length <= FEW) {
      overlapping.sort((a, b) => a.at - b.at);
      for (const p of overlapping) if (fit(p)) break;
    } else {
      for (const p of byAt) if (p.start <= r.end && r.start <= p.end && fit(p)) break;
    }
    r.at = at;
    total = Math.max(total, at + r.size);
    for (let node = leaves + slot[i]!; node >= 1; node >>>= 1) latestEnd[node] = Math.max(latestEnd[node]!, r.end);
    let lo = 0;
    for (let hi = byAt.length; lo < hi; ) {
      const mid = (lo + hi) >>> 1;
      if (byAt[mid]!.at <= at) lo = mid + 1;
      else hi = mid;
    }
    byAt.splice(lo, 0, r);
  }
  return total;
}
