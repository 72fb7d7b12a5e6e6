/**
 * `simdnet predict` on what users actually give it: IDX images without labels (every
 * prediction, and a CSV with --out), images in formats it does not read (named, with what
 * it accepts), and `simdnet --version`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../ts/cli/main.js";
import { predict, sniffInput } from "../../ts/cli/predict.js";
import { UsageError } from "../../ts/cli/args.js";
import { encodeIdx } from "../../ts/data/idx.js";
import { lenet5 } from "../../ts/models/lenet5.js";
import { Random } from "../../ts/random.js";
import { init } from "../../ts/wasm/loader.js";

function capture() {
  const chunks: string[] = [];
  return { text: () => chunks.join(""), stream: { isTTY: false, write: (s: string) => chunks.push(s) } };
}

const dir = mkdtempSync(join(tmpdir(), "simdnet-predict-"));
const modelJson = join(dir, "model", "model.json");
const images = join(dir, "images.idx");
const labels = join(dir, "labels.idx");
const N = 37;
let expected: number[] = [];

beforeAll(async () => {
  await init();
  // An untrained LeNet-5 is enough: the CLI must report what the model says.
  const model = lenet5({ seed: 5 });
  await model.save(`file://${join(dir, "model")}`);
  const random = new Random(9);
  const pixels = Uint8Array.from({ length: N * 784 }, () => random.int(256));
  writeFileSync(images, encodeIdx([N, 28, 28], pixels));
  writeFileSync(labels, encodeIdx([N], Uint8Array.from({ length: N }, (_, i) => i % 10)));
  const probs = model.predict({ data: Float32Array.from(pixels, (v) => v / 255), shape: [N, 28, 28, 1] });
  expected = Array.from({ length: N }, (_, i) => {
    const row = Array.from(probs.data.subarray(i * 10, i * 10 + 10));
    return row.indexOf(Math.max(...row));
  });
  model.dispose();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simdnet predict on IDX images", () => {
  it("prints the first predictions, how many more, and the count per class, without labels", async () => {
    const out = capture();
    await predict([modelJson, images], out.stream);
    const lines = out.text().trimEnd().split("\n");
    for (let i = 0; i < 20; i++) expect(lines[i]).toMatch(new RegExp(`^ +${i}: ${expected[i]}  +\\d+\\.\\d%$`));
    expect(lines[20]).toBe("   ... 17 more (--out FILE writes them all as CSV)");
    const counts = Array.from({ length: 10 }, (_, k) => `${k}:${expected.filter((p) => p === k).length}`).join(" ");
    expect(lines[21]).toBe(`37 images; predicted per class: ${counts}`);
    expect(lines).toHaveLength(22);
  });

  it("writes every prediction as CSV with --out, with the labels when given", async () => {
    const csv = join(dir, "predictions.csv");
    const out = capture();
    await predict([modelJson, images, "--labels", labels, "--out", csv], out.stream);
    const rows = readFileSync(csv, "utf8").trim().split("\n");
    expect(rows[0]).toBe("index,predicted,confidence,label");
    expect(rows).toHaveLength(N + 1);
    rows.slice(1).forEach((row, i) => {
      const [index, predicted, confidence, label] = row.split(",");
      expect(Number(index)).toBe(i);
      expect(Number(predicted)).toBe(expected[i]);
      expect(Number(confidence)).toBeGreaterThan(0.1 - 1e-6); // the top of ten probabilities
      expect(Number(label)).toBe(i % 10);
    });
    expect(out.text()).toContain(`Wrote 37 predictions to ${csv}`);
    expect(out.text()).toMatch(/Accuracy: \d+\.\d\d% \(\d+\/37\)/);
  });

  it("checks --out and --top before predicting", async () => {
    const missing = modelJson;
    await expect(predict([missing, images, "--out", join(dir, "no", "such", "dir.csv")], capture().stream)).rejects.toThrow(/--out .*dir\.csv: the directory .*such does not exist/);
    await expect(predict([missing, images, "--out", dir], capture().stream)).rejects.toThrow(/is a directory; give a file name/);
    await expect(predict([missing, images, "--top", "2"], capture().stream)).rejects.toThrow("--top applies to images only");
    await expect(predict([missing, images, "--csv"], capture().stream)).rejects.toThrow("--csv applies to images only (for IDX images, use --out FILE)");
  });
});

describe("simdnet predict on other files", () => {
  const ACCEPTED = "predict reads PNG, JPEG, BMP and GIF images, folders of them, and IDX image files (the MNIST format, gzipped or not)";
  const cases: [string, number[], string][] = [
    ["photo.webp", [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0], "is a WebP image"],
    ["scan.tif", [0x49, 0x49, 0x2a, 0x00], "is a TIFF image"],
    ["notes.txt", [0x68, 0x69, 0x0a], "is not an image or IDX file (it starts with 0x68 0x69 0x0a)"],
    ["empty.png", [], "is not an image or IDX file (it starts with nothing: it is empty)"],
  ];
  for (const [name, bytes, says] of cases) {
    it(`names what ${name} is and what predict reads`, async () => {
      const path = join(dir, name);
      writeFileSync(path, Uint8Array.from(bytes));
      const error = await predict([modelJson, path], capture().stream).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`${path} ${says}; ${ACCEPTED}. Convert other images to PNG or JPEG first.`);
    });
  }

  // JPEG, GIF and BMP are read now: a damaged one is an error naming the file and the damage.
  const truncated: [string, number[], string][] = [
    ["digit.jpg", [0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "truncated JPEG"],
    ["digit.gif", [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], "truncated GIF"],
    ["digit.bmp", [0x42, 0x4d, 0, 0], "truncated BMP"],
  ];
  for (const [name, bytes, says] of truncated) {
    it(`reads ${name} as an image and names what is wrong with it`, async () => {
      const path = join(dir, name);
      writeFileSync(path, Uint8Array.from(bytes));
      const error = await predict([modelJson, path], capture().stream).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(`${path}: ${says}`);
    });
  }

  it("reads the format from the bytes, not the name", () => {
    expect(sniffInput(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "x.idx")).toBe("png");
    expect(sniffInput(Uint8Array.from([0x1f, 0x8b, 8, 0]), "x.png")).toBe("idx");
    expect(sniffInput(Uint8Array.from([0, 0, 8, 3]), "x")).toBe("idx");
  });
});

describe("simdnet --version", () => {
  it("prints the package's name and version and exits 0", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const write = process.stdout.write;
    const seen: string[] = [];
    process.stdout.write = ((s: string) => (seen.push(s), true)) as typeof process.stdout.write;
    try {
      expect(await main(["--version"])).toBe(0);
      expect(await main(["-v"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(seen).toEqual([`simdnet ${pkg.version}\n`, `simdnet ${pkg.version}\n`]);
  });
});
