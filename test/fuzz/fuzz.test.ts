/**
 * Fuzzing the loaders (issue 12, item 7): mutated saved models (model.json + weights.bin,
 * from files and from memory), IDX files (plain and gzipped), Digit Recognizer CSV files
 * (plain and gzipped) and PNG images. Every outcome must be a clean load or a clear Error
 * (a plain Error whose message starts with the call and, for files, the path), never a
 * hang, a crash, an internal error (TypeError, RangeError, a stack overflow) or a memory
 * blow-up.
 *
 * The cases run in a child process (fuzz_child.ts) with a heap limit, watched from here:
 * a case that stays silent for 20 s is a hang, an exit without finishing is a crash, and
 * the child's peak resident memory must stay under 1 GiB.
 *
 * Bounded for CI (200 cases, a few seconds). Longer on demand:
 * `SIMDNET_FUZZ_CASES=20000 SIMDNET_FUZZ_SEED=7 npx vitest run test/fuzz`.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { typeScriptBootstrap } from "../../ts/parallel/ts_bootstrap.js";

const CASES = Number(process.env.SIMDNET_FUZZ_CASES ?? 200);
const SEED = Number(process.env.SIMDNET_FUZZ_SEED ?? 12);
const SILENCE_MS = 20_000;
const MAX_RSS_MB = 1024;

interface Line {
  start?: number;
  done?: number;
  kind?: string;
  outcome?: "ok" | "error";
  errorClass?: string;
  message?: string;
  clear?: boolean;
  maxRssMb?: number;
  fatal?: string;
}

/** Runs the child; resolves with its lines, or rejects naming the case it hung or died on. */
async function runChild(cases: number, seed: number): Promise<Line[]> {
  const code = await typeScriptBootstrap(new URL("./fuzz_child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--max-old-space-size=512", "--input-type=module", "-e", code], {
    env: { ...process.env, SIMDNET_FUZZ_CASES: String(cases), SIMDNET_FUZZ_SEED: String(seed) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  let pending = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        const last = lines.at(-1);
        reject(new Error(`fuzz (seed ${seed}): no progress for ${SILENCE_MS / 1000} s after ${JSON.stringify(last)}: a hang`));
      }, SILENCE_MS);
    };
    arm();
    child.stdout.on("data", (chunk: Buffer) => {
      arm();
      pending += chunk.toString("utf8");
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Line);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      const finished = lines.filter((l) => l.done !== undefined).length;
      if (status === 0 && finished === cases) resolve(lines);
      else reject(new Error(`fuzz (seed ${seed}): the child ended (status ${status}, signal ${signal}) after ${finished} of ${cases} cases; last: ${JSON.stringify(lines.at(-1))}; stderr: ${stderr.slice(-2000)}`));
    });
  });
}

describe("fuzzed files", () => {
  it(`${CASES} mutated models, IDX, CSV and PNG files: each loads or gives a clear Error`, async () => {
    const lines = await runChild(CASES, SEED);
    const done = lines.filter((l) => l.done !== undefined);
    expect(done.length).toBe(CASES);
    const unclear = done.filter((l) => l.outcome === "error" && !l.clear);
    expect(unclear.map((l) => `case ${l.done} (${l.kind}, seed ${SEED}): ${l.errorClass}: ${l.message}`)).toEqual([]);
    const peak = Math.max(...done.map((l) => l.maxRssMb ?? 0));
    expect(peak, "peak resident memory of the fuzzing process, MiB").toBeLessThan(MAX_RSS_MB);
    // Both outcomes occur, and every kind of file was tried.
    expect(done.some((l) => l.outcome === "ok")).toBe(true);
    expect(done.some((l) => l.outcome === "error")).toBe(true);
    expect(new Set(done.map((l) => l.kind)).size).toBeGreaterThanOrEqual(CASES >= 100 ? 8 : 1);
  }, 600_000);
});
