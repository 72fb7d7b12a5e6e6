/**
 * README.md's speed numbers are bench/RESULTS.md's (scripts/doc-numbers.mjs copies them;
 * run `node scripts/doc-numbers.mjs --write` after `npm run bench`; `npm run bench:next --
 * --write` rewrites them itself): LeNet-5's block and the next-scale block (ResNet-20,
 * MobileNetV2).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations
import { nextBlock, speedBlock, withNextBlock, withSpeedBlock } from "../../scripts/doc-numbers.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

describe("README.md's speed table", () => {
  it("is the one scripts/doc-numbers.mjs makes from bench/RESULTS.md", () => {
    const block = speedBlock(read("bench/RESULTS.md")) as string;
    expect(block).toMatch(/\| training, batch 64 \(images\/s\) \| [\d,]+ \|/);
    expect(read("README.md")).toContain(`<!-- bench:speed -->\n${block}\n<!-- /bench:speed -->`);
  });

  it("follows a new benchmark run and refuses results without the rows it needs", () => {
    const results = read("bench/RESULTS.md").replace(/\| train, batch 64 \(images\/s\) \| [\d,]+ \|/, "| train, batch 64 (images/s) | 99,999 |");
    expect(speedBlock(results)).toContain("| training, batch 64 (images/s) | 99,999 |");
    expect(() => speedBlock("# nothing here\n")).toThrow(/no "## LeNet-5" section/);
    expect(() => withSpeedBlock("no markers", "x")).toThrow(/no <!-- bench:speed --> block/);
  });
});

/** A "Next scale" engine row as bench/next_scale.ts writes it for simdnet, with numbers. */
const simdnetRow = (infer: string, latency: string, train: string) => `| simdnet (1 thread; training: 1 / 2 workers) | 1e-6 / 4e-7 | ${infer} | ${latency} | ${train} |`;

describe("README.md's next-scale table (ResNet-20, MobileNetV2)", () => {
  it("is the one scripts/doc-numbers.mjs makes from bench/RESULTS.md's \"Next scale\" section", () => {
    const block = nextBlock(read("bench/RESULTS.md")) as string;
    expect(block).toContain("| ResNet-20, 32x32x3 | inference, batch 64 (images/s) |");
    expect(block).toContain("| MobileNetV2 (alpha 0.35), 96x96x3 | inference, batch 64 (images/s) |");
    expect(read("README.md")).toContain(`<!-- bench:next -->\n${block}\n<!-- /bench:next -->`);
  });

  it("takes simdnet's, onnxruntime-web's and TF.js wasm's figures per network, and says when the machine was busy", () => {
    const results = read("bench/RESULTS.md");
    const section = results.slice(results.indexOf("\n## Next scale\n"));
    const resnet = section.indexOf("\n### ResNet-20");
    const mobile = section.indexOf("\n### MobileNetV2");
    const withRows = (text: string) => {
      let out = "";
      let n = 0;
      for (const line of text.split("\n")) out += (line.startsWith("| simdnet") ? (n++ === 0 ? simdnetRow("349", "3.49", "109 / 151") : simdnetRow("524", "2.44", "162 / 195")) : line) + "\n";
      return out;
    };
    const quiet = withRows(results).replace(/: \*\*the machine was busy[^*]*\*\*/g, "");
    const block = nextBlock(quiet) as string;
    expect(resnet).toBeLessThan(mobile);
    expect(block).toMatch(/\| ResNet-20, 32x32x3 \| inference, batch 64 \(images\/s\) \| 349 \| [\d,]+ \| [\d,]+ \|/);
    expect(block).toMatch(/\| \| latency, one image \| 3\.49 ms \| [\d.]+ ms \| [\d.]+ ms \|/);
    expect(block).toContain("| | training, batch 64, Adam (images/s; 1 / 2 workers) | 109 / 151 | no training | cannot train |");
    expect(block).toContain("| MobileNetV2 (alpha 0.35), 96x96x3 | inference, batch 64 (images/s) | 524 |");
    expect(block).toContain("| | training, batch 64, Adam (images/s; 1 / 2 workers) | 162 / 195 |");
    expect(block).not.toContain("busy");
    expect(block).not.toContain("pending");
    const busy = nextBlock(withRows(results).replace(/one-minute load average [^\n]*/, "one-minute load average 9.0 at the start: **the machine was busy with other jobs, rerun**")) as string;
    expect(busy).toContain("busy with other jobs");
  });

  it("refuses results without the section, a network or its rows, and a README without the markers", () => {
    expect(() => nextBlock("# nothing here\n")).toThrow(/no "## Next scale" section/);
    const results = read("bench/RESULTS.md");
    expect(() => nextBlock(results.replace("\n### MobileNetV2 alpha 0.35, 96x96x3", "\n### Something else"))).toThrow(/no "### MobileNetV2 alpha 0.35, 96x96x3" subsection/);
    expect(() => nextBlock(results.replace(/\n\| onnxruntime-web[^\n]*/g, ""))).toThrow(/has no row "onnxruntime-web"/);
    expect(() => withNextBlock("no markers", "x")).toThrow(/no <!-- bench:next --> block/);
  });
});
