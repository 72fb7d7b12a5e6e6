/**
 * `simdnet summary model.json` as the first thing a process does: the command must load
 * the kernels itself (the in-process CLI tests had always called init() earlier).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { tinyConvNet } from "../helpers/models.js";
import { init } from "../../ts/wasm/loader.js";

const dir = mkdtempSync(join(tmpdir(), "simdnet-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("summarizes a saved model in a process that never called init()", async () => {
  await init();
  const model = tinyConvNet({ seed: 3, filters: 2 });
  await model.save(`file://${dir}`);
  model.dispose();
  // A fresh module graph: the loader inside it has not been initialized.
  vi.resetModules();
  const { summary } = await import("../../ts/cli/summary.js");
  const chunks: string[] = [];
  await summary([join(dir, "model.json")], { isTTY: false, write: (s: string) => chunks.push(s) });
  expect(chunks.join("")).toContain("Total params: 47");
});
