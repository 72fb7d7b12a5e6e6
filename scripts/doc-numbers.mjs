#!/usr/bin/env node
/**
 * README.md's speed numbers, taken from bench/RESULTS.md (written by `npm run bench`), so
 * that the README cannot drift from the benchmarks:
 *
 *   node scripts/doc-numbers.mjs            prints the README block
 *   node scripts/doc-numbers.mjs --write    rewrites it between <!-- bench:speed --> markers
 *
 * test/docs/readme_numbers.test.ts fails when the README's block differs from what this
 * prints.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The cells of the table row of `section` whose first cell is `label`. */
function row(results, section, label) {
  const start = results.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`doc-numbers: bench/RESULTS.md has no "## ${section}" section`);
  const end = results.indexOf("\n## ", start + 1);
  const body = results.slice(start, end < 0 ? undefined : end);
  const line = body.split("\n").find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`doc-numbers: bench/RESULTS.md's "${section}" has no row "${label}"`);
  return line.split("|").slice(1, -1).map((c) => c.trim());
}

/** The README's speed block, from the text of bench/RESULTS.md. */
export function speedBlock(results) {
  const train = row(results, "LeNet-5", "train, batch 64 (images/s)");
  const infer = row(results, "LeNet-5", "inference, batch 256 (images/s)");
  const latency = row(results, "LeNet-5", "latency, 1 image (ms)");
  const workers = row(results, "Data-parallel training", "2 (main + 1 worker)");
  const measured = /\nMeasured (\d{4}-\d\d-\d\d), ([^,]+), .*?(Node v\d+)/.exec(results.slice(results.indexOf("\n## LeNet-5\n")));
  if (!measured) throw new Error('doc-numbers: bench/RESULTS.md\'s "LeNet-5" section does not say when and where it was measured');
  const ms = (s) => (s === "cannot train" ? s : `${s} ms`);
  return [
    `LeNet-5 on 28x28 digits, one core of a 2-core ${measured[2]}, ${measured[3]}, measured ${measured[1]} in one process`,
    "with TensorFlow.js (`npm run bench`; full tables, per-layer profile and notes in",
    "[bench/RESULTS.md](bench/RESULTS.md)):",
    "",
    "| | simdnet | TF.js cpu | TF.js wasm |",
    "| --- | ---: | ---: | ---: |",
    `| training, batch 64 (images/s) | ${train[1]} | ${train[2]} | ${train[3]} |`,
    `| inference, batch 256 (images/s) | ${infer[1]} | ${infer[2]} | ${infer[3]} |`,
    `| latency, one image | ${ms(latency[1])} | ${ms(latency[2])} | ${ms(latency[3])} |`,
    "",
    `Two workers (\`fit({ workers: 2 })\`, batch 128, two idle cores) train at ${workers[3]} one.`,
  ].join("\n");
}

/** `readme` with its speed block replaced by `block`. */
export function withSpeedBlock(readme, block) {
  const re = /(<!-- bench:speed -->)[\s\S]*?(<!-- \/bench:speed -->)/;
  if (!re.test(readme)) throw new Error("doc-numbers: README.md has no <!-- bench:speed --> block");
  return readme.replace(re, (_, open, close) => `${open}\n${block}\n${close}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const block = speedBlock(await readFile(join(root, "bench/RESULTS.md"), "utf8"));
    if (process.argv.includes("--write")) {
      const path = join(root, "README.md");
      await writeFile(path, withSpeedBlock(await readFile(path, "utf8"), block));
      console.log("README.md's speed block rewritten from bench/RESULTS.md");
    } else {
      console.log(block);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
