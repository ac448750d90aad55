/**
 * The check of HNSW level-0 lists over a kernel memory (the graph layout of
 * `assembly/hnsw.ts`: node i's list at `level0 + i·(M0 + 1)·4`, a count then the links),
 * shared by `HnswGraph.checkLevel0` on the calling thread and by kernel workers
 * (`CHECK_LEVEL0`), so that loading checks the lists of a graph read into place off the event
 * loop while it reads the rest. Each list must hold at most M0 links, to nodes below n, not
 * to itself, none twice.
 */

/** The pool call name of a level-0 check (not a kernels export): args `[level0, M0, n, from, to]`. */
export const CHECK_LEVEL0 = '#checkLevel0';

/**
 * Checks the level-0 lists of nodes `from` to `to` - 1 in `memory` (the whole memory as u32).
 * `seen` (n bits) is all zero before and, unless this throws, after.
 * @throws Error naming the first node whose list is wrong.
 */
export function checkLevel0Lists(
  memory: Uint32Array,
  level0: number,
  M0: number,
  n: number,
  from: number,
  to: number,
  seen: Int32Array,
): void {
  for (let node = from; node < to; node++) {
    const at = (level0 + node * (M0 + 1) * 4) >>> 2;
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
export function checkList(
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

/** The worker's bits for `checkLevel0On`, kept between calls of the same n (zero between calls). */
let workerSeen: Int32Array | undefined;

/** `CHECK_LEVEL0` on a kernel worker: `checkLevel0Lists` over `memory` with args `[level0, M0, n, from, to]`; returns 0. */
export function checkLevel0On(memory: WebAssembly.Memory, args: readonly number[]): number {
  const [level0, M0, n, from, to] = args;
  const words = (n + 31) >>> 5;
  const seen = workerSeen?.length === words ? workerSeen : new Int32Array(words);
  workerSeen = undefined; // kept again only when every bit was cleared
  checkLevel0Lists(new Uint32Array(memory.buffer), level0, M0, n, from, to, seen);
  workerSeen = seen;
  return 0;
}
