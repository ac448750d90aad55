/**
 * The checks of HNSW lists over a kernel memory in TypeScript (the graph layout of
 * `assembly/hnsw.ts`: node i's level-0 list at `level0 + i·(M0 + 1)·4`, a count then the
 * links): `HnswGraph.checkIntegrity` checks upper lists with `checkList`, and says what is
 * wrong with a level-0 list that the wasm check (`hnswCheckLevel0`, assembly/hnsw-check.ts,
 * which only finds the node) refused. Each list must hold at most its level's links, to
 * nodes below n, not to itself, none twice.
 */

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
