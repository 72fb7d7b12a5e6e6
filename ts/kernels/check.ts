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
import type { Padding, WindowGeometry } from "../shapes.js";

/** Largest size or stride a kernel accepts: the wasm side reads them as 32-bit integers. */
export const MAX_KERNEL_DIM = 0x7fff_ffff;

/** Largest byte length of a slice in a wasm32 kernel (Rust slices stop at `isize::MAX`). */
const MAX_SLICE_BYTES = 0x7fff_ffff;

/** A value as an error message shows it: strings quoted, the rest as `String` gives. */
export function describe(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Checks that `value` is a whole number >= 1 (a passing check allocates nothing: wrappers call it every step). */
export function checkCount(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${op}: ${name} must be a whole number >= 1, received ${value}`);
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
  // Indexed loops and single reads: a passing check must allocate nothing (it runs on
  // every kernel call of a training step).
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const v = fields[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_KERNEL_DIM) {
      throw new Error(`${op}: dims.${name} is ${describe(v)}; expected a whole number from 1 to ${MAX_KERNEL_DIM}`);
    }
  }
  const padding = fields.padding as Padding;
  if (padding !== "valid" && padding !== "same") {
    throw new Error(`${op}: dims.padding is ${describe(padding)}; expected "valid" or "same"`);
  }
  const h = fields[inH] as number;
  const w = fields[inW] as number;
  const kh = fields[fH] as number;
  const kw = fields[fW] as number;
  if (padding === "valid" && (kh > h || kw > w)) {
    throw new Error(`${op}: the ${window} (${kh}x${kw}) is larger than the input (${h}x${w}) with valid padding`);
  }
}

/**
 * Under `valid` padding, rejects a dilated window (`kH` x `kW` taps spaced by
 * `d.dilationH` and `d.dilationW`, checked as whole numbers already) that spans more than
 * the input. Allocates nothing when it passes.
 */
export function checkDilatedWindow(
  op: string, d: { inH: number; inW: number; padding: Padding; dilationH: number; dilationW: number }, kH: number, kW: number,
): void {
  const spanH = (kH - 1) * d.dilationH + 1;
  const spanW = (kW - 1) * d.dilationW + 1;
  if (d.padding === "valid" && (spanH > d.inH || spanW > d.inW)) {
    throw new Error(`${op}: the dilated kernel spans ${spanH}x${spanW}, larger than the input (${d.inH}x${d.inW}) with valid padding`);
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

/** Values per entry of the geometry cache: inH, inW, fH, fW, strideH, strideW, same, then outH, outW, padTop, padLeft. */
const GEOMETRY_FIELDS = 11;
/** Entries kept: a model's distinct conv and pooling geometries (batch is not part of them). */
const GEOMETRY_SLOTS = 32;
const geometries = new Float64Array(GEOMETRY_FIELDS * GEOMETRY_SLOTS);
let geometriesKept = 0;
let nextGeometrySlot = 0;

/**
 * {@link checkDerivedFields} for a `fH` x `fW` window, remembering geometries that passed
 * so that a layer's repeated calls recompute nothing and allocate nothing. `make(d)` gives
 * the dims shapes.ts computes (called only on a cache miss). Sound because only tuples
 * that passed the full check are kept, and a hit matches every input of the derived
 * fields and the derived fields themselves. Call after {@link checkWindowFields}.
 */
export function checkWindowGeometry<D extends WindowGeometry>(
  op: string, d: D, fH: number, fW: number, make: (d: D) => object, maker: string,
): void {
  const same = d.padding === "same" ? 1 : 0;
  for (let slot = 0; slot < geometriesKept; slot++) {
    const at = slot * GEOMETRY_FIELDS;
    const g = geometries;
    if (g[at] === d.inH && g[at + 1] === d.inW && g[at + 2] === fH && g[at + 3] === fW && g[at + 4] === d.strideH &&
      g[at + 5] === d.strideW && g[at + 6] === same && g[at + 7] === d.outH && g[at + 8] === d.outW &&
      g[at + 9] === d.padTop && g[at + 10] === d.padLeft) return;
  }
  checkDerivedFields(op, d, make(d), maker);
  const at = nextGeometrySlot * GEOMETRY_FIELDS;
  geometries.set([d.inH, d.inW, fH, fW, d.strideH, d.strideW, same, d.outH, d.outW, d.padTop, d.padLeft], at);
  nextGeometrySlot = (nextGeometrySlot + 1) % GEOMETRY_SLOTS;
  geometriesKept = Math.max(geometriesKept, nextGeometrySlot === 0 ? GEOMETRY_SLOTS : nextGeometrySlot);
}

/** Rejects one tensor of `length` floats that a wasm32 kernel cannot address. */
export function checkSliceLength(op: string, name: string, length: number): void {
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

/**
 * The buffer arguments of the call being checked, in argument order, kept in reused
 * arrays so that a passing check allocates nothing. Kernel calls are synchronous and
 * never nest, so one set serves every wrapper: {@link beginBuffers}, then
 * {@link checkedBuffer} per argument, then {@link checkNoOverlap}.
 */
const MAX_BUFFER_ARGS = 8;
const argNames: string[] = new Array<string>(MAX_BUFFER_ARGS).fill("");
const argStarts = new Float64Array(MAX_BUFFER_ARGS);
const argEnds = new Float64Array(MAX_BUFFER_ARGS);
const argWritten = new Uint8Array(MAX_BUFFER_ARGS);
let argCount = 0;

/** Starts checking the buffer arguments of a new call. */
export function beginBuffers(): void {
  argCount = 0;
}

/**
 * Checks one buffer argument with `core.check` (alive, this module, its kind, at least
 * `length` elements) and that a kernel can address it, records its byte span for
 * {@link checkNoOverlap}, and returns its pointer (0 for a null, optional buffer, which
 * is not recorded).
 */
export function checkedBuffer(
  core: WasmCore, op: string, name: string, buf: WasmBuffer | null, length: number, written: boolean, kind: BufferKind = "f32",
): number {
  if (buf === null) return 0;
  const ptr = core.check(op, name, buf, length, kind);
  checkSliceLength(op, name, length);
  if (argCount === MAX_BUFFER_ARGS) throw new Error(`${op}: more than ${MAX_BUFFER_ARGS} buffer arguments (an internal error)`);
  argNames[argCount] = name;
  argStarts[argCount] = ptr;
  argEnds[argCount] = ptr + length * 4;
  argWritten[argCount] = written ? 1 : 0;
  argCount++;
  return ptr;
}

/**
 * The first pair of recorded buffers (in argument order: by the first, then the second)
 * that share a byte while one of them is written, as `[first, second]` names, or null.
 * Rust forbids that aliasing, and the result would depend on loop order. Empty spans
 * never overlap.
 */
export function firstOverlap(): [string, string] | null {
  for (let i = 0; i < argCount; i++) {
    for (let j = i + 1; j < argCount; j++) {
      const nonEmpty = argEnds[i]! > argStarts[i]! && argEnds[j]! > argStarts[j]!;
      const overlap = nonEmpty && argStarts[i]! < argEnds[j]! && argStarts[j]! < argEnds[i]!;
      if (overlap && (argWritten[i] === 1 || argWritten[j] === 1)) return [argNames[i]!, argNames[j]!];
    }
  }
  return null;
}

/**
 * Rejects a recorded written buffer that overlaps any other. An in-place argument is
 * one buffer, read and written, and so never overlaps itself.
 */
export function checkNoOverlap(op: string): void {
  const clash = firstOverlap();
  if (clash) throw new Error(`${op}: ${clash[0]} and ${clash[1]} share memory; an output must not overlap another argument`);
}

/**
 * Checks every buffer argument (see {@link checkedBuffer}), in order, then rejects a
 * written one that overlaps any other, and returns their pointers in order (0 for a null
 * buffer). For callers outside the hot path; the wrappers call the pieces directly.
 */
export function checkedPointers(core: WasmCore, op: string, args: readonly BufferArg[]): number[] {
  beginBuffers();
  const ptrs = args.map(([name, buf, length, written, kind]) => checkedBuffer(core, op, name, buf, length, written, kind));
  checkNoOverlap(op);
  return ptrs;
}
