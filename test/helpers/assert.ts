/** Closeness checks that report the first bad index, not just "arrays differ". */
import { expect } from "vitest";

/**
 * Asserts |a[i] - b[i]| <= atol + rtol * |b[i]| for every i, and equal lengths.
 * `what` names the compared quantity in the failure message.
 */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-5): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - b[i]!) - (atol + rtol * Math.abs(b[i]!));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${a[worst]}, expected ${b[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
