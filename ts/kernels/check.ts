/**
 * Argument checks shared by the kernel wrappers (ts/kernels/*.ts).
 *
 * A kernel that gets a bad count, an out-of-range hyper-parameter or aliased buffers
 * would trap (an opaque wasm error) or silently compute garbage, so every wrapper runs
 * these before its call. Each throws an Error that names the call (`op`), the argument,
 * what was received and what was expected, before anything is written.
 * @internal Not part of the public API.
 */
import type { BufferKind, WasmBuffer, WasmCore } from "../wasm/core.js";
import type { Padding } from "../shapes.js";

/** Largest size or stride a kernel accepts: the wasm side reads them as 32-bit integers. */
export const MAX_KERNEL_DIM = 0x7fff_ffff;

/** Largest byte length of a slice in a wasm32 kernel (Rust slices stop at `isize::MAX`). */
const MAX_SLICE_BYTES = 0x7fff_ffff;

/** A value as an error message shows it: strings quoted, the rest as `String` gives. */
export function describe(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Checks that each of `counts` (name to value, in order) is a whole number >= 1. */
export function checkCounts(op: string, counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${op}: ${name} must be a whole number >= 1, received ${value}`);
    }
  }
}

/** Checks that `value` is a whole number from `lo` to `hi` (a seed, a step counter). */
export function checkWhole(op: string, name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${op}: ${name} must be a whole number from ${lo} to ${hi}, received ${value}`);
  }
}

/** Checks that `value` is a finite number in [lo, hi] (`hi` Infinity: no upper bound). */
export function checkRange(op: string, name: string, value: number, lo: number, hi: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new Error(`${op}: ${name} must be a finite number ${range}, received ${value}`);
  }
}

/**
 * Checks that `value` lies in [0, 1): a drop rate or a decay rate, where 1 would divide
 * by zero (`1 / (1 - rate)`, Adam's bias correction).
 */
export function checkFraction(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new Error(`${op}: ${name} must be a number in [0, 1), received ${value}`);
  }
}

/** Checks that `value` is a boolean (a flag crossing into wasm as 0 or 1). */
export function checkBoolean(op: string, name: string, value: unknown): void {
  if (typeof value !== "boolean") throw new Error(`${op}: ${name} must be a boolean, received ${String(value)}`);
}

/**
 * Checks the input-side fields of a conv or pooling dims object: whole numbers from 1 to
 * {@link MAX_KERNEL_DIM}, a known padding, and a window no larger than the input under
 * `valid` padding (`window` names it in the error: "kernel", "pool window").
 */
export function checkWindowFields(
  op: string,
  d: object,
  names: readonly string[],
  window: string,
  [inH, inW, fH, fW]: readonly [string, string, string, string],
): void {
  const fields = d as Record<string, unknown>;
  for (const name of names) {
    const v = fields[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_KERNEL_DIM) {
      throw new Error(`${op}: dims.${name} is ${describe(v)}; expected a whole number from 1 to ${MAX_KERNEL_DIM}`);
    }
  }
  const padding = fields.padding as Padding;
  if (padding !== "valid" && padding !== "same") {
    throw new Error(`${op}: dims.padding is ${describe(padding)}; expected "valid" or "same"`);
  }
  const [h, w, kh, kw] = [fields[inH], fields[inW], fields[fH], fields[fW]] as number[];
  if (padding === "valid" && (kh! > h! || kw! > w!)) {
    throw new Error(`${op}: the ${window} (${kh}x${kw}) is larger than the input (${h}x${w}) with valid padding`);
  }
}

/**
 * Checks that the derived fields of `d` (output size, padding) equal those recomputed by
 * `expected`, the shapes.ts function named `maker`.
 */
export function checkDerivedFields(op: string, d: object, expected: object, maker: string): void {
  const got = d as Record<string, unknown>;
  const want = expected as Record<string, unknown>;
  for (const name of ["outH", "outW", "padTop", "padLeft"]) {
    if (got[name] !== want[name]) {
      throw new Error(`${op}: dims.${name} is ${describe(got[name])}, but the shapes give ${describe(want[name])}; make dims with ${maker}()`);
    }
  }
}

/** Rejects tensors of `lengths` floats (name to length) that a wasm32 kernel cannot address. */
export function checkAddressable(op: string, lengths: Record<string, number>): void {
  for (const [name, length] of Object.entries(lengths)) checkSliceLength(op, name, length);
}

function checkSliceLength(op: string, name: string, length: number): void {
  if (length * 4 > MAX_SLICE_BYTES) {
    throw new Error(`${op}: ${name} would hold ${length} floats, over the 2 GiB a wasm32 kernel can address`);
  }
}

/**
 * One buffer argument of a kernel call: its name (for errors), the buffer (null for an
 * optional one left out, passed as pointer 0), the elements the kernel uses, whether the
 * kernel writes it, and its element kind (default "f32").
 */
export type BufferArg = [name: string, buf: WasmBuffer | null, length: number, written: boolean, kind?: BufferKind];

/** A checked buffer argument: where it starts and how many elements the kernel touches. */
export interface Span {
  name: string;
  ptr: number;
  length: number;
  written: boolean;
}

/**
 * Checks every present buffer argument with `core.check` and that the kernel can address
 * it, in order, and returns their spans (null where the buffer is null).
 */
export function checkedSpans(core: WasmCore, op: string, args: readonly BufferArg[]): (Span | null)[] {
  return args.map(([name, buf, length, written, kind]) => {
    if (buf === null) return null;
    const ptr = core.check(op, name, buf, length, kind);
    checkSliceLength(op, name, length);
    return { name, ptr, length, written };
  });
}

/**
 * The first pair of spans (in argument order) that share a byte while one of them is
 * written, or null. Rust forbids that aliasing, and the result would depend on loop order.
 */
export function firstOverlap(spans: readonly (Span | null)[]): [Span, Span] | null {
  const present = spans.filter((s): s is Span => s !== null);
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      const [a, b] = [present[i]!, present[j]!];
      const overlap = a.length > 0 && b.length > 0 && a.ptr < b.ptr + b.length * 4 && b.ptr < a.ptr + a.length * 4;
      if (overlap && (a.written || b.written)) return [a, b];
    }
  }
  return null;
}

/**
 * Checks every buffer argument (see {@link checkedSpans}), then rejects a written one that
 * overlaps any other, and returns their pointers in order (0 for a null buffer). An
 * in-place argument is one buffer, read and written, and so never overlaps itself.
 */
export function checkedPointers(core: WasmCore, op: string, args: readonly BufferArg[]): number[] {
  const spans = checkedSpans(core, op, args);
  const clash = firstOverlap(spans);
  if (clash) {
    throw new Error(`${op}: ${clash[0].name} and ${clash[1].name} share memory; an output must not overlap another argument`);
  }
  return spans.map((s) => (s === null ? 0 : s.ptr));
}
