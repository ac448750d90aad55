/**
 * Which shard holds a point: FNV-1a (32 bits) of the id's canonical text — `n:<decimal>` for
 * a number, `s:<string>` for a string — modulo the collection's shard count. The function is
 * part of the stored format (docs/format.md, "Cluster catalog"): every node and every version
 * must route an id to the same shard, so it never changes for an existing collection.
 */
import type { PointId } from '../db/types.js';

export function shardOf(id: PointId, shards: number): number {
  if (shards === 1) return 0;
  const text = typeof id === 'number' ? `n:${id}` : `s:${id}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** Positions of `ids` grouped by shard (shards with none are absent). */
export function groupByShard(ids: readonly PointId[], shards: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  ids.forEach((id, i) => {
    const s = shardOf(id, shards);
    const list = out.get(s);
    if (list) list.push(i);
    else out.set(s, [i]);
  });
  return out;
}
