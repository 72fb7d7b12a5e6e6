/**
 * Typed, checked wrappers of the conv2d exports (NHWC f32; kernel `[kH, kW, inC, outC]`).
 *
 * Each wrapper validates the dims object and every buffer before the call, so that no
 * call can read or write out of bounds (a Rust panic in wasm is an opaque trap). Scratch
 * is sized by {@link conv2dScratchLength}; it is bounded whatever the batch size.
 */
import type { BufferKind, WasmBuffer, WasmCore } from "../wasm/core.js";
import { conv2dDims, type Conv2dDims, type Padding } from "../shapes.js";

/** Largest size or stride a kernel accepts: the wasm side reads them as 32-bit integers. */
export const MAX_KERNEL_DIM = 0x7fff_ffff;

function describe(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Checks the input-side fields of a conv or pooling dims object: whole numbers from 1 to
 * {@link MAX_KERNEL_DIM}, a known padding, and a window no larger than the input under
 * `valid` padding (`window` names it in the error: "kernel", "pool window").
 * @internal Shared by the conv2d and pooling wrappers.
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
 * @internal Shared by the conv2d and pooling wrappers.
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

/**
 * One buffer argument of a kernel call: its name (for errors), the buffer, the elements
 * the kernel uses, whether the kernel writes it, and its element kind (default "f32").
 * @internal
 */
export type BufferArg = [name: string, buf: WasmBuffer, length: number, written: boolean, kind?: BufferKind];

/**
 * Checks every buffer argument with `core.check`, then rejects a written one that overlaps
 * any other (Rust forbids that aliasing, and the result would depend on loop order), and
 * returns their pointers in order.
 * @internal Shared by the conv2d and pooling wrappers.
 */
export function checkedPointers(core: WasmCore, op: string, args: readonly BufferArg[]): number[] {
  const spans = args.map(([name, buf, length, written, kind]) => ({ name, ptr: core.check(op, name, buf, length, kind), length, written }));
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = [spans[i]!, spans[j]!];
      const overlap = a.length > 0 && b.length > 0 && a.ptr < b.ptr + b.length * 4 && b.ptr < a.ptr + a.length * 4;
      if (overlap && (a.written || b.written)) {
        throw new Error(`${op}: ${a.name} and ${b.name} share memory; an output must not overlap another argument`);
      }
    }
  }
  return spans.map((s) => s.ptr);
}

const inputLength = (d: Conv2dDims) => d.batch * d.inH * d.inW * d.inC;
const outputLength = (d: Conv2dDims) => d.batch * d.outH * d.outW * d.outC;
const kernelLength = (d: Conv2dDims) => d.kH * d.kW * d.inC * d.outC;

/**
 * Rejects tensors the wasm32 kernels cannot address: Rust slices stop at 2^31 - 1 bytes.
 * @internal Shared by the conv2d and pooling wrappers.
 */
export function checkAddressable(op: string, lengths: Record<string, number>): void {
  for (const [name, length] of Object.entries(lengths)) {
    if (length * 4 > 0x7fff_ffff) {
      throw new Error(`${op}: ${name} would hold ${length} floats, over the 2 GiB a wasm32 kernel can address`);
    }
  }
}

/**
 * Checks a conv2d dims object (see {@link conv2dDims}) and returns the export's dims
 * arguments and the scratch length the kernels need.
 */
function convArgs(core: WasmCore, op: string, d: Conv2dDims): { args: number[]; scratchLength: number } {
  if (typeof d !== "object" || d === null) throw new Error(`${op}: dims is ${describe(d)}; expected an object from conv2dDims()`);
  const sizes = ["batch", "inH", "inW", "inC", "kH", "kW", "outC", "strideH", "strideW"];
  checkWindowFields(op, d, sizes, "kernel", ["inH", "inW", "kH", "kW"]);
  const want = conv2dDims(d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.padding);
  checkDerivedFields(op, d, want, "conv2dDims");
  checkAddressable(op, { x: inputLength(d), y: outputLength(d), w: kernelLength(d) });
  const args = [d.batch, d.inH, d.inW, d.inC, d.kH, d.kW, d.outC, d.strideH, d.strideW, d.padding === "same" ? 1 : 0];
  const scratchLength = core.fn("conv2d_scratch_len")(...args) >>> 0;
  const pointwise = d.kH === 1 && d.kW === 1 && d.strideH === 1 && d.strideW === 1;
  // The export answers 0 for dims it rejects; past the checks above only scratch remains.
  if (scratchLength === 0 && !pointwise) {
    throw new Error(`${op}: the scratch for these shapes would be over the 2 GiB a wasm32 kernel can address`);
  }
  return { args, scratchLength };
}

/**
 * Floats of scratch that every conv2d kernel with dims `d` needs (0 for a 1x1 kernel
 * with stride 1). At most max(2^20, 32 * kH * kW * inC), whatever the batch size.
 */
export function conv2dScratchLength(core: WasmCore, d: Conv2dDims): number {
  return convArgs(core, "conv2dScratchLength", d).scratchLength;
}

/**
 * Forward pass: `y[n, oh, ow, co] = bias[co] + sum over kh, kw, ci of
 * x[n, oh*strideH + kh - padTop, ow*strideW + kw - padLeft, ci] * w[kh, kw, ci, co]`
 * (x read as 0 in the padding). `x`: `[batch, inH, inW, inC]`, `w`: `[kH, kW, inC, outC]`,
 * `bias`: `[outC]` or null, `y`: `[batch, outH, outW, outC]` (overwritten),
 * `scratch`: {@link conv2dScratchLength} floats.
 */
export function conv2dForward(
  core: WasmCore, d: Conv2dDims, x: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, y: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dForward";
  const { args, scratchLength } = convArgs(core, op, d);
  const biasArg: BufferArg[] = bias ? [["bias", bias, d.outC, false]] : [];
  const [xp, wp, yp, sp, bp] = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["w", w, kernelLength(d), false],
    ["y", y, outputLength(d), true],
    ["scratch", scratch, scratchLength, true],
    ...biasArg,
  ]);
  core.fn("conv2d_forward")(...args, xp!, wp!, bp ?? 0, yp!, sp!); // bias pointer 0: no bias
}

/**
 * Input gradient: `dx[n, ih, iw, ci] = sum of dy[n, oh, ow, co] * w[kh, kw, ci, co]` over
 * every `(oh, ow, kh, kw)` whose tap lands on `(ih, iw)`, and every `co` (the transpose of
 * the forward map). `dy`: `[batch, outH, outW, outC]`, `dx`: `[batch, inH, inW, inC]`
 * (overwritten).
 */
export function conv2dBackwardInput(
  core: WasmCore, d: Conv2dDims, dy: WasmBuffer, w: WasmBuffer, dx: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dBackwardInput";
  const { args, scratchLength } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["w", w, kernelLength(d), false],
    ["dx", dx, inputLength(d), true],
    ["scratch", scratch, scratchLength, true],
  ]);
  core.fn("conv2d_backward_input")(...args, ...ptrs);
}

/**
 * Filter gradient: `dw[kh, kw, ci, co] = sum over n, oh, ow of
 * x[n, oh*strideH + kh - padTop, ow*strideW + kw - padLeft, ci] * dy[n, oh, ow, co]`.
 * `dw`: `[kH, kW, inC, outC]` (overwritten).
 */
export function conv2dBackwardFilter(
  core: WasmCore, d: Conv2dDims, x: WasmBuffer, dy: WasmBuffer, dw: WasmBuffer, scratch: WasmBuffer,
): void {
  const op = "conv2dBackwardFilter";
  const { args, scratchLength } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["x", x, inputLength(d), false],
    ["dy", dy, outputLength(d), false],
    ["dw", dw, kernelLength(d), true],
    ["scratch", scratch, scratchLength, true],
  ]);
  core.fn("conv2d_backward_filter")(...args, ...ptrs);
}

/** Bias gradient: `db[co] = sum over n, oh, ow of dy[n, oh, ow, co]`; `db`: `[outC]` (overwritten). */
export function conv2dBackwardBias(core: WasmCore, d: Conv2dDims, dy: WasmBuffer, db: WasmBuffer): void {
  const op = "conv2dBackwardBias";
  const { args } = convArgs(core, op, d);
  const ptrs = checkedPointers(core, op, [
    ["dy", dy, outputLength(d), false],
    ["db", db, d.outC, true],
  ]);
  core.fn("conv2d_backward_bias")(...args, ...ptrs);
}
