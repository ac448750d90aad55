/**
 * Memory arenas: the linear memories of one database. One wasm32 memory cannot address more
 * than 4 GiB, so a database spreads its data over many: each arena is a kernel instance
 * (`WasmKernels`, or `JsKernels` for the JS fallback) over its own memory, shared with the
 * kernel worker threads (which instantiate the module over an arena on first use, see
 * worker-pool.ts).
 *
 * Invariants:
 * - Everything one structure points into lives in one arena: a sealed segment's vectors,
 *   indexes and search scratch are placed together (`place`), and a segment never spans
 *   arenas. Callers place by an estimate of the bytes a structure will hold at most; the sum
 *   of the estimates placed in a shared arena stays within `arenaBytes` (a structure larger
 *   than that gets an arena of its own). An estimate that proves low only lets the arena
 *   grow further, up to the wasm32 limit: then the allocation throws `RangeError` and the
 *   caller retries in a fresh arena (`place(bytes, { fresh: true })`).
 * - `own()` gives a structure that grows without a known bound (the growing segment) an
 *   arena no one else is placed in.
 * - An arena lives while a placement in it is held; when the last is released the arena is
 *   forgotten (worker threads drop their instances over it) and its memory is reclaimed by
 *   the garbage collector. Memory never shrinks otherwise: freed blocks are reused in place.
 * - `memoryBudget` bounds the bytes committed by all arenas together (their memories'
 *   sizes): a growth or a new arena beyond it throws `CapacityError` before anything
 *   changes, and so does an engine that refuses to grow or create a memory. Only small
 *   growths (at most `SCRATCH_BYTES`, a search's scratch) may pass the budget, by
 *   `SCRATCH_BYTES` in all, so that reads keep being served at the budget.
 */
import { CapacityError } from '../errors.js';
import { type GrowthGuard, PAGE_BYTES, WASM32_BYTES } from './allocator.js';
import { JsKernels } from './js-kernels.js';
import type { Kernels } from './kernels.js';
import { WasmKernels } from './wasm-kernels.js';
import { KernelWorkerPool } from './worker-pool.js';

/**
 * Default bytes placed in one arena: 4 GiB, all one wasm32 memory addresses. Bigger arenas
 * make bigger segments (a segment never spans arenas), and a search visits one graph per
 * segment: at 2M × 768 that is two graphs instead of four. Memory is committed as it is used,
 * so a large bound costs nothing by itself.
 */
export const DEFAULT_ARENA_BYTES = WASM32_BYTES;
/** Smallest arena size accepted (tests use a few MiB). */
export const MIN_ARENA_BYTES = 1 << 20;
/** Growth a read may need beyond the budget (its query, results and allow-list scratch), in all. */
export const SCRATCH_BYTES = 4 << 20;
/** Bytes a new memory starts with (`LinearMemory`'s 16 pages). */
const INITIAL_BYTES = 16 * PAGE_BYTES;

export interface ArenaOptions {
  /**
   * Bytes placed in one arena at most (default: `QUIVER_ARENA_BYTES` if set, else 4 GiB;
   * between 1 MiB and 4 GiB).
   */
  arenaBytes?: number;
  /** Bytes all arenas may commit together (default: no bound but the machine's). */
  memoryBudget?: number;
  /** The kernel implementation of every arena. */
  kind: Kernels['kind'];
}

/** A reservation in an arena; the arena is released when its last placement is. */
export interface Placement {
  readonly kernels: Kernels;
  /** Gives the reservation back (idempotent). */
  release(): void;
}

interface Arena {
  kernels: Kernels;
  /** Sum of the estimates of the placements held. */
  reserved: number;
  /** Placements held. */
  holders: number;
  /** Whether other placements may share it (false for `own()` and oversized ones). */
  shared: boolean;
}

/** How the arenas of a database are used, for `info()` and metrics. */
export interface ArenaStats {
  /** Arenas alive. */
  arenas: number;
  /** Bytes their memories have committed (their sizes). */
  committedBytes: number;
  /** Bytes in live blocks. */
  allocatedBytes: number;
  memoryBudget: number | undefined;
  arenaBytes: number;
}

export class MemoryArenas {
  readonly arenaBytes: number;
  private memoryBudget: number | undefined;
  private readonly kind: Kernels['kind'];
  private readonly arenas = new Set<Arena>();
  private readonly guard: GrowthGuard;

  constructor(options: ArenaOptions) {
    this.arenaBytes = options.arenaBytes ?? arenaBytesFromEnv() ?? DEFAULT_ARENA_BYTES;
    this.memoryBudget = options.memoryBudget;
    this.kind = options.kind;
    this.guard = {
      allowGrowth: (need, want) => {
        const available = this.available();
        if (need <= available) return Math.min(want, available);
        // A small growth (a read's scratch) may pass the budget, by SCRATCH_BYTES in all.
        const budget = this.memoryBudget ?? 0;
        if (need <= SCRATCH_BYTES && this.committed() + need <= budget + SCRATCH_BYTES) return need;
        throw this.capacityError(need, available, 'growing an arena');
      },
      growFailed: (need, cause) => {
        throw new CapacityError(need, 0, `growing an arena (the engine refused: ${cause.message})`);
      },
    };
  }

  /**
   * A placement for a structure of at most `bytes` (an estimate): in a shared arena whose
   * placements leave room for it, else in a new arena (of its own when `bytes` exceeds
   * `arenaBytes`, or when `fresh`: a retry after the estimate proved low).
   * @throws CapacityError when a new arena is needed and the budget or the engine refuses it.
   */
  place(bytes: number, options: { fresh?: boolean } = {}): Placement {
    const oversized = bytes > this.arenaBytes || options.fresh === true;
    let arena: Arena | undefined;
    if (!oversized) {
      for (const a of this.arenas) {
        if (a.shared && a.reserved + bytes <= this.arenaBytes) {
          arena = a;
          break;
        }
      }
    }
    arena ??= this.create(!oversized);
    return this.hold(arena, bytes);
  }

  /** An arena of its own, for a structure that grows without a known bound (the growing segment). */
  own(): Placement {
    return this.hold(this.create(false), 0);
  }

  /**
   * A placement in the arena of `kernels` (held by another placement): for a structure that
   * takes over that arena's memory as the other frees it (the next growing segment when the
   * budget has no room for a new arena).
   */
  alongside(kernels: Kernels): Placement {
    for (const a of this.arenas) if (a.kernels === kernels) return this.hold(a, 0);
    throw new RangeError(`arena ${kernels.arenaId} is not an arena of this database`);
  }

  /** Changes the memory budget (undefined: none); what is committed already stays. */
  setMemoryBudget(bytes: number | undefined): void {
    this.memoryBudget = bytes;
  }

  /**
   * Throws `CapacityError` unless `bytes` more can be committed under the budget (checked
   * before a write is acknowledged, so that applying it cannot run out of budget).
   */
  checkRoom(bytes: number, what: string): void {
    const available = this.available();
    if (bytes > available) throw this.capacityError(bytes, available, what);
  }

  get stats(): ArenaStats {
    let committedBytes = 0;
    let allocatedBytes = 0;
    for (const a of this.arenas) {
      committedBytes += a.kernels.memory.buffer.byteLength;
      allocatedBytes += a.kernels.allocator.allocatedBytes;
    }
    return {
      arenas: this.arenas.size,
      committedBytes,
      allocatedBytes,
      memoryBudget: this.memoryBudget,
      arenaBytes: this.arenaBytes,
    };
  }

  /** Bytes that may still be committed: the budget less what is committed (infinite without a budget). */
  private available(): number {
    if (this.memoryBudget === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.memoryBudget - this.committed());
  }

  private committed(): number {
    let bytes = 0;
    for (const a of this.arenas) bytes += a.kernels.memory.buffer.byteLength;
    return bytes;
  }

  private capacityError(need: number, available: number, what: string): CapacityError {
    return new CapacityError(need, available, `${what} (memory budget ${this.memoryBudget} bytes)`);
  }

  private create(shared: boolean): Arena {
    this.checkRoom(INITIAL_BYTES, 'creating an arena');
    let kernels: Kernels;
    try {
      kernels = this.kind === 'js' ? new JsKernels(this.guard) : new WasmKernels(this.guard);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new CapacityError(INITIAL_BYTES, 0, `creating an arena (the engine refused: ${err.message})`);
    }
    const arena: Arena = { kernels, reserved: 0, holders: 0, shared };
    this.arenas.add(arena);
    return arena;
  }

  private hold(arena: Arena, bytes: number): Placement {
    arena.reserved += bytes;
    arena.holders++;
    let released = false;
    return {
      kernels: arena.kernels,
      release: () => {
        if (released) return;
        released = true;
        arena.reserved -= bytes;
        arena.holders--;
        if (arena.holders > 0) return;
        this.arenas.delete(arena);
        KernelWorkerPool.forget(arena.kernels);
      },
    };
  }
}

/**
 * `QUIVER_ARENA_BYTES` as a number of bytes, or undefined when unset.
 * @throws RangeError when it is set to something else than an integer in [1 MiB, 4 GiB].
 */
function arenaBytesFromEnv(): number | undefined {
  const text = process.env.QUIVER_ARENA_BYTES;
  if (text === undefined || text === '') return undefined;
  const bytes = Number(text);
  checkArenaBytes(bytes, 'QUIVER_ARENA_BYTES');
  return bytes;
}

/** @throws RangeError unless `bytes` is an integer in [1 MiB, 4 GiB]. */
export function checkArenaBytes(bytes: number, where: string): void {
  if (!Number.isInteger(bytes) || bytes < MIN_ARENA_BYTES || bytes > WASM32_BYTES) {
    throw new RangeError(
      `${where}: expected an integer number of bytes between ${MIN_ARENA_BYTES} and ${WASM32_BYTES}, got ${bytes}`,
    );
  }
}
