/**
 * The simdnet command end to end, in process: train a small run and save it, then
 * summary and predict on what was saved, plus usage errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predict } from "../../ts/cli/predict.js";
import { summary } from "../../ts/cli/summary.js";
import { train } from "../../ts/cli/train.js";
import { main } from "../../ts/cli/main.js";
import { UsageError } from "../../ts/cli/args.js";
import { encodeIdx } from "../../ts/data/idx.js";
import { encodePng } from "../../ts/data/png.js";
import { loadMnist } from "../../ts/data/mnist.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { init } from "../../ts/wasm/loader.js";

function capture() {
  const chunks: string[] = [];
  return { text: () => chunks.join(""), stream: { isTTY: false, write: (s: string) => chunks.push(s) } };
}

const dir = mkdtempSync(join(tmpdir(), "simdnet-cli-"));
const modelDir = join(dir, "lenet5");
let trainOutput = "";
let reportedAccuracy = 0;

beforeAll(async () => {
  await init();
  const out = capture();
  reportedAccuracy = await train(["--epochs", "2", "--seed", "3", "--out", modelDir], out.stream);
  trainOutput = out.text();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simdnet train", () => {
  it("prints a line per epoch, the test accuracy, and saves the model", async () => {
    const lines = trainOutput.trim().split("\n");
    expect(lines[0]).toBe("LeNet-5 (keras, 61,706 parameters) on the bundled MNIST digits: 8,000 to train, 2,000 to test; simd wasm kernels");
    expect(lines.filter((l) => /^Epoch [12]\/2  \[=+\]  8000\/8000 .* loss \d\.\d{4}  accuracy 0\.\d{4}$/.test(l))).toHaveLength(2);
    const m = /^Test accuracy: (\d+\.\d\d)% \((\d+)\/2000\), loss \d\.\d{4}$/m.exec(trainOutput);
    expect(m).not.toBeNull();
    expect(Number(m![1]) / 100).toBeCloseTo(reportedAccuracy, 4);
    expect(reportedAccuracy).toBeGreaterThan(0.85); // two epochs of Adam on LeNet-5
    expect(trainOutput).toContain(`Saved to ${modelDir}/model.json`);
    // The saved model reproduces the reported accuracy on the same held-out digits.
    const model = await loadSequential(`file://${modelDir}/model.json`);
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { test } = loadMnist({ seed: 3, testCount: 2000 });
    expect(model.evaluate(test.x, test.y).accuracy).toBeCloseTo(reportedAccuracy, 6);
    model.dispose();
  });

  it("rejects bad flags before doing any work", async () => {
    await expect(train(["--epochs", "zero"], capture().stream)).rejects.toThrow('--epochs expects a number, received "zero"');
    await expect(train(["--epochs", "0"], capture().stream)).rejects.toThrow("--epochs must be between 1 and 10000, received 0");
    await expect(train(["--idx-images", "a.idx"], capture().stream)).rejects.toThrow("--idx-images and --idx-labels go together");
    await expect(train(["--variant", "vgg"], capture().stream)).rejects.toThrow('--variant must be keras or classic, received "vgg"');
    await expect(train(["--bogus"], capture().stream)).rejects.toBeInstanceOf(UsageError);
  });
});

describe("simdnet summary", () => {
  it("prints LeNet-5 for a given input shape, with the arithmetic", async () => {
    const out = capture();
    await summary(["lenet5", "--input", "32,32,3", "--variant", "classic", "--explain"], out.stream);
    expect(out.text()).toContain("Total params: 62,006");
    expect(out.text()).toContain("(5*5*3 + 1) * 6 = 456");
  });

  it("prints a saved model's table", async () => {
    const out = capture();
    await summary([join(modelDir, "model.json")], out.stream);
    expect(out.text()).toContain("Total params: 61,706");
    expect(out.text()).toContain(" conv2d (Conv2D)             (None, 28, 28, 6)         156");
  });

  it("needs exactly one model", async () => {
    await expect(summary([], capture().stream)).rejects.toThrow('summary takes one model (a model.json path or "lenet5"), received 0');
  });
});

describe("simdnet predict", () => {
  it("classifies a PNG the same way the model does", async () => {
    const { test } = loadMnist({ seed: 3, testCount: 2000 });
    const model = await loadSequential(`file://${modelDir}/model.json`);
    for (const i of [0, 1, 2]) {
      const pixels = test.x.data.subarray(i * 784, (i + 1) * 784);
      const gray = Uint8Array.from(pixels, (v) => Math.round(v * 255));
      const png = join(dir, `digit${i}.png`);
      writeFileSync(png, encodePng(gray, 28, 28));
      // What the model says about the exact pixels the PNG decodes to.
      const probs = model.predict({ data: Float32Array.from(gray, (v) => v / 255), shape: [1, 28, 28, 1] }).data;
      const best = probs.indexOf(Math.max(...probs));
      const out = capture();
      await predict([join(modelDir, "model.json"), png], out.stream);
      expect(out.text().split("\n")[0]).toBe(`${png}: ${best}`);
    }
    model.dispose();
  });

  it("reports accuracy on IDX images and labels", async () => {
    const { test } = loadMnist({ seed: 3, testCount: 2000 });
    const images = join(dir, "images.idx");
    const labels = join(dir, "labels.idx");
    writeFileSync(images, encodeIdx([2000, 28, 28], Uint8Array.from(test.x.data, (v) => Math.round(v * 255))));
    writeFileSync(labels, encodeIdx([2000], Uint8Array.from(test.y.data)));
    const out = capture();
    await predict([join(modelDir, "model.json"), images, "--labels", labels], out.stream);
    const m = /Accuracy: (\d+\.\d\d)% \((\d+)\/2000\)/.exec(out.text());
    expect(m).not.toBeNull();
    // Pixels went through 8 bits, so allow a digit or two to flip.
    expect(Math.abs(Number(m![2]) - reportedAccuracy * 2000)).toBeLessThanOrEqual(3);
  });

  it("says when the image does not exist", async () => {
    await expect(predict([join(modelDir, "model.json"), join(dir, "nope.png")], capture().stream)).rejects.toThrow(`cannot read ${join(dir, "nope.png")}: no such file`);
  });

  it("says what is wrong with a bad model path", async () => {
    await expect(predict([join(dir, "missing.json"), "x.png"], capture().stream)).rejects.toThrow(/missing\.json/);
  });
});

describe("simdnet main", () => {
  it("prints help and exits 0, and 2 for an unknown command", async () => {
    const write = process.stdout.write;
    const errWrite = process.stderr.write;
    const seen: string[] = [];
    process.stdout.write = ((s: string) => (seen.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (seen.push(s), true)) as typeof process.stderr.write;
    try {
      expect(await main(["--help"])).toBe(0);
      expect(await main(["train", "--help"])).toBe(0);
      expect(await main(["fly"])).toBe(2);
      expect(await main(["train", "--epochs=-3"])).toBe(2);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
    }
    const text = seen.join("");
    expect(text).toContain("Usage: simdnet <command> [options]");
    expect(text).toContain("--augment           random rotations, shifts and zoom");
    expect(text).toContain('simdnet: unknown command "fly"');
    expect(text).toContain("simdnet train: --epochs must be between 1 and 10000, received -3");
  });
});
