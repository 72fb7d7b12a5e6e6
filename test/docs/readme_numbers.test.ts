/**
 * README.md's speed numbers are bench/RESULTS.md's (scripts/doc-numbers.mjs copies them;
 * run `node scripts/doc-numbers.mjs --write` after `npm run bench`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations
import { speedBlock, withSpeedBlock } from "../../scripts/doc-numbers.mjs";

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
