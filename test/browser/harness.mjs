/**
 * What every real-browser test script shares: where Chromium is, how it starts on these
 * machines, playwright-core, and the check list each script prints and exits with
 * ("ok"/"FAIL" per check, then "N passed, N failed"; exit code 1 when any failed).
 */
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Debian's Chromium, or the browser CHROMIUM names. */
export const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless, as root, on a machine with no network beyond its registries: without the
 * background-networking flags Chromium keeps trying (and failing) to reach Google's hosts.
 */
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** playwright-core (from the repo's node_modules or NODE_PATH), once Chromium is known to be there. */
export async function loadPlaywright() {
  await stat(chromiumPath).catch(() => {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium, or set CHROMIUM`);
  });
  for (const place of [root, ...(process.env.NODE_PATH ?? "").split(delimiter).filter(Boolean)]) {
    try {
      return createRequire(join(place, "noop.js"))("playwright-core");
    } catch {
      // the next place
    }
  }
  throw new Error("playwright-core is not installed (npm install --no-save playwright-core, or set NODE_PATH)");
}

/** Throws `message` unless `condition`. */
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const results = [];

function report(name, ok, detail) {
  results.push(ok);
  console.log(ok ? `ok    ${name}` : `FAIL  ${name}\n      ${String(detail).replaceAll("\n", "\n      ")}`);
}

/** Runs one named check: it passes unless `fn` throws. */
export async function check(name, fn) {
  try {
    await fn();
    report(name, true);
  } catch (e) {
    report(name, false, e instanceof Error ? e.message : String(e));
  }
}

/** Records a check whose outcome is already known. */
export function record(name, ok, detail) {
  report(name, ok, detail);
}

/** Prints the totals and exits: 1 when a check failed or none ran. */
export function finish() {
  const passed = results.filter(Boolean).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
  process.exit(results.length > passed || results.length === 0 ? 1 : 0);
}

/** Runs `main` (a setup failure counts as a failed check), then {@link finish}. */
export async function runChecks(main) {
  try {
    await main();
  } catch (e) {
    report("setup", false, e instanceof Error ? e.stack ?? e.message : String(e));
  }
  finish();
}
