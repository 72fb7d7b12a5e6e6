/**
 * The live-Keras helper itself: it finds the venv scripts/keras-venv.sh makes, passes JSON
 * both ways, reports Python errors and timeouts. Skips (saying why) where Keras is missing.
 */
import { describe, expect, it } from "vitest";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";

describe.skipIf(!keras)(`runKeras ${kerasSkipReason}`, () => {
  it("round-trips JSON through a snippet that uses Keras", () => {
    const xs = [-2, -0.5, 0, 0.5, 7];
    const r = runKeras<{ version: string; y: number[] }>(
      "print('noise on stdout is fine')\n" +
        "y = keras.layers.ReLU(max_value=6.0)(np.array(inp['x'], dtype='float32'))\n" +
        "out = {'version': keras.__version__, 'y': y}",
      { x: xs },
    );
    expect(r.version).toBe("3.15.1");
    expect(r.y).toEqual(xs.map((x) => Math.min(Math.max(x, 0), 6)));
  });

  it("throws with Python's error when the snippet fails", () => {
    expect(() => runKeras("raise ValueError('bad shape 17')")).toThrow(/ValueError: bad shape 17/);
  });

  it("throws when the snippet runs past its timeout", () => {
    expect(() => runKeras("import time; time.sleep(60)", null, { timeoutMs: 1500 })).toThrow(/timed out after 1500 ms/);
  });
});
