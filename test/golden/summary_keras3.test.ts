/**
 * formatKeras3Summary against the text real Keras 3.15 printed (test/golden/summary/, made
 * by scripts/keras/make_summary_goldens.py from the same rows), character for character,
 * at the full width and at the 80-column width of a pipe or CI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatKeras3Summary, keras3Connected, keras3LineLength, keras3MemorySize, type Keras3SummaryRow } from "../../ts/model/summary_keras3.js";
import { GOLDEN_DIR } from "../helpers/goldens.js";

interface GoldenSummary {
  model_name: string;
  connected: boolean;
  rows: { name: string; class_name: string; output_shape: (number | null)[]; params: number; connected_to: { layer: string; node_index: number; tensor_index: number }[] }[];
  trainable_params: number;
  non_trainable_params: number;
  optimizer_params: number | null;
  texts: { columns: number; line_length: number; file: string }[];
}

const dir = join(GOLDEN_DIR, "summary");
const load = (stem: string) => JSON.parse(readFileSync(join(dir, `${stem}.json`), "utf8")) as GoldenSummary;

function rowsOf(g: GoldenSummary): Keras3SummaryRow[] {
  return g.rows.map((r) => ({
    name: r.name,
    className: r.class_name,
    outputShape: r.output_shape,
    params: r.params,
    connectedTo: r.connected_to.map((c) => ({ layer: c.layer, nodeIndex: c.node_index, tensorIndex: c.tensor_index })),
  }));
}

/** Points at the first differing line, so a failure reads as a diff. */
function expectSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  const a = actual.split("\n");
  const e = expected.split("\n");
  const i = a.findIndex((line, k) => line !== e[k]);
  const at = i < 0 ? Math.min(a.length, e.length) : i;
  expect.fail(`${what}: line ${at + 1} differs\n  got:      ${JSON.stringify(a[at])}\n  expected: ${JSON.stringify(e[at])}`);
}

describe("summary({ format: \"keras3\" }) formatter vs real Keras 3.15", () => {
  for (const stem of ["lenet5", "lenet5_adam", "tiny_resnet", "functional_chain", "mobilenetv2_0.35_96"]) {
    const g = load(stem);
    for (const t of g.texts) {
      it(`${stem} at ${t.columns} terminal columns (line length ${t.line_length})`, () => {
        const expected = readFileSync(join(dir, t.file), "utf8");
        const lineLength = keras3LineLength(g.connected, t.columns);
        expect(lineLength).toBe(t.line_length);
        const text = formatKeras3Summary({
          modelName: g.model_name,
          rows: rowsOf(g),
          connected: g.connected,
          trainableParams: g.trainable_params,
          nonTrainableParams: g.non_trainable_params,
          optimizerParams: g.optimizer_params,
          lineLength,
        });
        expectSameText(text, expected, t.file);
      });
    }
  }

  it("keras3Connected agrees with Keras on when to print \"Connected to\"", () => {
    expect(keras3Connected(rowsOf(load("tiny_resnet")))).toBe(true);
    expect(keras3Connected(rowsOf(load("mobilenetv2_0.35_96")))).toBe(true);
    expect(keras3Connected(rowsOf(load("functional_chain")))).toBe(false);
    const link = (layer: string) => [{ layer, nodeIndex: 0, tensorIndex: 0 }];
    const row = (name: string, from?: string): Keras3SummaryRow => ({ name, className: "X", outputShape: [null, 1], params: 0, connectedTo: from ? link(from) : [] });
    // Each case below was checked with Keras 3.15 (a chain prints like a Sequential).
    expect(keras3Connected([row("in"), row("a", "in"), row("b", "a")])).toBe(false);
    // A fan-out: two layers read "in" and both are outputs, so they share a depth.
    expect(keras3Connected([row("in"), row("a", "in"), row("b", "in")])).toBe(true);
    expect(keras3Connected([row("in"), row("a", "in"), { ...row("add"), connectedTo: [...link("in"), ...link("a")] }])).toBe(true);
  });

  it("the LeNet-5 totals line carries the size as the issue quotes it", () => {
    expect(readFileSync(join(dir, "lenet5_cols200.txt"), "utf8")).toContain("Total params: 61,706 (241.04 KB)\n");
  });

  it("the default line length is Keras's at a wide terminal", () => {
    const g = load("tiny_resnet");
    const text = formatKeras3Summary({ modelName: g.model_name, rows: rowsOf(g), connected: true, trainableParams: g.trainable_params, nonTrainableParams: g.non_trainable_params });
    expect(text).toBe(readFileSync(join(dir, "tiny_resnet_cols200.txt"), "utf8"));
  });

  it("sizes round halves to even as Python's {:.2f} does, and change unit at 1024", () => {
    expect(keras3MemorySize(0)).toBe("0.00 B");
    expect(keras3MemorySize(1020)).toBe("1020.00 B");
    expect(keras3MemorySize(1024)).toBe("1.00 KB");
    expect(keras3MemorySize(1152)).toBe("1.12 KB"); // 1.125 exactly: to even
    expect(keras3MemorySize(1408)).toBe("1.38 KB"); // 1.375 exactly: to even
    expect(keras3MemorySize(4 * 61706)).toBe("241.04 KB");
    expect(keras3MemorySize(4 * 185120)).toBe("723.12 KB"); // 723.125: what 4-byte-only sizes would print
    expect(keras3MemorySize(4 * 185120 + 4)).toBe("723.13 KB"); // Keras's, with the 8-byte iteration counter
    expect(keras3MemorySize(1048576)).toBe("1.00 MB");
  });

  it("refuses bad input by name", () => {
    const base = { modelName: "m", rows: [], connected: false, trainableParams: 0, nonTrainableParams: 0 };
    expect(() => formatKeras3Summary({ ...base, trainableParams: -1 })).toThrow(/trainableParams must be a whole number >= 0, received -1/);
    expect(() => formatKeras3Summary({ ...base, rows: [{ name: "d", className: "Dense", outputShape: [null, 2], params: 1.5 }] })).toThrow(/rows\[0\]\.params \(d\)/);
    expect(() => formatKeras3Summary({ ...base, lineLength: 10 })).toThrow(/lineLength 10 is too narrow/);
  });
});
