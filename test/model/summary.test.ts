import { describe, expect, it } from "vitest";
import { formatShapeTuple, formatSummary, withThousands, type SummaryRow } from "../../ts/model/summary.js";

const LENET5: SummaryRow[] = [
  { name: "conv2d", className: "Conv2D", outputShape: [null, 28, 28, 6], params: 156 },
  { name: "average_pooling2d", className: "AveragePooling2D", outputShape: [null, 14, 14, 6], params: 0 },
  { name: "conv2d_1", className: "Conv2D", outputShape: [null, 10, 10, 16], params: 2416 },
  { name: "average_pooling2d_1", className: "AveragePooling2D", outputShape: [null, 5, 5, 16], params: 0 },
  { name: "flatten", className: "Flatten", outputShape: [null, 400], params: 0 },
  { name: "dense", className: "Dense", outputShape: [null, 120], params: 48120 },
  { name: "dense_1", className: "Dense", outputShape: [null, 84], params: 10164 },
  { name: "dense_2", className: "Dense", outputShape: [null, 10], params: 850 },
];

/** Table lines are padded with spaces to the full width; written here without the padding. */
const w = (line: string, width = 65): string => line.padEnd(width);

describe("formatSummary", () => {
  it("prints LeNet-5 exactly as tf.keras 2 does", () => {
    // Column starts: 1 (after the leading space), 29, 55. A name cell holds 27 characters,
    // so "average_pooling2d (AveragePooling2D)" wraps after "AverageP", and on that line
    // the shape starts one column late (1 + 27 + 2 = 30 > 29), as Keras prints it.
    const expected = [
      'Model: "sequential"',
      "_".repeat(65),
      w(" Layer (type)                Output Shape              Param #"),
      "=".repeat(65),
      w(" conv2d (Conv2D)             (None, 28, 28, 6)         156"),
      w(""),
      w(" average_pooling2d (AverageP  (None, 14, 14, 6)        0"),
      w(" ooling2D)"),
      w(""),
      w(" conv2d_1 (Conv2D)           (None, 10, 10, 16)        2416"),
      w(""),
      w(" average_pooling2d_1 (Averag  (None, 5, 5, 16)         0"),
      w(" ePooling2D)"),
      w(""),
      w(" flatten (Flatten)           (None, 400)               0"),
      w(""),
      w(" dense (Dense)               (None, 120)               48120"),
      w(""),
      w(" dense_1 (Dense)             (None, 84)                10164"),
      w(""),
      w(" dense_2 (Dense)             (None, 10)                850"),
      w(""),
      "=".repeat(65),
      "Total params: 61,706",
      "Trainable params: 61,706",
      "Non-trainable params: 0",
      "_".repeat(65),
    ];
    const text = formatSummary("sequential", LENET5);
    expect(text.split("\n")).toEqual(expected);
    // The padding is real: every table line (all but the title and the totals) is 65 wide.
    for (const line of text.split("\n")) {
      if (!/^(Model|Total|Trainable|Non-trainable)/.test(line)) expect(line.length).toBe(65);
    }
  });

  it("wraps a long output shape within its column", () => {
    const rows: SummaryRow[] = [{ name: "big", className: "Dense", outputShape: [null, 123456789, 987654321, 42], params: 7 }];
    const lines = formatSummary("m", rows).split("\n");
    // The shape column holds 24 characters (55 - 29 - 2).
    expect(lines.slice(4, 7)).toEqual([
      w(" big (Dense)                 (None, 123456789, 987654  7"),
      w("                             321, 42)"),
      w(""),
    ]);
  });

  it("scales the columns with lineLength as int(0.45 L), int(0.85 L), L", () => {
    const lines = formatSummary("narrow", LENET5.slice(0, 1), { lineLength: 40 }).split("\n");
    // Columns end at 18, 34, 40: the name cell holds 16 characters, the shape 14 and
    // the last column 6, so even the header's "Param #" wraps.
    expect(lines).toEqual([
      'Model: "narrow"',
      "_".repeat(40),
      w(" Layer (type)     Output Shape    Param", 40),
      w("                                  #", 40),
      "=".repeat(40),
      w(" conv2d (Conv2D)  (None, 28, 28,  156", 40),
      w("                   6)", 40),
      w("", 40),
      "=".repeat(40),
      "Total params: 156",
      "Trainable params: 156",
      "Non-trainable params: 0",
      "_".repeat(40),
    ]);
  });

  it("counts params of non-trainable rows apart and uses thousands separators", () => {
    const rows: SummaryRow[] = [
      { name: "a", className: "Dense", outputShape: [null, 10], params: 1_234_567 },
      { name: "b", className: "Dense", outputShape: [null, 10], params: 2_000, trainable: false },
    ];
    const lines = formatSummary("m", rows).split("\n");
    expect(lines.slice(-4)).toEqual(["Total params: 1,236,567", "Trainable params: 1,234,567", "Non-trainable params: 2,000", "_".repeat(65)]);
    expect(lines[4]).toBe(w(" a (Dense)                   (None, 10)                1234567"));
  });

  it("prints explain lines under their row when asked, and only then", () => {
    const rows: SummaryRow[] = [
      { ...LENET5[0]!, explain: ["output: (28 + 2*2 - 5)/1 + 1 = 28 (same padding: P = 2)", "params: (5*5*1 + 1) * 6 = 156"] },
      LENET5[4]!,
    ];
    const plain = formatSummary("sequential", rows).split("\n");
    const explained = formatSummary("sequential", rows, { explain: true }).split("\n");
    expect(explained.slice(4, 9)).toEqual([
      w(" conv2d (Conv2D)             (None, 28, 28, 6)         156"),
      w("    output: (28 + 2*2 - 5)/1 + 1 = 28 (same padding: P = 2)"),
      w("    params: (5*5*1 + 1) * 6 = 156"),
      w(""),
      w(" flatten (Flatten)           (None, 400)               0"),
    ]);
    expect(explained.length).toBe(plain.length + 2);
  });

  it("formats shapes and numbers as Python does", () => {
    expect(formatShapeTuple([null, 28, 28, 6])).toBe("(None, 28, 28, 6)");
    expect(formatShapeTuple([null])).toBe("(None,)");
    expect(formatShapeTuple([])).toBe("()");
    expect(withThousands(0)).toBe("0");
    expect(withThousands(999)).toBe("999");
    expect(withThousands(3692640)).toBe("3,692,640");
  });

  it("rejects bad rows and widths by name", () => {
    expect(() => formatSummary("m", [], { lineLength: 10 })).toThrow("formatSummary: lineLength must be a whole number >= 20, received 10");
    expect(() => formatSummary("m", [{ ...LENET5[0]!, params: -1 }])).toThrow("formatSummary: rows[0] (conv2d): params must be a whole number >= 0, received -1");
    expect(() => formatSummary("m", [{ ...LENET5[0]!, outputShape: [null, 2.5] }])).toThrow(
      "formatSummary: rows[0] (conv2d): outputShape must hold whole numbers >= 0 or null, received [null,2.5]",
    );
  });
});
