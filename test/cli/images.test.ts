/**
 * The CLI on image folders end to end, in process: a folder of bundled digits written as
 * PNG, gray JPEG and coloured JPEG at several sizes (examples/digit_folder.ts); `train
 * --images` with ResNet-20 saves a .keras file carrying the class names, which `predict`
 * prints for a JPEG and a folder (also as CSV) and `evaluate` checks against the class
 * folders; and every bad input a user can give fails with a clear message and the CLI's
 * exit codes (2 for usage, 1 for a failure).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../ts/cli/evaluate.js";
import { main } from "../../ts/cli/main.js";
import { predict } from "../../ts/cli/predict.js";
import { train } from "../../ts/cli/train.js";
import { UsageError } from "../../ts/cli/args.js";
import { imageFolder } from "../../ts/data/image_folder_node.js";
import { loadSequential } from "../../ts/io/sequential_io.js";
import { init } from "../../ts/wasm/loader.js";
import { makeDigitFolder } from "../../examples/digit_folder.js";

function capture() {
  const chunks: string[] = [];
  return { text: () => chunks.join(""), stream: { isTTY: false, write: (s: string) => chunks.push(s) } };
}

/** Runs main() with stdout and stderr captured; returns the exit code and both texts. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

const dir = mkdtempSync(join(tmpdir(), "simdnet-cli-images-"));
const trainDir = join(dir, "train");
const testDir = join(dir, "test");
const modelPath = join(dir, "m.keras");
const CLASSES = ["one", "two", "zero"]; // alphabetical, as Keras orders class folders
let trainOutput = "";

beforeAll(async () => {
  await init();
  makeDigitFolder(trainDir, { perClass: 10, classes: 3, seed: 1 });
  makeDigitFolder(testDir, { perClass: 4, classes: 3, skip: 10, seed: 2 });
  const out = capture();
  await train(["--images", trainDir, "--model", "resnet20", "--image-size", "32,32", "--epochs", "1", "--batch-size", "8", "--seed", "4", "--out", modelPath], out.stream);
  trainOutput = out.text();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simdnet train --images", () => {
  it("the generated folder mixes PNG and JPEG, gray and colour, several sizes", () => {
    const files = readdirSync(join(trainDir, "zero"));
    expect(files.some((f) => f.endsWith(".png"))).toBe(true);
    expect(files.some((f) => f.endsWith(".jpg"))).toBe(true);
    expect(imageFolder(trainDir, { imageSize: 8 }).classNames).toEqual(CLASSES);
  });

  it("describes the run, prints each epoch with validation metrics, and names the file written", () => {
    const lines = trainOutput.trim().split("\n");
    expect(lines[0]).toMatch(/^ResNet-20 \(273,987 parameters\) on .*train: 3 classes \(one, two, zero\), 24 images to train, 6 to validate, 32x32 rgb; (simd|scalar) wasm kernels$/);
    expect(lines.filter((l) => /^Epoch 1\/1 .* loss \d+\.\d{4}  accuracy \d\.\d{4}  val_loss \d+\.\d{4}  val_accuracy \d\.\d{4}$/.test(l))).toHaveLength(1);
    expect(trainOutput).toMatch(/Validation accuracy: \d+\.\d\d% \(\d\/6\), loss \d+\.\d{4}/);
    expect(lines[lines.length - 1]).toBe(`Saved to ${modelPath} (with the class names)`);
  });

  it("saves the class names and a Rescaling layer in front; the file loads with them", async () => {
    const model = await loadSequential(`file://${modelPath}`);
    try {
      expect(model.classNames).toEqual(CLASSES);
      expect(model.inputShape).toEqual([32, 32, 3]);
      expect(model.layers[0]!.className).toBe("Rescaling");
      expect(model.outputShape).toEqual([3]);
    } finally {
      model.dispose();
    }
  });
});

describe("simdnet train --images: the other models and options", () => {
  it("LeNet-5 on grayscale images with --augment and no split, saved as model.json", async () => {
    const out = capture();
    const folder = join(dir, "lenet5");
    await train(["--images", trainDir, "--model", "lenet5", "--color", "grayscale", "--augment", "--validation-split", "0", "--epochs", "1", "--quiet", "--out", folder], out.stream);
    expect(out.text()).toMatch(/^LeNet-5 \(\d{1,3}(,\d{3})* parameters\) on .*: 3 classes \(one, two, zero\), 30 images to train, none to validate, 28x28 grayscale, augmented; /);
    expect(out.text()).not.toContain("Validation accuracy");
    expect(out.text()).not.toContain("Epoch 1/1");
    expect(out.text().trim().split("\n").pop()).toBe(`Saved to ${folder}/model.json (with the class names)`);
    const model = await loadSequential(`file://${folder}/model.json`);
    expect(model.layers.slice(0, 5).map((l) => l.className)).toEqual(["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "Rescaling"]);
    expect(model.inputShape).toEqual([28, 28, 1]);
    expect(model.classNames).toEqual(CLASSES);
    model.dispose();
  }, 60_000);

  it("MobileNetV2 with a width multiplier, saved as .h5, scales pixels to [-1, 1]", async () => {
    const out = capture();
    const file = join(dir, "mnv2.h5");
    await train(["--images", trainDir, "--model", "mobilenetv2:0.35", "--image-size", "32,32", "--epochs", "1", "--quiet", "--out", file], out.stream);
    expect(out.text()).toMatch(/^MobileNetV2 \(alpha 0\.35\) \(/);
    const model = await loadSequential(`file://${file}`);
    const rescale = model.layers[0]!;
    expect(rescale.className).toBe("Rescaling");
    const config = model.describeLayers()[0]!.config as { scale: number; offset: number };
    expect(config.scale).toBeCloseTo(1 / 127.5, 9);
    expect(config.offset).toBe(-1);
    expect(model.classNames).toEqual(CLASSES);
    model.dispose();
  }, 120_000);

  it("a model file is trained further, its size and colours taken from it", async () => {
    const out = capture();
    const file = join(dir, "again.keras");
    await train(["--images", trainDir, "--model", modelPath, "--epochs", "1", "--quiet", "--out", file], out.stream);
    expect(out.text()).toContain(`${modelPath} (273,987 parameters) on ${trainDir}: 3 classes (one, two, zero), 24 images to train, 6 to validate, 32x32 rgb;`);
    const before = await loadSequential(`file://${modelPath}`);
    const after = await loadSequential(`file://${file}`);
    expect(after.classNames).toEqual(CLASSES);
    expect(after.layers.map((l) => l.name)).toEqual(before.layers.map((l) => l.name));
    // Trained on: the weights moved.
    const moved = before.getWeights().some((w, i) => w.data.some((v, k) => v !== after.getWeights()[i]!.data[k]));
    expect(moved).toBe(true);
    before.dispose();
    after.dispose();
  }, 120_000);
});

describe("simdnet predict and evaluate on images", () => {
  it("prints the top classes by name with probabilities for a JPEG", async () => {
    const jpg = join(testDir, "two", readdirSync(join(testDir, "two")).find((f) => f.endsWith(".jpg"))!);
    const out = capture();
    await predict([modelPath, jpg, "--top", "3"], out.stream);
    const lines = out.text().trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    const best = /^.*\.jpg: (one|two|zero)$/.exec(lines[0]!);
    expect(best).not.toBeNull();
    const rows = lines.slice(1).map((l) => /^ {2}(one|two|zero) +(\d+\.\d\d)%$/.exec(l)!);
    expect(rows.every((r) => r !== null)).toBe(true);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(CLASSES));
    expect(rows[0]![1]).toBe(best![1]);
    const probs = rows.map((r) => Number(r[2]));
    expect(probs[0]).toBeGreaterThanOrEqual(probs[1]!);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
  });

  it("agrees with the model's own predict on the same image", async () => {
    const model = await loadSequential(`file://${modelPath}`);
    const source = imageFolder(testDir, { classNames: CLASSES, imageSize: [32, 32], shuffle: false });
    const probs = model.predict(source.toTensors(0, 1).x).data;
    model.dispose();
    const out = capture();
    await predict([modelPath, join(testDir, source.filePaths[0]!), "--csv", "--top", "3"], out.stream);
    const [header, row] = out.text().trim().split("\n");
    expect(header).toBe("file,class,probability,class_2,probability_2,class_3,probability_3");
    const cells = row!.split(",");
    for (let k = 0; k < 3; k++) expect(Number(cells[2 + 2 * k])).toBeCloseTo(probs[CLASSES.indexOf(cells[1 + 2 * k]!)]!, 5);
  });

  it("--csv on a folder gives one row per image, every class named", async () => {
    const out = capture();
    await predict([modelPath, testDir, "--csv", "--top", "1"], out.stream);
    const rows = out.text().trim().split("\n");
    expect(rows[0]).toBe("file,class,probability");
    expect(rows).toHaveLength(1 + 12);
    for (const row of rows.slice(1)) expect(row).toMatch(/^.*test\/(one|two|zero)\/\d{4}\.(png|jpg),(one|two|zero),[01]\.\d{6}$/);
  });

  it("evaluate reports the loss and accuracy that model.evaluate gives on the folder", async () => {
    const out = capture();
    const result = await evaluate([modelPath, testDir], out.stream);
    expect(out.text()).toContain("12 images in 3 classes (one, two, zero), read at 32x32 rgb");
    expect(out.text()).toMatch(/Loss \d+\.\d{4}, accuracy \d+\.\d\d% \(\d+\/12\)/);
    const model = await loadSequential(`file://${modelPath}`);
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const { x, y } = imageFolder(testDir, { classNames: CLASSES, imageSize: [32, 32], shuffle: false }).toTensors();
    const direct = model.evaluate(x, y!);
    model.dispose();
    expect(result.loss).toBeCloseTo(direct.loss, 4);
    expect(result.accuracy).toBeCloseTo(direct.accuracy!, 6);
  });

  it("a model without class names prints indices and says so once", async () => {
    const model = await loadSequential(`file://${modelPath}`);
    model.classNames = null;
    const bare = join(dir, "bare.keras");
    await model.save(`file://${bare}`);
    model.dispose();
    const out = capture();
    await predict([bare, testDir, "--top", "1"], out.stream);
    const lines = out.text().trim().split("\n");
    expect(lines[0]).toBe(`(${bare} has no class names, so classes are shown by index; models saved by 'simdnet train --images' carry them)`);
    expect(lines.filter((l) => l.includes("no class names"))).toHaveLength(1);
    expect(lines.slice(1, 13).every((l) => /: [012] \d+\.\d%$/.test(l))).toBe(true);
  });
});

describe("bad input", () => {
  const bad = (name: string) => join(dir, name);

  it("refuses with exit code 2 and a clear message", async () => {
    mkdirSync(bad("empty"), { recursive: true });
    mkdirSync(bad("flat"), { recursive: true });
    writeFileSync(join(bad("flat"), "a.png"), "not really");
    mkdirSync(join(bad("noimages"), "cat"), { recursive: true });
    writeFileSync(join(bad("noimages"), "cat", "notes.txt"), "text");
    const cases: [string[], RegExp][] = [
      [["train", "--images", trainDir, "--model", "resnet20"], /--images needs --out FILE\.keras/],
      [["train", "--images", trainDir, "--model", "vgg16", "--out", bad("x.keras")], /--model "vgg16" is not a model simdnet knows; expected lenet5, resnet20, mobilenetv2/],
      [["train", "--images", trainDir, "--model", "resnet20", "--image-size", "16,16", "--out", bad("x.keras")], /--model resnet20 cannot take 16x16 images .*at least 29/],
      [["train", "--images", trainDir, "--model", "mobilenetv2:0.35", "--image-size", "24,24", "--out", bad("x.keras")], /--model mobilenetv2 cannot take 24x24 .*at least 32x32/],
      [["train", "--images", trainDir, "--model", "mobilenetv2:zero", "--out", bad("x.keras")], /width multiplier/],
      [["train", "--images", trainDir, "--image-size", "32,x", "--out", bad("x.keras")], /--image-size expects HEIGHT,WIDTH/],
      [["train", "--images", trainDir, "--color", "cmyk", "--out", bad("x.keras")], /--color must be grayscale, rgb or rgba/],
      [["train", "--images", bad("empty"), "--out", bad("x.keras")], /has no subfolders; expected one folder per class/],
      [["train", "--images", bad("flat"), "--out", bad("x.keras")], /has no subfolders/],
      [["train", "--images", bad("noimages"), "--out", bad("x.keras")], /class folder .*cat holds no images/],
      [["train", "--images", bad("missing"), "--out", bad("x.keras")], /--images .*missing: no such folder/],
      [["train", "--images", trainDir, "--out", join(dir, "no", "such", "m.keras")], /the folder .*such does not exist/],
      [["train", "--model", "resnet20"], /--model applies with --images DIR only/],
      [["predict", modelPath, bad("missing.jpg")], /no such file/],
      [["evaluate", modelPath, bad("empty")], /has no subfolders; expected one folder per class/],
      [["evaluate", modelPath], /evaluate takes a model .* received 1 arguments/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it("fails with exit code 1 naming the missing and extra classes", async () => {
    mkdirSync(join(bad("other"), "zero"), { recursive: true });
    mkdirSync(join(bad("other"), "three"), { recursive: true });
    for (const f of readdirSync(join(testDir, "zero"))) copyFileSync(join(testDir, "zero", f), join(bad("other"), "zero", f));
    for (const f of readdirSync(join(testDir, "one"))) copyFileSync(join(testDir, "one", f), join(bad("other"), "three", f));
    const r = await run(["evaluate", modelPath, bad("other")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("do not match the model's classes (one, two, zero): missing one, two; not classes of the model: three;");
  });

  it("a model file whose input does not fit the images is refused, naming both shapes", async () => {
    const r = await run(["train", "--images", trainDir, "--model", modelPath, "--image-size", "40,40", "--out", bad("y.keras")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--model ${modelPath} takes images of 32x32 with 3 channels, but --image-size/--color ask for 40x40 with 3`);
    const e = await train(["--images", trainDir, "--model", modelPath, "--color", "grayscale", "--out", bad("y.keras")], capture().stream).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
  });
});
