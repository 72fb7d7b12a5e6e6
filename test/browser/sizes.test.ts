/**
 * The size tables of README.md and docs/browser.md are measurements, not typing: a fresh
 * browser build is measured as `node scripts/build-browser.mjs --sizes --write` measures it,
 * and every documented size must be within 3% (or 0.5 KiB) of it. Rewrite the tables with
 * that command when this fails.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations
import { SIZE_DOCS, buildLibrary, measureSizes, replaceSizeBlocks, sizeTables } from "../../scripts/build-browser.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir = "";
let tables: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simdnet-sizes-"));
  await buildLibrary({ outdir: dir });
  tables = sizeTables(await measureSizes({ dist: dir }));
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sizesIn = (text: string): number[] => [...text.matchAll(/([\d.]+) KiB/g)].map((m) => Number(m[1]));

/** The block `name` of `text`. */
function block(text: string, name: string): string {
  const m = new RegExp(`<!-- sizes:${name} -->([\\s\\S]*?)<!-- /sizes:${name} -->`).exec(text);
  if (!m) throw new Error(`no <!-- sizes:${name} --> block`);
  return m[1]!;
}

describe("documented sizes", () => {
  for (const [doc, names] of Object.entries(SIZE_DOCS as Record<string, string[]>)) {
    for (const name of names) {
      it(`${doc}'s ${name} table matches a fresh measurement`, async () => {
        const documented = block(await readFile(join(root, doc), "utf8"), name);
        const measured = tables[name]!;
        // Same rows and labels; only the numbers may drift a little.
        expect(documented.replace(/[\d.]+ KiB/g, "N").trim()).toBe(measured.replace(/[\d.]+ KiB/g, "N").trim());
        const want = sizesIn(measured);
        const have = sizesIn(documented);
        expect(have.length).toBe(want.length);
        have.forEach((kib, i) => {
          const tolerance = Math.max(0.5, want[i]! * 0.03);
          expect(Math.abs(kib - want[i]!), `${doc} ${name}: documented ${kib} KiB, measured ${want[i]} KiB; run node scripts/build-browser.mjs --sizes --write`).toBeLessThanOrEqual(tolerance);
        });
      });
    }
  }

  it("the rewrite replaces a block and refuses a document without its markers", () => {
    const text = "a\n<!-- sizes:readme -->\nold\n<!-- /sizes:readme -->\nb";
    expect(replaceSizeBlocks(text, ["readme"], { readme: "new" }, "x.md")).toBe("a\n<!-- sizes:readme -->\nnew\n<!-- /sizes:readme -->\nb");
    expect(() => replaceSizeBlocks("no markers", ["readme"], { readme: "new" }, "x.md")).toThrow(/x\.md has no <!-- sizes:readme --> block/);
  });
});
