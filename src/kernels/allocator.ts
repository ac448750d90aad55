/**
 * A first-fit free-list allocator over a `WebAssembly.Memory`, used by both kernel
 * implementations so that vectors, queries and outputs live in one linear memory.
 *
 * Invariants:
 * - Bookkeeping lives in JS, never in linear memory: `used` maps each live block's pointer
 *   to its size, `freeBlocks` holds the free blocks below `top`, sorted by pointer, never
 *   adjacent to each other (adjacent blocks are coalesced on free) and never ending at
 *   `top` (such a block is returned to the untouched region instead).
 * - Every pointer and size is a multiple of `ALIGN` (16), and every block lies in
 *   [`base`, `top`); nothing below `base` (the wasm module's static data) is ever handed out.
 * - Bytes at or above `dirtyEnd` have never been handed out and are still zero (fresh wasm
 *   memory is zeroed), so `alloc` only clears the part of a block below `dirtyEnd`.
 * - Growing the memory detaches every `ArrayBuffer`/typed-array view taken before; callers
 *   must re-take views after any `alloc`.
 * - With a `GrowthGuard` (an arena of `MemoryArenas`), the memory only grows by what the
 *   guard allows; the guard throws (a `CapacityError`) when not even the needed growth fits
 *   a memory budget, and turns an engine's refusal to grow into a `CapacityError` too.
 */

/** Alignment of every block, in bytes (one v128). */
export const ALIGN = 16;
/** Size of one wasm page. */
export const PAGE_BYTES = 65536;
/** wasm32 cannot address more than 65536 pages (4 GiB). */
export const MAX_PAGES = 65536;
/** Bytes one wasm32 memory addresses at most (4 GiB). */
export const WASM32_BYTES = MAX_PAGES * PAGE_BYTES;

/** Decides how far a memory may grow (see `MemoryArenas`). */
export interface GrowthGuard {
  /**
   * Bytes the memory may grow by now: at least `need`, at most `want` (both multiples of a
   * page). Throws when `need` bytes are not available.
   */
  allowGrowth(need: number, want: number): number;
  /** Called when `memory.grow` itself failed for `need` bytes (the engine is out of memory); throws. */
  growFailed(need: number, cause: Error): never;
}

interface FreeBlock {
  ptr: number;
  size: number;
}

function alignUp(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

export class LinearAllocator {
  private readonly used = new Map<number, number>();
  private readonly freeBlocks: FreeBlock[] = [];
  private top: number;
  private dirtyEnd: number;
  private liveBytes = 0;

  /**
   * @param memory the memory to allocate from; it is grown on demand.
   * @param base the lowest address to hand out (rounded up to 16); must be > 0 so that
   *   pointer 0 can mean "none".
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    readonly base: number,
    private readonly guard?: GrowthGuard,
  ) {
    if (!(base > 0)) throw new RangeError(`allocator base must be > 0, got ${base}`);
    this.base = alignUp(base);
    this.top = this.base;
    this.dirtyEnd = this.base;
  }

  /** Bytes in live blocks (after rounding each up to 16). */
  get allocatedBytes(): number {
    return this.liveBytes;
  }

  /** One past the highest byte ever carved from the untouched region and not yet returned. */
  get heapTop(): number {
    return this.top;
  }

  /** The free blocks below `heapTop`, sorted by address (a copy, for inspection). */
  freeList(): FreeBlock[] {
    return this.freeBlocks.map((b) => ({ ...b }));
  }

  /** Size of the live block at `ptr` (rounded up to 16), or undefined if `ptr` is not live. */
  sizeOf(ptr: number): number | undefined {
    return this.used.get(ptr);
  }

  /**
   * Allocates `bytes` (> 0) zero-filled bytes at a 16-byte aligned address: the first free
   * block that fits (split if larger), else the untouched region above `heapTop`, growing
   * the memory if needed.
   * @throws RangeError when `bytes` is not a positive integer or wasm32 memory is exhausted.
   */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes <= 0) {
      throw new RangeError(`alloc: expected a positive integer byte count, got ${bytes}`);
    }
    const size = alignUp(bytes);
    const ptr = this.takeFree(size) ?? this.takeTop(size);
    this.used.set(ptr, size);
    this.liveBytes += size;
    const dirty = Math.min(ptr + size, this.dirtyEnd);
    if (dirty > ptr) new Uint8Array(this.memory.buffer, ptr, dirty - ptr).fill(0);
    this.dirtyEnd = Math.max(this.dirtyEnd, ptr + size);
    return ptr;
  }

  /**
   * Whether the live block at `ptr` is the highest one handed out (it ends at `heapTop`), so
   * that `extend` can grow it in place.
   */
  endsAtTop(ptr: number): boolean {
    const size = this.used.get(ptr);
    return size !== undefined && ptr + size === this.top;
  }

  /**
   * Grows the live block at `ptr` to `bytes` in place when it ends at `heapTop` (the new
   * bytes zero-filled, the memory grown if needed); returns false, changing nothing, when it
   * does not or is already that large. A block that holds most of an arena (a growing
   * segment's vectors) can so grow past half the arena, which a copy to a new block cannot.
   * @throws RangeError (or the guard's error) as `alloc` does when the memory cannot grow.
   */
  extend(ptr: number, bytes: number): boolean {
    const size = this.used.get(ptr);
    const wanted = alignUp(bytes);
    if (size === undefined || ptr + size !== this.top || wanted <= size) return false;
    this.ensureCapacity(ptr + wanted);
    const dirty = Math.min(ptr + wanted, this.dirtyEnd);
    if (dirty > ptr + size) new Uint8Array(this.memory.buffer, ptr + size, dirty - ptr - size).fill(0);
    this.dirtyEnd = Math.max(this.dirtyEnd, ptr + wanted);
    this.used.set(ptr, wanted);
    this.liveBytes += wanted - size;
    this.top = ptr + wanted;
    return true;
  }

  /**
   * Releases the block at `ptr`, coalescing it with free neighbours. Freeing 0 is a no-op.
   * @throws RangeError when `ptr` is not a live block (double free or foreign pointer).
   */
  free(ptr: number): void {
    if (ptr === 0) return;
    const size = this.used.get(ptr);
    if (size === undefined) throw new RangeError(`free: ${ptr} is not a live allocation`);
    this.used.delete(ptr);
    this.liveBytes -= size;
    const blocks = this.freeBlocks;
    let i = this.insertionIndex(ptr);
    let block: FreeBlock = { ptr, size };
    const prev = blocks[i - 1];
    if (prev !== undefined && prev.ptr + prev.size === ptr) {
      prev.size += size;
      block = prev;
      i -= 1;
    } else {
      blocks.splice(i, 0, block);
    }
    const next = blocks[i + 1];
    if (next !== undefined && block.ptr + block.size === next.ptr) {
      block.size += next.size;
      blocks.splice(i + 1, 1);
    }
    if (block.ptr + block.size === this.top) {
      this.top = block.ptr;
      blocks.splice(i, 1);
    }
  }

  /** Index of the first free block at an address above `ptr`. */
  private insertionIndex(ptr: number): number {
    const blocks = this.freeBlocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (blocks[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private takeFree(size: number): number | undefined {
    const blocks = this.freeBlocks;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) blocks.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      return ptr;
    }
    return undefined;
  }

  private takeTop(size: number): number {
    const ptr = this.top;
    this.ensureCapacity(ptr + size);
    this.top = ptr + size;
    return ptr;
  }

  /**
   * Grows the memory so that `end` bytes are addressable: at least what is needed and, to
   * amortize repeated growth, by half the current size when the limit allows.
   */
  private ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    const need = Math.ceil(end / PAGE_BYTES);
    if (need <= have) return;
    if (need > MAX_PAGES) {
      throw new RangeError(
        `alloc: out of wasm32 memory: need ${need} pages (${end} bytes), the limit is ${MAX_PAGES} pages`,
      );
    }
    let wanted = Math.min(MAX_PAGES, Math.max(need, have + Math.ceil(have / 2)));
    if (this.guard) {
      const allowed = this.guard.allowGrowth((need - have) * PAGE_BYTES, (wanted - have) * PAGE_BYTES);
      wanted = have + Math.max(need - have, Math.floor(allowed / PAGE_BYTES));
    }
    try {
      this.memory.grow(wanted - have);
    } catch {
      try {
        this.memory.grow(need - have);
      } catch (err) {
        this.guard?.growFailed((need - have) * PAGE_BYTES, err as Error);
        throw new RangeError(
          `alloc: memory.grow to ${need} pages (${end} bytes) failed: ${(err as Error).message}`,
        );
      }
    }
  }
}
