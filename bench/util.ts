/** Shared benchmark plumbing: timing with medians, machine facts, RESULTS.md sections. */
import { cpus, platform, release } from "node:os";
import { readFile, writeFile } from "node:fs/promises";

/** Timing of repeated runs, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  runs: number;
}

/**
 * Runs `fn` `warmup` times untimed, then `runs` times timed (each run may repeat the
 * call `inner` times to lift short calls above timer resolution) and returns per-call
 * milliseconds.
 */
export async function measure(fn: () => unknown, options: { warmup?: number; runs?: number; inner?: number } = {}): Promise<Timing> {
  const { warmup = 2, runs = 7, inner = 1 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    samples.push((performance.now() - t0) / inner);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, min: samples[0]!, runs };
}

/** The median of `values` (the upper middle one of an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Milliseconds per call of `fn`, called over and over for about `ms` milliseconds of
 * `now`'s clock (the wall clock unless given): for A/Bs that interleave short runs.
 */
export function timeRun(fn: () => void, ms: number, now: () => number = () => performance.now()): number {
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    calls++;
    t = now();
  }
  return (t - t0) / calls;
}

/** One line saying where and when a benchmark ran. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cpus().length} cores, ${platform()} ${release()}, Node ${process.version}`;
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * Replaces the section headed `## title` in bench/RESULTS.md (up to the next `## `
 * heading) with `body`, or appends it, leaving other benchmarks' sections alone.
 */
export async function writeResultsSection(title: string, body: string): Promise<void> {
  const path = new URL("./RESULTS.md", import.meta.url);
  let text = "# Benchmark results\n";
  try {
    text = await readFile(path, "utf8");
  } catch {
    // first run: start the file
  }
  const heading = `## ${title}\n`;
  const section = `${heading}\n${body.trim()}\n\n`;
  const start = text.indexOf(heading);
  if (start < 0) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf("\n## ", start + heading.length);
    text = text.slice(0, start) + section + (next < 0 ? "" : text.slice(next + 1));
  }
  await writeFile(path, text.trimEnd() + "\n");
}

/**
 * Times several functions in interleaved runs (a, b, c, a, b, c, ...) so that on a shared
 * machine each sees the same background load; per-call milliseconds as in {@link measure}.
 */
export async function measureInterleaved(fns: (() => unknown)[], options: { warmup?: number; runs?: number; inner?: number } = {}): Promise<Timing[]> {
  const { warmup = 2, runs = 7, inner = 1 } = options;
  for (const fn of fns) for (let i = 0; i < warmup; i++) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let f = 0; f < fns.length; f++) {
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) await fns[f]!();
      samples[f]!.push((performance.now() - t0) / inner);
    }
  }
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, runs };
  });
}
