/**
 * Command-line option parsing on top of node:util's parseArgs, with the checks a user
 * needs: numbers that are numbers, in range, and errors that say which flag was wrong.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A usage error: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` against `options`; unknown flags are usage errors. */
export function parse(argv: string[], options: Options, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The number in flag `--name`, or `fallback` when absent; checked against the bounds. */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`--${name} expects a number, received ${JSON.stringify(raw)}`);
  }
  if (integer && !Number.isSafeInteger(value)) throw new UsageError(`--${name} expects a whole number, received ${raw}`);
  if (value < min || value > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, received ${raw}`);
  }
  return value;
}

/** A comma-separated list of whole numbers, e.g. `--input 32,32,3`. */
export function shapeFlag(values: Record<string, unknown>, name: string, length: number): number[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const parts = String(raw).split(",").map((s) => Number(s.trim()));
  if (parts.length !== length || parts.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
    throw new UsageError(`--${name} expects ${length} whole numbers > 0 separated by commas (e.g. 28,28,1), received ${JSON.stringify(raw)}`);
  }
  return parts;
}
