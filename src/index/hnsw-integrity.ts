/**
 * The integrity check of an HNSW graph: the invariants of `assembly/hnsw.ts`, checked on
 * every graph read from a file before it is searched. The header's fields (count, entry
 * point, top level); each level-0 list (at most M0 links, to other nodes below n, none twice);
 * each node's level and upper block; each upper list (at most M links, same rules, to nodes
 * whose level reaches the list's); the deleted count.
 *
 * Level-0 lists, most of a graph's bytes, are checked in wasm (`hnswCheckLevel0`,
 * assembly/hnsw-check.ts) with a bitset in linear memory: here (`checkLevel0`) or on a kernel
 * worker while the rest of the file is read (`checkLevel0Async`, index-read.ts). When the
 * arena has no room for the bitset, and to word the error of a list the wasm check refused,
 * the same check runs in TypeScript (`checkLists`), which also checks the upper lists.
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { Bitset } from './bitset.js';

/** Addresses of a graph's level-0 lists, level bytes and upper-block table. */
export interface GraphLayout {
  level0: number;
  levels: number;
  upper: number;
}

/** What the check reads of a graph (`HnswGraph`). */
export interface CheckedGraph {
  readonly kernels: WasmKernels;
  readonly shape: { readonly M: number };
  readonly store: { readonly count: number };
  readonly M0: number;
  readonly count: number;
  readonly maxLevel: number;
  readonly entry: number;
  readonly deletedCount: number;
  readonly layout: GraphLayout;
  levelOf(node: number): number;
  deletedBitset(): Bitset;
}

/**
 * Throws if an invariant of `g` does not hold. `level0From`: the level-0 lists of nodes below
 * it were checked already (as they arrived), so they are skipped.
 * @throws Error naming the first thing that is wrong.
 */
export function checkGraph(g: CheckedGraph, level0From = 0): void {
  const n = g.count;
  const top = g.maxLevel;
  if (n === 0) {
    if (top !== -1) throw new Error(`hnsw: empty graph has top level ${top}`);
    return;
  }
  if (g.store.count < n) throw new Error(`hnsw: ${n} nodes but ${g.store.count} vectors`);
  const entry = g.entry;
  if (entry >= n) throw new Error(`hnsw: entry point ${entry} out of range`);
  if (g.levelOf(entry) !== top) {
    throw new Error(`hnsw: entry point ${entry} has level ${g.levelOf(entry)}, top is ${top}`);
  }
  checkLevel0(g, level0From, n);
  // One view of each table for the whole check, no allocation per node: at a million nodes
  // views and sets per node cost more than the check itself (it runs at every load).
  const { levels: levelsAt, upper } = g.layout;
  const levels = new Uint8Array(g.kernels.memory.buffer, levelsAt, n).slice();
  const upperTable = g.kernels.u32(upper, n).slice();
  const memory = new Uint32Array(g.kernels.memory.buffer);
  const M = g.shape.M;
  const seen = new Int32Array((n + 31) >>> 5);
  for (let node = 0; node < n; node++) {
    const level = levels[node];
    if (level > top) throw new Error(`hnsw: node ${node} has level ${level} above the top ${top}`);
    if (level > 0 !== (upperTable[node] !== 0)) {
      throw new Error(`hnsw: node ${node} at level ${level} has upper block ${upperTable[node]}`);
    }
    for (let l = 1; l <= level; l++) {
      const at = (upperTable[node] + (l - 1) * (M + 1) * 4) >>> 2;
      const count = memory[at];
      if (count > M) throw new Error(`hnsw: node ${node} has ${count} links on ${l}`);
      checkList(memory, at, count, node, l, n, seen);
      for (let i = 1; i <= count; i++) {
        const other = memory[at + i];
        if (levels[other] < l) throw new Error(`hnsw: node ${node} links to ${other} below ${l}`);
      }
      for (let i = 1; i <= count; i++) seen[memory[at + i] >>> 5] = 0;
    }
  }
  const marked = g.deletedBitset().count();
  if (marked !== g.deletedCount) {
    throw new Error(`hnsw: ${marked} nodes marked deleted, header says ${g.deletedCount}`);
  }
}

/**
 * Checks the level-0 lists of nodes `from` to `to` - 1 (in wasm, with a bitset of its own;
 * in TypeScript when the arena has no room for it). Reads only those lists, so a graph being
 * read into place checks the lists that have arrived.
 * @throws Error naming the first node whose list is wrong.
 */
function checkLevel0(g: CheckedGraph, from: number, to: number): void {
  if (from >= to) return;
  const seen = level0Bitset(g);
  if (seen === undefined) {
    checkLists(g, from, to);
    return;
  }
  let bad: number;
  try {
    bad = g.kernels.exports.hnswCheckLevel0(g.layout.level0, g.M0, g.count, from, to, seen);
  } finally {
    g.kernels.free(seen);
  }
  if (bad >= 0) explainLevel0(g, bad);
}

/**
 * A zeroed bitset for a level-0 check (one bit per node) in `g`'s kernels, for the caller to
 * free; undefined when the arena has no room for it (a graph placed in an arena it fills).
 */
export function level0Bitset(g: CheckedGraph): number | undefined {
  try {
    return g.kernels.alloc(Math.max(16, ((g.count + 127) >>> 7) << 4));
  } catch {
    return undefined;
  }
}

/**
 * `checkLevel0(g, from, to)` on a kernel worker, off the event loop, with the caller's bitset
 * `seen` (from `level0Bitset`; one per call in flight, all zero again when the call resolves
 * to -1). Resolves to -1, or to the first node whose list is wrong (`explainLevel0` says
 * why). The lists must not change until it settles.
 */
export function checkLevel0Async(g: CheckedGraph, from: number, to: number, seen: number): Promise<number> {
  return KernelWorkerPool.of('search').run(g.kernels, 'hnswCheckLevel0', [
    g.layout.level0,
    g.M0,
    g.count,
    from,
    to,
    seen,
  ]);
}

/** Throws the error of `node`'s level-0 list, which `hnswCheckLevel0` found wrong. */
function explainLevel0(g: CheckedGraph, node: number): never {
  checkLists(g, node, node + 1);
  throw new Error(`hnsw: node ${node} has a wrong list on 0`); // not reached: both checks agree
}

/** The level-0 check of nodes `from` to `to` - 1 in TypeScript, with a bitset on the heap. */
function checkLists(g: CheckedGraph, from: number, to: number): void {
  const n = g.count;
  const M0 = g.M0;
  const memory = new Uint32Array(g.kernels.memory.buffer);
  const seen = new Int32Array((n + 31) >>> 5);
  for (let node = from; node < to; node++) {
    const at = (g.layout.level0 + node * (M0 + 1) * 4) >>> 2;
    const count = memory[at];
    if (count > M0) throw new Error(`hnsw: node ${node} has ${count} links on 0`);
    checkList(memory, at, count, node, 0, n, seen);
    for (let i = 1; i <= count; i++) seen[memory[at + i] >>> 5] = 0;
  }
}

/**
 * Checks one list of `count` links after the count at word `at`: each below n, not `node`,
 * none twice (its bits are set in `seen`; the caller clears them).
 */
function checkList(
  memory: Uint32Array,
  at: number,
  count: number,
  node: number,
  l: number,
  n: number,
  seen: Int32Array,
): void {
  for (let i = 1; i <= count; i++) {
    const other = memory[at + i];
    if (other >= n) throw new Error(`hnsw: node ${node} links to ${other} (of ${n}) on ${l}`);
    if (other === node) throw new Error(`hnsw: node ${node} links to itself on ${l}`);
    const bit = 1 << (other & 31);
    if ((seen[other >>> 5] & bit) !== 0)
      throw new Error(`hnsw: node ${node} links to ${other} twice on ${l}`);
    seen[other >>> 5] |= bit;
  }
}
