#!/usr/bin/env node
/**
 * README.md's speed numbers, taken from bench/RESULTS.md (written by `npm run bench` and
 * `npm run bench:next -- --write`), so that the README cannot drift from the benchmarks:
 * LeNet-5 between <!-- bench:speed --> markers, ResNet-20 and MobileNetV2 (the "Next
 * scale" section) between <!-- bench:next --> markers.
 *
 *   node scripts/doc-numbers.mjs            prints the README blocks
 *   node scripts/doc-numbers.mjs --write    rewrites them in README.md
 *
 * `npm run bench:next -- --write` rewrites them too. test/docs/readme_numbers.test.ts
 * fails when the README's blocks differ from what this prints.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The text of `## section` (up to the next `## `), or of its `### sub...` part when `sub` is given (null if absent). */
function part(results, section, sub = null) {
  const start = results.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`doc-numbers: bench/RESULTS.md has no "## ${section}" section`);
  const end = results.indexOf("\n## ", start + 1);
  const body = results.slice(start, end < 0 ? undefined : end);
  if (sub === null) return body;
  const at = body.indexOf(`\n### ${sub}`);
  if (at < 0) return null;
  const next = body.indexOf("\n### ", at + 1);
  return body.slice(at, next < 0 ? undefined : next);
}

/** The cells of the first table row of `body` whose first cell is `label` (or starts with it, `prefix`). */
function cells(body, where, label, prefix = false) {
  const line = body.split("\n").find((l) => (prefix ? l.startsWith(`| ${label}`) : l.startsWith(`| ${label} |`)));
  if (!line) throw new Error(`doc-numbers: bench/RESULTS.md's ${where} has no row "${label}"`);
  return line.split("|").slice(1, -1).map((c) => c.trim());
}

/** The cells of the table row of `section` whose first cell is `label`. */
function row(results, section, label) {
  return cells(part(results, section), `"${section}"`, label);
}

/** The README's speed block, from the text of bench/RESULTS.md. */
export function speedBlock(results) {
  const train = row(results, "LeNet-5", "train, batch 64 (images/s)");
  const infer = row(results, "LeNet-5", "inference, batch 256 (images/s)");
  const latency = row(results, "LeNet-5", "latency, 1 image (ms)");
  // bench/parallel.ts writes a subsection per network (LeNet-5 first); older runs, LeNet-5 alone.
  const parallel = part(results, "Data-parallel training", "LeNet-5") ?? part(results, "Data-parallel training");
  const workers = cells(parallel, '"Data-parallel training"', "2 (main + 1 worker)");
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

/** The networks of the "Next scale" section: its subsection title and the README's name. */
const NEXT = [
  { title: "ResNet-20, 32x32x3", name: "ResNet-20, 32x32x3" },
  { title: "MobileNetV2 alpha 0.35, 96x96x3", name: "MobileNetV2 (alpha 0.35), 96x96x3" },
];

/** The README's next-scale block (ResNet-20, MobileNetV2), from the text of bench/RESULTS.md. */
export function nextBlock(results) {
  const section = part(results, "Next scale");
  const measured = /\nMeasured (\d{4}-\d\d-\d\d), ([^,]+), .*?(Node v\d+)/.exec(section);
  if (!measured) throw new Error('doc-numbers: bench/RESULTS.md\'s "Next scale" section does not say when and where it was measured');
  const busy = /the machine was busy/.test(section.split("\n### ")[0]);
  const rows = [];
  for (const net of NEXT) {
    const body = part(results, "Next scale", net.title);
    if (body === null) throw new Error(`doc-numbers: bench/RESULTS.md's "Next scale" has no "### ${net.title}" subsection`);
    const where = `"Next scale" / "${net.title}"`;
    const ours = cells(body, where, "simdnet", true);
    const wasm = cells(body, where, "TF.js", true);
    const ort = cells(body, where, "onnxruntime-web", true);
    // Before simdnet could run a network, its row said why instead of numbers.
    const pending = /^pending/.test(ours[1]);
    const mine = (i) => (pending ? "pending" : ours[i]);
    const ms = (v) => (/^[\d.,]+$/.test(v) ? `${v} ms` : v);
    const train = /^cannot train/.test(wasm[4]) ? "cannot train" : wasm[4];
    rows.push(
      `| ${net.name} | inference, batch 64 (images/s) | ${mine(2)} | ${ort[2]} | ${wasm[2]} |`,
      `| | latency, one image | ${ms(mine(3))} | ${ms(ort[3])} | ${ms(wasm[3])} |`,
      `| | training, batch 64, Adam (images/s; 1 / 2 workers) | ${mine(4)} | ${ort[4]} | ${train} |`,
    );
  }
  return [
    `ResNet-20 and MobileNetV2, one core of a 2-core ${measured[2]}, ${measured[3]}, measured ${measured[1]} in one`,
    "process with onnxruntime-web and TensorFlow.js on the same Keras weights (`npm run bench:next`; per-layer",
    "profiles, training memory, 2-thread onnxruntime-web and notes in [bench/RESULTS.md](bench/RESULTS.md))" +
      (busy ? ".\nThat run's machine was busy with other jobs, so its figures are low (all engines alike):" : ":"),
    "",
    "| network | | simdnet | onnxruntime-web (1 thread) | TF.js wasm |",
    "| --- | --- | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/** `readme` with its `name` block (between <!-- name --> markers) replaced by `block`. */
function withBlock(readme, name, block) {
  const re = new RegExp(`(<!-- ${name} -->)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(readme)) throw new Error(`doc-numbers: README.md has no <!-- ${name} --> block`);
  return readme.replace(re, (_, open, close) => `${open}\n${block}\n${close}`);
}

/** `readme` with its speed block replaced by `block`. */
export function withSpeedBlock(readme, block) {
  return withBlock(readme, "bench:speed", block);
}

/** `readme` with its next-scale block replaced by `block`. */
export function withNextBlock(readme, block) {
  return withBlock(readme, "bench:next", block);
}

/** Rewrites README.md's blocks from bench/RESULTS.md (in the package at `dir`). */
export async function writeReadme(dir = root) {
  const results = await readFile(join(dir, "bench/RESULTS.md"), "utf8");
  const path = join(dir, "README.md");
  const readme = await readFile(path, "utf8");
  await writeFile(path, withNextBlock(withSpeedBlock(readme, speedBlock(results)), nextBlock(results)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes("--write")) {
      await writeReadme();
      console.log("README.md's speed blocks rewritten from bench/RESULTS.md");
    } else {
      const results = await readFile(join(root, "bench/RESULTS.md"), "utf8");
      console.log(`${speedBlock(results)}\n\n${nextBlock(results)}`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
