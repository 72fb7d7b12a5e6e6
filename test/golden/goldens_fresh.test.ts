/**
 * The committed layer golden files are what scripts/keras/make_layer_goldens.py writes with
 * real Keras today (nothing edited by hand, no script change left unapplied): the same
 * structure and text, and numbers equal to 1e-5 relative (another CPU may round TensorFlow's
 * last bit differently, which can move the 7th significant digit).
 * The summaries and application references take longer to rebuild (MobileNetV2) and are
 * checked against Keras's own totals and text by their tests instead.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GOLDEN_DIR } from "../helpers/goldens.js";
import { keras, kerasSkipReason, runKerasScript } from "../helpers/keras.js";

/** Deep equality, numbers to 1e-5 relative (1e-6 absolute near zero); names the first difference. */
function expectSameJson(fresh: unknown, committed: unknown, path: string): void {
  if (typeof committed === "number" && typeof fresh === "number") {
    if (!(Math.abs(fresh - committed) <= 1e-6 + 1e-5 * Math.abs(committed))) expect.fail(`${path}: fresh ${fresh}, committed ${committed}`);
    return;
  }
  if (Array.isArray(committed) && Array.isArray(fresh)) {
    if (fresh.length !== committed.length) expect.fail(`${path}: fresh has ${fresh.length} entries, committed ${committed.length}`);
    committed.forEach((c, i) => expectSameJson(fresh[i], c, `${path}[${i}]`));
    return;
  }
  if (committed !== null && fresh !== null && typeof committed === "object" && typeof fresh === "object") {
    const keys = Object.keys(committed).sort();
    expect(Object.keys(fresh).sort(), `${path}: keys`).toEqual(keys);
    for (const k of keys) expectSameJson((fresh as Record<string, unknown>)[k], (committed as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  if (fresh !== committed) expect.fail(`${path}: fresh ${JSON.stringify(fresh)}, committed ${JSON.stringify(committed)}`);
}

describe.skipIf(!keras)(`layer golden files are fresh ${kerasSkipReason}`, () => {
  it("regenerating them with real Keras gives the committed files", () => {
    const dir = mkdtempSync(join(tmpdir(), "simdnet-goldens-"));
    try {
      runKerasScript(join(GOLDEN_DIR, "..", "..", "scripts", "keras", "make_layer_goldens.py"), { SIMDNET_GOLDEN_DIR: dir }, { timeoutMs: 240_000 });
      const committed = readdirSync(join(GOLDEN_DIR, "layers")).sort();
      expect(readdirSync(join(dir, "layers")).sort()).toEqual(committed);
      for (const file of committed) {
        const read = (d: string) => JSON.parse(readFileSync(join(d, "layers", file), "utf8")) as unknown;
        expectSameJson(read(dir), read(GOLDEN_DIR), `layers/${file}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // TensorFlow's start-up alone can take half a minute on a loaded machine
});
