/**
 * The check of HNSW level-0 lists that loading runs on a graph read into place (the layout
 * of `hnsw.ts`: node i's list at `level0 + i·(M0 + 1)·4`, a count then the links): each list
 * holds at most M0 links, to nodes below n, not to itself, none twice. The range and self
 * tests run four links at a time; repeats are found with a bitset of n bits (`seen`, the
 * caller's, one per concurrent call) in which each list sets its links' bits and then clears
 * them, so a list costs two passes over its links and the bitset (n / 8 bytes) stays in cache
 * where a word per node would not.
 */

/**
 * Checks the level-0 lists of nodes `from` to `to` - 1. `seen` (n bits, 16-byte aligned) must
 * be all zero; it is all zero again when this returns -1.
 * @returns -1 when every list holds, else the first node whose list does not (`seen` is then
 * left dirty).
 */
export function hnswCheckLevel0(level0: usize, M0: u32, n: u32, from: u32, to: u32, seen: usize): i32 {
  const stride = (<usize>M0 + 1) << 2;
  const below = i32x4.splat(<i32>n);
  for (let node = from; node < to; node++) {
    const list = level0 + <usize>node * stride;
    const count = load<u32>(list);
    if (count > M0) return <i32>node;
    const links = list + 4;
    const self = i32x4.splat(<i32>node);
    let bad = i32x4.splat(0);
    let i: u32 = 0;
    for (; i + 4 <= count; i += 4) {
      const v = v128.load(links + (<usize>i << 2));
      bad = v128.or(bad, v128.or(i32x4.ge_u(v, below), i32x4.eq(v, self)));
    }
    if (v128.any_true(bad)) return <i32>node;
    for (; i < count; i++) {
      const other = load<u32>(links + (<usize>i << 2));
      if (other >= n || other == node) return <i32>node;
    }
    for (i = 0; i < count; i++) {
      const other = load<u32>(links + (<usize>i << 2));
      const word = seen + (<usize>(other >>> 5) << 2);
      const bit: u32 = 1 << (other & 31);
      const bits = load<u32>(word);
      if ((bits & bit) != 0) return <i32>node;
      store<u32>(word, bits | bit);
    }
    for (i = 0; i < count; i++) {
      const other = load<u32>(links + (<usize>i << 2));
      store<u32>(seen + (<usize>(other >>> 5) << 2), 0);
    }
  }
  return -1;
}
