/**
 * The WebAssembly simd128 implementation of `Kernels`, a thin typed surface over the
 * module built from `assembly/kernels.ts` into `<package root>/build/kernels.wasm`.
 *
 * Invariants:
 * - The module is compiled once per process; every `WasmKernels` instantiates it with its
 *   own imported memory (`maximum` 65536 pages, the wasm32 limit), so instances share no data.
 *   The memory is shared (a SharedArrayBuffer): worker threads instantiate the same module
 *   over it (`attachWasmKernels`) to build indexes in parallel. Only the thread that owns
 *   the `WasmKernels` allocates; workers compute on blocks it hands them.
 * - The allocator starts at the module's `heapBase()`, above its static data.
 * - Pointers above 2 GiB reach wasm as negative i32 and are reinterpreted as `usize`
 *   there; the exported functions take them unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GrowthGuard } from './allocator.js';
import type { DistanceKind, Kernels } from './kernels.js';
import { LinearMemory } from './linear-memory.js';

/** The functions `assembly/kernels.ts` exports, as seen from JS. */
interface KernelExports {
  heapBase(): number;
  l2sq(a: number, b: number, dim: number): number;
  dot(a: number, b: number, dim: number): number;
  cosine(a: number, b: number, dim: number): number;
  scan(kind: number, query: number, base: number, n: number, dim: number, out: number): void;
  searchTopK(
    kind: number,
    query: number,
    base: number,
    n: number,
    dim: number,
    k: number,
    allow: number,
    outRows: number,
    outDist: number,
  ): number;
  selectTopK(dist: number, n: number, k: number, outRows: number, outDist: number): number;
  /** Exact top-k among `count` listed rows (u32 offsets at `rows`, ascending); assembly/kernels.ts. */
  listedTopK(
    kind: number,
    query: number,
    base: number,
    dim: number,
    k: number,
    rows: number,
    count: number,
    outRows: number,
    outDist: number,
  ): number;
  hnswSearch(
    graph: number,
    scratch: number,
    query: number,
    k: number,
    ef: number,
    allow: number,
    outNodes: number,
    outDist: number,
  ): number;
  /** assembly/hnsw.ts: the batch queries this call claims (at most `most`; 0: all left), answered. */
  hnswSearchShared(
    graph: number,
    scratch: number,
    queries: number,
    nq: number,
    k: number,
    ef: number,
    allow: number,
    outNodes: number,
    outDist: number,
    outFound: number,
    counter: number,
    most: number,
  ): number;
  hnswInsert(graph: number, scratch: number, node: number): void;
  hnswInsertClaimed(graph: number, scratch: number): void;
  hnswRepair(graph: number, scratch: number, node: number): void;
  /** assembly/hnsw-check.ts: -1 when the level-0 lists of nodes from..to-1 hold, else the first that does not. */
  hnswCheckLevel0(level0: number, M0: number, n: number, from: number, to: number, seen: number): number;
}

/**
 * Path of `build/kernels.wasm` in the package root: the nearest ancestor of this file that
 * holds a `package.json` (this file runs from `dist/src/kernels/`).
 */
export function wasmPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'build', 'kernels.wasm');
    if (dirname(dir) === dir) return join(start, '..', '..', '..', 'build', 'kernels.wasm');
  }
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernels module (compiled on first use), to hand to worker threads. */
export function compiledModule(): WebAssembly.Module {
  if (compiled === undefined) {
    const path = wasmPath();
    if (!existsSync(path)) throw new Error(`${path} does not exist: run \`npm run build:wasm\``);
    try {
      compiled = new WebAssembly.Module(readFileSync(path));
    } catch (cause) {
      throw new Error(`${path} is not a valid kernels module: ${(cause as Error).message}`, { cause });
    }
  }
  return compiled;
}

/** Instantiates `module` over `memory` (which must be shared when used from a worker). */
function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('kernels.wasm aborted');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}

/**
 * The kernel functions over a memory owned by another thread's `WasmKernels`, for use in a
 * worker thread. The caller must not allocate through it: it has no allocator.
 */
export function attachWasmKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  return instantiate(module, memory);
}

export type { KernelExports as WasmKernelExports };

export class WasmKernels extends LinearMemory implements Kernels {
  readonly kind = 'wasm-simd' as const;
  /** The module's raw exports, including the HNSW graph operations. */
  readonly exports: KernelExports;

  /**
   * `guard`: bounds the memory's growth (an arena of a database); none by default.
   * @throws when the wasm file is missing or cannot be compiled or instantiated.
   */
  constructor(guard?: GrowthGuard) {
    const memory = LinearMemory.newMemory(true);
    const exports = instantiate(compiledModule(), memory);
    super(memory, exports.heapBase(), guard);
    this.exports = exports;
  }

  /** The compiled module, so workers can instantiate it over this memory. */
  get module(): WebAssembly.Module {
    return compiledModule();
  }

  l2sq(a: number, b: number, dim: number): number {
    return this.exports.l2sq(a, b, dim);
  }

  dot(a: number, b: number, dim: number): number {
    return this.exports.dot(a, b, dim);
  }

  cosine(a: number, b: number, dim: number): number {
    return this.exports.cosine(a, b, dim);
  }

  scan(kind: DistanceKind, query: number, base: number, n: number, dim: number, out: number): void {
    this.exports.scan(kind, query, base, n, dim, out);
  }

  searchTopK(
    kind: DistanceKind,
    query: number,
    base: number,
    n: number,
    dim: number,
    k: number,
    allow: number,
    outRows: number,
    outDist: number,
  ): number {
    return this.exports.searchTopK(kind, query, base, n, dim, k, allow, outRows, outDist);
  }

  selectTopK(dist: number, n: number, k: number, outRows: number, outDist: number): number {
    return this.exports.selectTopK(dist, n, k, outRows, outDist);
  }
}
