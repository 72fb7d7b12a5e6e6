/**
 * The applications' summaries: `summary({ format: "keras3" })` of MobileNetV2 (alpha 0.35,
 * 96x96, 10 classes) is the text real Keras 3.15 printed for keras.applications.MobileNetV2
 * (test/golden/summary/, scripts/keras/make_summary_goldens.py), character for character;
 * the tf.keras 2 table lists every layer with its "Connected to" and Keras's totals.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import { init } from "../../ts/wasm/loader.js";
import { GOLDEN_DIR } from "../helpers/goldens.js";
import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";

beforeAll(async () => {
  await init();
});

const golden = (file: string) => readFileSync(join(GOLDEN_DIR, "summary", file), "utf8").replace(/\n$/, "");

/** The first differing line, so that a failure reads as a diff. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split("\n");
  const e = expected.split("\n");
  const i = a.findIndex((line, k) => line !== e[k]);
  const at = i < 0 ? Math.min(a.length, e.length) : i;
  return actual === expected ? "" : `line ${at + 1}\n  got:      ${JSON.stringify(a[at])}\n  expected: ${JSON.stringify(e[at])}`;
}

describe("applications' summaries", () => {
  it.each([200, 80])('mobileNetV2 summary({ format: "keras3", columns: %i }) is what Keras printed', (columns) => {
    const model = applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10, seed: 1 });
    try {
      const text = model.summary({ format: "keras3", columns, print: () => {} });
      expect(firstDifference(text, golden(`mobilenetv2_0.35_96_cols${columns}.txt`))).toBe("");
    } finally {
      model.dispose();
    }
  });

  it("the tf.keras 2 table of ResNet-20 has every layer, its inputs in Connected to, and Keras's totals", () => {
    const model = applications.resnet20({ seed: 1 });
    try {
      const text = model.summary({ print: () => {} });
      expect(text).toContain("Connected to");
      expect(text).toMatch(/Total params: 274,442/);
      expect(text).toMatch(/Trainable params: 273,066/);
      expect(text).toMatch(/Non-trainable params: 1,376/);
      // tf.keras 2 wraps a long "name (Class)" cell onto a second line, as here.
      const lines = text.split("\n");
      for (const l of model.layers) expect(lines.some((line) => line.startsWith(` ${l.name} (`)), l.name).toBe(true);
      // The first projection shortcut (conv2d_9) and the main path's last BN meet in add_3.
      const row = lines.find((line) => line.startsWith(" add_3 (Add)"));
      expect(row).toMatch(/conv2d_9\[0\]\[0\]/);
      const next = lines[lines.indexOf(row!) + 1]!;
      expect(next).toMatch(/batch_normalization_8\[0\]\[0\]/);
    } finally {
      model.dispose();
    }
  });

  it("explain covers the applications' layers (BN's non-trained half, depthwise counts)", () => {
    const model = applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10, seed: 1 });
    try {
      const text = model.summary({ explain: true, print: () => {} });
      expect(text).toContain("bn_Conv1 (BatchNormalization)");
      expect(text).toMatch(/not trained|non-trainable/i);
      expect(text).toMatch(/depthwise/i);
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!keras)(`ResNet-20's keras3 summary against live Keras ${kerasSkipReason}`, () => {
  it("is what Keras prints for the same network (scripts/keras/make_application_specs.py), at 200 and 80 columns", () => {
    const texts = runKeras<string[]>(
      `import os, sys
sys.path.insert(0, inp["scripts"])
from make_application_specs import resnet20
out = []
for columns in (200, 80):
    keras.backend.clear_session()
    os.environ["COLUMNS"] = str(columns)
    lines = []
    resnet20().summary(print_fn=lambda text, **_: lines.append(text))
    out.append("\\n".join(lines))`,
      { scripts: new URL("../../scripts/keras/", import.meta.url).pathname },
    );
    const model = applications.resnet20({ seed: 1 });
    try {
      [200, 80].forEach((columns, i) => {
        const text = model.summary({ format: "keras3", columns, print: () => {} });
        expect(firstDifference(text, texts[i]!.replace(/\n$/, "")), `${columns} columns`).toBe("");
      });
    } finally {
      model.dispose();
    }
  }, 120_000);
});
