/**
 * The compiled package (what `npm run build:ts` writes to dist/) trains with
 * `workers: 2` in a plain Node process: the same weights as `workers: 1`, and the process
 * then exits by itself, so fit leaves no worker thread (or handle) alive.
 *
 * The package is compiled into a temporary directory with no wasm/ beside it: init()
 * gets the bytes, so the workers can only run on the module the main thread posts them.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir = "";

/** Runs `node args` in `cwd`; resolves with its output, or how it failed (a timeout kills it). */
function node(args: string[], cwd: string, timeout: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

// Trains LeNet-5 with 1 and then 2 workers and prints how far apart the weights end up.
// It never calls process.exit: it must end because nothing is left running.
const CHILD = `
import { readFile } from "node:fs/promises";
import { init, lenet5 } from "./dist/index.js";
const [simd, scalar] = await Promise.all(["simd", "scalar"].map((f) => readFile(process.argv[2] + "/simdnet-" + f + ".wasm")));
const info = await init({ wasm: { simd, scalar } });
const n = 48;
const x = { data: Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 1000) / 1000), shape: [n, 28, 28, 1] };
const y = { data: Float32Array.from({ length: n }, (_, i) => i % 10), shape: [n] };
const runs = [];
for (const workers of [1, 2]) {
  const model = lenet5({ seed: 1 });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
  const before = model.getWeights().flatMap((w) => Array.from(w.data));
  await model.fit(x, y, { epochs: 2, batchSize: 16, seed: 2, workers, verbose: 0 });
  const after = model.getWeights().flatMap((w) => Array.from(w.data));
  runs.push({ before, after });
}
const distance = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
console.log(JSON.stringify({
  flavor: info.flavor,
  count: runs[1].after.length,
  trainedBy: distance(runs[1].before, runs[1].after),
  maxDiff: distance(runs[0].after, runs[1].after),
}));
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simdnet-dist-"));
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const built = await node([tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(dir, "dist")], root, 60_000);
  if (built.code !== 0) throw new Error(`tsc failed (${built.signal ?? built.code}):\n${built.stdout}${built.stderr}`);
  await writeFile(join(dir, "child.mjs"), CHILD);
}, 70_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the compiled package with workers: 2", () => {
  it("has no wasm files where the compiled loader would look for them", async () => {
    await expect(stat(join(dir, "wasm"))).rejects.toThrow();
    await stat(join(dir, "dist/parallel/replica_worker.js"));
  });

  it("trains the same weights as one worker, then the process exits by itself", async () => {
    const r = await node(["child.mjs", join(root, "wasm")], dir, 30_000);
    expect(r.signal, `the child did not exit within 30 s (a worker left alive?); stderr:\n${r.stderr}`).toBeNull();
    expect(r.code, `the child failed:\n${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { flavor: string; count: number; trainedBy: number; maxDiff: number };
    expect(out.flavor).toBe("simd");
    expect(out.count).toBe(61706);
    expect(out.trainedBy).toBeGreaterThan(1e-3);
    expect(out.maxDiff).toBeLessThan(1e-4);
  }, 40_000);
});
