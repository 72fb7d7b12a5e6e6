/**
 * One instantiated simdnet wasm module: its memory, its allocator and its raw exports.
 *
 * Every buffer handed to a kernel is a {@link WasmBuffer} made here, so the kernel
 * layer (`ts/kernels/`) can check, before each call, that a buffer is alive, belongs to
 * this module and is long enough for the shapes of the call. Typed-array views are made
 * on demand because growing the memory detaches every earlier view.
 */

/** A raw export: every argument is an i32 (a pointer, a count) or an f32/f64 number. */
export type RawExport = (...args: number[]) => number;

/** Element type of a buffer: floats, or u32 indices (max-pooling arg-max). */
export type BufferKind = "f32" | "u32";

/**
 * A block of the module's linear memory, owned by the TypeScript side: either an
 * allocation of its own, or a window into one (see {@link WasmBuffer.subarray}), which
 * lets a model plan one arena and hand its parts to kernels.
 */
export class WasmBuffer {
  private freed = false;

  /** @internal Made only by {@link WasmCore.alloc} and {@link WasmBuffer.subarray}. */
  constructor(
    /** The module this buffer lives in. */
    readonly core: WasmCore,
    /** Byte offset in linear memory (16-byte aligned for allocations, 4 for windows). */
    readonly ptr: number,
    /** Number of 4-byte elements. */
    readonly length: number,
    /** How the elements are read: "f32" floats or "u32" indices. */
    readonly kind: BufferKind,
    /** The allocation this is a window into, or null for an allocation. */
    readonly parent: WasmBuffer | null = null,
  ) {}

  /** True once {@link WasmCore.free} has released it (or the allocation it lies in). */
  get isFreed(): boolean {
    return this.parent ? this.parent.isFreed : this.freed;
  }

  /**
   * A window of `length` elements starting `offset` elements in. It shares this
   * buffer's memory, is freed with it and cannot be freed on its own.
   */
  subarray(offset: number, length: number, kind: BufferKind = this.kind): WasmBuffer {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.length) {
      throw new Error(`simdnet: window [${offset}, ${offset}+${length}) does not fit in a buffer of ${this.length} elements`);
    }
    return new WasmBuffer(this.core, this.ptr + offset * 4, length, kind, this.parent ?? this);
  }

  /** @internal */
  markFreed(): void {
    this.freed = true;
  }
}

/**
 * One instantiated wasm module (SIMD or scalar build): allocates and frees
 * {@link WasmBuffer}s, reads and writes them, and exposes the raw kernel exports.
 */
export class WasmCore {
  private readonly memory: WebAssembly.Memory;
  private readonly exportsByName: Record<string, unknown>;
  private live = new Set<WasmBuffer>();
  private f32Cache: Float32Array;
  private u32Cache: Uint32Array;

  /** @internal Made by the loader (`init`) from an instance of either build. */
  constructor(
    instance: WebAssembly.Instance,
    /** True when this is the SIMD build. */
    readonly simd: boolean,
  ) {
    this.exportsByName = instance.exports as Record<string, unknown>;
    const memory = this.exportsByName.memory;
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new Error("simdnet: the wasm module exports no memory; rebuild it with `npm run build:wasm`");
    }
    this.memory = memory;
    this.f32Cache = new Float32Array(memory.buffer);
    this.u32Cache = new Uint32Array(memory.buffer);
  }

  /** Bytes of linear memory right now (grows, never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes held by the buffers allocated and not yet freed (what a new plan cannot reuse). */
  get liveBytes(): number {
    let bytes = 0;
    for (const b of this.live) bytes += b.length * 4;
    return bytes;
  }

  /** Number of buffers allocated and not yet freed. */
  get liveBuffers(): number {
    return this.live.size;
  }

  /** The raw export `name`; throws when the module lacks it (an outdated build). */
  fn(name: string): RawExport {
    const f = this.exportsByName[name];
    if (typeof f !== "function") {
      throw new Error(`simdnet: the wasm module has no export "${name}"; rebuild it with \`npm run build:wasm\``);
    }
    return f as RawExport;
  }

  /** Allocates `length` zeroed 4-byte elements. */
  alloc(length: number, kind: BufferKind = "f32"): WasmBuffer {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new Error(`simdnet: cannot allocate a buffer of ${length} elements; expected a whole number >= 0`);
    }
    const bytes = length * 4;
    if (bytes > 0xffff_0000) {
      throw new Error(`simdnet: cannot allocate ${bytes} bytes; wasm32 memory holds at most 4 GiB`);
    }
    const ptr = this.fn("simdnet_alloc")(bytes);
    if (ptr === 0) {
      throw new Error(`simdnet: out of wasm memory allocating ${bytes} bytes (memory is ${this.memoryBytes} bytes)`);
    }
    const buf = new WasmBuffer(this, ptr >>> 0, length, kind);
    this.live.add(buf);
    return buf;
  }

  /** Releases a buffer; freeing twice, or another module's buffer, is an error. */
  free(buf: WasmBuffer): void {
    if (buf.parent) throw new Error("simdnet: a window into a buffer cannot be freed on its own; free the buffer");
    if (buf.core !== this || !this.live.has(buf)) {
      throw new Error("simdnet: freeing a buffer that is not live in this module");
    }
    this.live.delete(buf);
    buf.markFreed();
    this.fn("simdnet_free")(buf.ptr, buf.length * 4);
  }

  /** A Float32Array over an f32 buffer, valid until the memory next grows. */
  f32(buf: WasmBuffer): Float32Array {
    this.checkLive(buf, "f32");
    if (this.f32Cache.buffer !== this.memory.buffer) this.refreshViews();
    return this.f32Cache.subarray(buf.ptr >>> 2, (buf.ptr >>> 2) + buf.length);
  }

  /** A Uint32Array over a u32 buffer, valid until the memory next grows. */
  u32(buf: WasmBuffer): Uint32Array {
    this.checkLive(buf, "u32");
    if (this.u32Cache.buffer !== this.memory.buffer) this.refreshViews();
    return this.u32Cache.subarray(buf.ptr >>> 2, (buf.ptr >>> 2) + buf.length);
  }

  /** Copies `src` into an f32 buffer (whose length must equal src's). */
  write(buf: WasmBuffer, src: ArrayLike<number>, offset = 0): void {
    const view = this.f32(buf);
    if (offset < 0 || offset + src.length > view.length) {
      throw new Error(`simdnet: writing ${src.length} floats at ${offset} into a buffer of ${view.length}`);
    }
    view.set(src, offset);
  }

  /** A copy of an f32 buffer's contents, safe to keep after memory grows. */
  read(buf: WasmBuffer): Float32Array {
    return this.f32(buf).slice();
  }

  /**
   * Checks a buffer before it is handed to a kernel: alive, of this module, of the
   * right kind, and holding at least `needed` elements. `op` and `name` make the error
   * say which call and which argument were wrong.
   */
  check(op: string, name: string, buf: WasmBuffer, needed: number, kind: BufferKind = "f32"): number {
    if (buf.core !== this) throw new Error(`${op}: ${name} belongs to another wasm module`);
    if (buf.isFreed) throw new Error(`${op}: ${name} has been freed`);
    if (buf.kind !== kind) throw new Error(`${op}: ${name} holds ${buf.kind}, expected ${kind}`);
    if (!Number.isSafeInteger(needed) || needed < 0) {
      throw new Error(`${op}: ${name} would need ${needed} elements, which is not a valid size`);
    }
    if (buf.length < needed) {
      throw new Error(`${op}: ${name} holds ${buf.length} elements, expected at least ${needed}`);
    }
    return buf.ptr;
  }

  private checkLive(buf: WasmBuffer, kind: BufferKind): void {
    this.check("view", "buffer", buf, 0, kind);
  }

  private refreshViews(): void {
    this.f32Cache = new Float32Array(this.memory.buffer);
    this.u32Cache = new Uint32Array(this.memory.buffer);
  }
}
