/** Plain references for the losses, in double precision: each gives the batch-mean loss. */

/** Cross-entropy of softmax(logits) via log-softmax computed directly. */
export function softmaxCrossEntropyReference(classes: number, logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  const batch = logits.length / classes;
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const row = Array.from({ length: classes }, (_, j) => logits[r * classes + j]!);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    for (let j = 0; j < classes; j++) total -= labels[r * classes + j]! * (row[j]! - lse);
  }
  return total / batch;
}

/** Keras's categorical cross-entropy of probabilities: normalize rows, clip, `-sum y ln`. */
export function categoricalCrossEntropyReference(classes: number, probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const batch = probs.length / classes;
  const lo = Math.fround(1e-7);
  const hi = Math.fround(1 - 1e-7);
  let total = 0;
  for (let r = 0; r < batch; r++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += probs[r * classes + j]!;
    for (let j = 0; j < classes; j++) {
      const q = Math.min(Math.max(probs[r * classes + j]! / sum, lo), hi);
      total -= labels[r * classes + j]! * Math.log(q);
    }
  }
  return total / batch;
}

/** Mean of squared differences over every value. */
export function meanSquaredErrorReference(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < pred.length; i++) total += (pred[i]! - target[i]!) ** 2;
  return total / pred.length;
}

/** Rows whose first arg-max agrees between scores and labels. */
export function countCorrectReference(classes: number, scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const argMax = (a: ArrayLike<number>, r: number): number => {
    let best = 0;
    for (let j = 1; j < classes; j++) if (a[r * classes + j]! > a[r * classes + best]!) best = j;
    return best;
  };
  let count = 0;
  for (let r = 0; r < scores.length / classes; r++) if (argMax(scores, r) === argMax(labels, r)) count++;
  return count;
}
