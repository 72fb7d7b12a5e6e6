/**
 * Seeded randomness for everything that draws numbers: initializers, shuffling,
 * dropout seeds and augmentation. Same seed, same sequence, on every engine.
 *
 * The generator is SFC32 (Chris Doty-Humphrey's small fast counter generator): 128 bits
 * of state, passes PractRand, and needs only 32-bit integer ops, which JavaScript does
 * exactly.
 */

/** A seeded pseudo-random generator. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  /** `seed`: any integer (non-integers are rejected so that seeds stay reproducible). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`Random: seed must be a safe integer, received ${seed}`);
    }
    // Spread the seed over the state with splitmix32-style mixing, then discard a few
    // outputs so that nearby seeds give unrelated streams.
    let s = (seed ^ Math.floor(seed / 0x1_0000_0000)) >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal sample (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A normal sample with the given mean and standard deviation, redrawn beyond 2 sd. */
  truncatedNormal(mean: number, stddev: number): number {
    for (;;) {
      const z = this.normal();
      if (Math.abs(z) <= 2) return mean + stddev * z;
    }
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A fresh 32-bit seed drawn from this stream, for handing to another generator. */
  seed(): number {
    return this.nextUint32();
  }
}

/** A seed for callers that gave none: varies run to run, like Keras without a seed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
