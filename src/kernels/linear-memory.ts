/**
 * The memory half of `Kernels`, shared by the wasm and JS implementations: one
 * `WebAssembly.Memory` managed by a `LinearAllocator`, and fresh typed-array views on it.
 *
 * Invariant: views are created on every call. The memory's buffer is cached and renewed
 * whenever a view would reach past it: growing a memory detaches the buffer of an unshared
 * one (its length reads 0 afterwards, so the next view renews it) and leaves that of a shared
 * one valid over its old length (views within it read the same bytes). Reading
 * `memory.buffer` on every view cost more than some searches' bookkeeping.
 */
import { type GrowthGuard, LinearAllocator, MAX_PAGES } from './allocator.js';

/** Pages a new kernel memory starts with (1 MiB); it grows on demand. */
const INITIAL_PAGES = 16;

let lastArenaId = 0;

export abstract class LinearMemory {
  readonly allocator: LinearAllocator;
  /**
   * Identifies this memory in the process (unique, never reused): worker threads keep one
   * kernel instance per memory under this id.
   */
  readonly arenaId = ++lastArenaId;
  private cached: ArrayBufferLike;

  /**
   * `heapBase`: the first byte the allocator may hand out (above any static data);
   * `guard`: bounds the memory's growth (the arenas of a database), none by default.
   */
  protected constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
    guard?: GrowthGuard,
  ) {
    this.allocator = new LinearAllocator(memory, heapBase, guard);
    this.cached = memory.buffer;
  }

  /** The memory's buffer, at least `end` bytes long when the memory is (see the module comment). */
  buffer(end: number): ArrayBufferLike {
    const cached = this.cached;
    if (end <= cached.byteLength) return cached;
    this.cached = this.memory.buffer;
    return this.cached;
  }

  /**
   * A new memory of the size kernels start with, growable to the wasm32 limit. A shared
   * memory can be handed to worker threads, which then read and write the same bytes.
   */
  protected static newMemory(shared = false): WebAssembly.Memory {
    return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
  }

  alloc(bytes: number): number {
    return this.allocator.alloc(bytes);
  }

  free(ptr: number): void {
    this.allocator.free(ptr);
  }

  extend(ptr: number, bytes: number): boolean {
    return this.allocator.extend(ptr, bytes);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.buffer(ptr + length * 4), ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.buffer(ptr + length * 4), ptr, length);
  }
}
