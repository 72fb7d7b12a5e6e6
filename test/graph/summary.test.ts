/**
 * summary() of a functional model: tf.keras 2's table with "Connected to" (Keras 2.12's
 * print_summary for a non-sequential model: width 98, columns ending at 32, 53, 65, 98,
 * the InputLayer's row first with its shape as a list, inbound tensors as Python's str()
 * of a list, broken after each item). A Sequential keeps its own table.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../ts/wasm/loader.js";
import { mergeNet } from "./graphs.js";
import { formatConnections, formatGraphSummary } from "../../ts/model/summary.js";

beforeAll(async () => {
  await init();
});

const pad = (s: string) => s.padEnd(98);

describe("functional summary", () => {
  it("prints the tf.keras 2 table with Connected to", () => {
    const model = mergeNet(1);
    const lines: string[] = [];
    const text = model.summary({ print: (l) => lines.push(l) });
    expect(lines.join("\n")).toBe(text);
    const blank = " ".repeat(98);
    const row = (name: string, shape: string, params: string, connected: string) => pad(` ${name.padEnd(31)}${shape.padEnd(21)}${params.padEnd(12)}${connected}`);
    const cont = (connected: string) => pad(`${" ".repeat(65)}${connected}`);
    expect(lines).toEqual([
      'Model: "merges"',
      "_".repeat(98),
      row("Layer (type)", "Output Shape", "Param #", "Connected to"),
      "=".repeat(98),
      row("input_layer (InputLayer)", "[(None, 5)]", "0", "[]"), blank,
      row("dense (Dense)", "(None, 4)", "24", "['input_layer[0][0]']"), blank,
      row("dense_1 (Dense)", "(None, 3)", "18", "['input_layer[0][0]']"), blank,
      row("concatenate (Concatenate)", "(None, 7)", "0", "['dense[0][0]',"), cont(" 'dense_1[0][0]']"), blank,
      row("dense_2 (Dense)", "(None, 7)", "56", "['concatenate[0][0]']"), blank,
      row("add (Add)", "(None, 7)", "0", "['dense_2[0][0]',"), cont(" 'concatenate[0][0]']"), blank,
      row("add_1 (Add)", "(None, 7)", "0", "['add[0][0]',"), cont(" 'add[0][0]']"), blank,
      row("dense_3 (Dense)", "(None, 2)", "16", "['add_1[0][0]']"), blank,
      "=".repeat(98),
      "Total params: 114",
      "Trainable params: 114",
      "Non-trainable params: 0",
      "_".repeat(98),
    ]);
    model.dispose();
  });

  it("formats connections as Python's str() of a list and checks its arguments", () => {
    expect(formatConnections(["a", "b_1"])).toBe("['a[0][0]', 'b_1[0][0]']");
    expect(() => formatGraphSummary("m", { name: "in", shape: [2] }, [{ name: "d", className: "Dense", outputShape: [null, 2], params: 6 }], [])).toThrow(
      "formatGraphSummary: 1 rows but 0 connection lists",
    );
  });
});

describe("functional summary with explain", () => {
  it("puts each layer's arithmetic under its row, as for a Sequential", async () => {
    const { residualNet } = await import("./graphs.js");
    const model = residualNet(1);
    const plain = model.summary({ print: () => {} }).split("\n");
    const explained = model.summary({ explain: true, print: () => {} }).split("\n");
    expect(explained.length).toBeGreaterThan(plain.length);
    const conv = explained.findIndex((l) => l.startsWith(" conv2d (Conv2D)"));
    expect(explained[conv + 1]!.startsWith("    ")).toBe(true);
    expect(explained.filter((l) => !/^ {4}\S/.test(l))).toEqual(plain);
    model.dispose();
  });
});
