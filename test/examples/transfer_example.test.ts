/**
 * examples/transfer_learning.ts runs end to end as a user runs it (vite-node, no
 * arguments but short training): generated images, the random-weight base saved and
 * loaded back, head, fine-tuning, the .keras file saved and checked. The steps themselves
 * are tested in detail by transfer_learning.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "simdnet-transfer-example-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(root, "node_modules", "vite-node", "vite-node.mjs"), join(root, "examples", "transfer_learning.ts"), ...args], {
    cwd: root, encoding: "utf8", timeout: 240_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("examples/transfer_learning.ts", () => {
  it("runs with a generated folder and a random base, and says so", () => {
    const out = join(dir, "model.keras");
    const r = run(["--epochs", "1", "--fine-tune", "1", "--unfreeze", "5", "--out", out]);
    expect(r.out).toContain("No --images: generated");
    expect(r.out).toContain("with RANDOM weights, saved it to");
    expect(r.out).toMatch(/Fine-tuning 1 epochs at 0\.0001: unfrozen block_16_project, Conv_1\n/);
    expect(r.out).toContain(`Saved ${out}; loaded back it predicts the same.`);
    expect(r.status, r.out).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 250_000);

  it("refuses an unknown option, naming it", () => {
    const r = run(["--epoch", "3"]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("transfer_learning: unknown option --epoch; the options are --images, --epochs");
  }, 60_000);
});
